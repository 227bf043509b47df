"""Offline mode: an httpx transport that answers every provider with realistic, deterministic payloads.

`build_gateway(stub=True)` uses it so the whole system runs without network or keys. The answers are
derived from the request (same request, same answer) and have each provider's real response shape;
tests use the richer, Faker-driven respx factories in testing/mocks instead.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import httpx

from d0_gateway.settings import GatewaySettings

StubHandler = Callable[[httpx.Request, int], httpx.Response]

_NAMES = ("Acme Plumbing", "Blue Door Bakery", "Cedar Dental", "Summit Roofing", "Harbor Auto Repair", "Maple Yoga")
_STREETS = ("Main St", "Oak Ave", "Elm St", "Market St", "2nd Ave", "Lake Rd")
_CITIES = (
    ("Austin", "TX", "78701"),
    ("Denver", "CO", "80202"),
    ("Portland", "OR", "97205"),
    ("Raleigh", "NC", "27601"),
)
_PEOPLE = (("Ana", "Lopez"), ("Ben", "Carter"), ("Chloe", "Nguyen"), ("Dev", "Patel"))
# A 1x1 transparent PNG.
_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def _digest(request: httpx.Request) -> int:
    return int(hashlib.sha256(str(request.url).encode() + request.content).hexdigest()[:12], 16)


def _pick(options: tuple[Any, ...], seed: int, salt: int = 0) -> Any:
    return options[(seed // (salt * 7 + 1)) % len(options)]


def _place(seed: int, place_id: str | None = None) -> dict[str, Any]:
    city, state, postal = _pick(_CITIES, seed, 1)
    return {
        "place_id": place_id or f"ChIJ{seed:012x}stub",
        "name": _pick(_NAMES, seed),
        "formatted_address": f"{seed % 900 + 100} {_pick(_STREETS, seed, 2)}, {city}, {state} {postal}, USA",
        "geometry": {"location": {"lat": 30 + (seed % 1000) / 100, "lng": -97 - (seed % 700) / 100}},
        "business_status": "OPERATIONAL",
        "rating": round(3 + (seed % 20) / 10, 1),
        "user_ratings_total": seed % 500,
        "types": ["point_of_interest", "establishment"],
    }


def _google_places(request: httpx.Request, seed: int) -> httpx.Response:
    if request.url.path.endswith("/details/json"):
        place = _place(seed, request.url.params.get("place_id"))
        place.update(
            formatted_phone_number=f"(512) 555-{seed % 10000:04d}",
            international_phone_number=f"+1 512-555-{seed % 10000:04d}",
            website=f"https://{place['name'].lower().replace(' ', '')}.example.com",
            url=f"https://maps.google.com/?cid={seed}",
            opening_hours={"open_now": True, "weekday_text": ["Monday: 9:00 AM – 5:00 PM"]},
            address_components=[{"long_name": "United States", "short_name": "US", "types": ["country", "political"]}],
        )
        return httpx.Response(200, json={"html_attributions": [], "result": place, "status": "OK"})
    return httpx.Response(200, json={"candidates": [_place(seed)], "status": "OK"})


def _pagespeed(request: httpx.Request, seed: int) -> httpx.Response:
    url = request.url.params.get("url", "https://example.com/")
    categories = [c.lower().replace("_", "-") for c in request.url.params.get_list("category")] or ["performance"]
    body = {
        "kind": "pagespeedonline#result",
        "id": url,
        "analysisUTCTimestamp": "2026-01-05T09:00:00.000Z",
        "lighthouseResult": {
            "requestedUrl": url,
            "finalUrl": url,
            "lighthouseVersion": "12.2.1",
            "fetchTime": "2026-01-05T09:00:00.000Z",
            "categories": {
                c: {"id": c, "title": c.replace("-", " ").title(), "score": ((seed >> i) % 60 + 40) / 100}
                for i, c in enumerate(categories)
            },
            "audits": {
                "first-contentful-paint": {
                    "id": "first-contentful-paint",
                    "title": "First Contentful Paint",
                    "score": 0.9,
                    "numericValue": 1200 + seed % 800,
                    "displayValue": "1.4 s",
                }
            },
        },
    }
    return httpx.Response(200, json=body)


def _openai(request: httpx.Request, seed: int) -> httpx.Response:
    sent = json.loads(request.content)
    prompt_tokens = sum(len(m["content"]) for m in sent["messages"]) // 4 + 1
    completion_tokens = min(sent.get("max_tokens", 64), 24)
    body = {
        "id": f"chatcmpl-stub{seed:x}",
        "object": "chat.completion",
        "created": 1767603600,
        "model": sent["model"],
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "This is an offline stub reply.", "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
        "system_fingerprint": "fp_stub",
    }
    return httpx.Response(200, json=body)


def _sendgrid(request: httpx.Request, seed: int) -> httpx.Response:
    return httpx.Response(202, headers={"X-Message-Id": f"stub{seed:016x}"})


def _stripe(request: httpx.Request, seed: int) -> httpx.Response:
    form = dict(httpx.QueryParams(request.content.decode()))
    total = sum(
        int(form[key]) * int(form.get(key.replace("[price_data][unit_amount]", "[quantity]"), "1"))
        for key in form
        if key.endswith("[price_data][unit_amount]")
    )
    session_id = f"cs_test_stub{seed:x}"
    body = {
        "id": session_id,
        "object": "checkout.session",
        "url": f"https://checkout.stripe.com/c/pay/{session_id}",
        "status": "open",
        "payment_status": "unpaid",
        "mode": form.get("mode", "payment"),
        "amount_total": total,
        "currency": form.get("line_items[0][price_data][currency]", "usd"),
        "customer_email": form.get("customer_email"),
        "metadata": {k[len("metadata[") : -1]: v for k, v in form.items() if k.startswith("metadata[")},
        "created": 1767603600,
        "expires_at": 1767690000,
        "livemode": False,
    }
    return httpx.Response(200, json=body)


def _hunter(request: httpx.Request, seed: int) -> httpx.Response:
    domain = request.url.params.get("domain", "example.com")
    if request.url.path.endswith("/email-finder"):
        first, last = request.url.params.get("first_name", "Ana"), request.url.params.get("last_name", "Lopez")
        data = {
            "first_name": first,
            "last_name": last,
            "email": f"{first.lower()}.{last.lower()}@{domain}",
            "score": 70 + seed % 30,
            "domain": domain,
            "accept_all": False,
            "sources": [],
            "verification": {"date": "2026-01-02", "status": "valid"},
        }
        return httpx.Response(200, json={"data": data, "meta": {"params": dict(request.url.params)}})
    emails = [
        {
            "value": f"{first.lower()}@{domain}",
            "type": "personal",
            "confidence": 80 + i,
            "first_name": first,
            "last_name": last,
        }
        for i, (first, last) in enumerate(_PEOPLE)
    ]
    data = {
        "domain": domain,
        "disposable": False,
        "webmail": False,
        "accept_all": False,
        "pattern": "{first}",
        "emails": emails,
    }
    meta = {
        "results": len(emails),
        "limit": int(request.url.params.get("limit", 10)),
        "offset": int(request.url.params.get("offset", 0)),
    }
    return httpx.Response(200, json={"data": data, "meta": meta})


def _data_axle(request: httpx.Request, seed: int) -> httpx.Response:
    identifiers = json.loads(request.content)["identifiers"]
    city, state, postal = _pick(_CITIES, seed, 1)
    attributes = {
        "name": identifiers["name"],
        "street": identifiers.get("street", f"{seed % 900 + 100} {_pick(_STREETS, seed, 2)}"),
        "city": identifiers.get("city", city),
        "state": identifiers.get("state", state),
        "postal_code": identifiers.get("postal_code", postal),
        "phone": identifiers.get("phone", f"512555{seed % 10000:04d}"),
        "employee_count": seed % 200 + 1,
        "sales_volume": (seed % 5000 + 100) * 1000,
        "primary_sic_code_id": "17110000",
        "location_type": "single_location",
    }
    # Data Axle's Match API nests the record's fields under `attributes`.
    document = {
        "infogroup_id": f"{seed % 10**9:09d}",
        "rules": ["name", "address"],
        "score": 0.9 + (seed % 10) / 100,
        "attributes": attributes,
    }
    return httpx.Response(200, json={"document": document})


def _semrush(request: httpx.Request, seed: int) -> httpx.Response:
    domain = request.url.params.get("domain", "example.com")
    database = request.url.params.get("database", "us")
    header = (
        "Database;Domain;Rank;Organic Keywords;Organic Traffic;Organic Cost;"
        "Adwords Keywords;Adwords Traffic;Adwords Cost"
    )
    row = (
        f"{database};{domain};{seed % 900000 + 1000};{seed % 5000};{seed % 20000};{seed % 9000}.5;"
        f"{seed % 50};{seed % 300};{seed % 700}"
    )
    return httpx.Response(200, text=f"{header}\r\n{row}\r\n", headers={"Content-Type": "text/plain; charset=utf-8"})


def _screenshotone(request: httpx.Request, seed: int) -> httpx.Response:
    image_format = request.url.params.get("format", "png")
    return httpx.Response(200, content=_PNG, headers={"Content-Type": f"image/{image_format}"})


STUB_HANDLERS: Mapping[str, StubHandler] = {
    "maps.googleapis.com": _google_places,
    "www.googleapis.com": _pagespeed,
    "api.openai.com": _openai,
    "api.sendgrid.com": _sendgrid,
    "api.stripe.com": _stripe,
    "api.hunter.io": _hunter,
    "api.data-axle.com": _data_axle,
    "api.semrush.com": _semrush,
    "api.screenshotone.com": _screenshotone,
}


class StubTransport(httpx.MockTransport):
    """Routes each request by host to its provider's stub (called with the request and a seed derived
    from it); an unknown host gets a 404 naming it."""

    def __init__(self, handlers: Mapping[str, StubHandler] = STUB_HANDLERS) -> None:
        self.handlers = dict(handlers)
        super().__init__(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        handler = self.handlers.get(request.url.host)
        if handler is None:
            return httpx.Response(404, json={"error": {"message": f"no stub for host {request.url.host}"}})
        return handler(request, _digest(request))


def stub_settings(settings: GatewaySettings) -> GatewaySettings:
    """`settings` with every provider's credentials replaced by obvious placeholders ("stub-<provider>-<key>")."""
    providers = {
        name: replace(p, credentials={key: f"stub-{name}-{key}" for key in p.credential_env})
        for name, p in settings.providers.items()
    }
    return replace(settings, providers=providers)
