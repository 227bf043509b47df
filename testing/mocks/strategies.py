"""Hypothesis strategies for provider payloads: every value a provider may legitimately send."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
# An explicit alphabet (ASCII, accents, CJK, emoji, quotes, backslash): Hypothesis builds its full
# Unicode table on first use of st.characters(), which costs seconds in a fresh sandbox.
_text = st.text("abcdefghijklmnopqrstuvwxyzABCXYZ 0123456789-'&.,éñüçß中文🙂\"\\", max_size=40)
_labels = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
_domains = st.builds(lambda label, tld: f"{label}.{tld}", _labels, st.sampled_from(["com", "net", "org", "io"]))


def _ids(prefix: str, size: int = 24) -> st.SearchStrategy[str]:
    return st.text(_ID_ALPHABET, min_size=size, max_size=size).map(lambda s: prefix + s)


def place_candidates() -> st.SearchStrategy[dict[str, Any]]:
    """Find Place candidates: every field present or absent (Google returns only the `fields` asked for,
    place_id included), values at their bounds."""
    optional = {
        "place_id": _ids("ChIJ", 23),
        "name": _text,
        "formatted_address": _text,
        "geometry": st.fixed_dictionaries(
            {"location": st.fixed_dictionaries({"lat": st.floats(-90, 90), "lng": st.floats(-180, 180)})}
        ),
        "business_status": st.sampled_from(["OPERATIONAL", "CLOSED_TEMPORARILY", "CLOSED_PERMANENTLY"]),
        "rating": st.floats(0, 5),
        "user_ratings_total": st.integers(0, 10**7),
        "types": st.lists(st.sampled_from(["establishment", "point_of_interest", "store", "food"]), max_size=4),
    }
    return st.fixed_dictionaries({}, optional=optional)


def find_place_bodies() -> st.SearchStrategy[dict[str, Any]]:
    """Find Place responses: OK with candidates, or ZERO_RESULTS with none."""
    return st.lists(place_candidates(), max_size=5).map(
        lambda candidates: {"candidates": candidates, "status": "OK" if candidates else "ZERO_RESULTS"}
    )


def chat_completion_bodies(
    models: tuple[str, ...] = ("gpt-4o-mini", "gpt-4o-mini-2024-07-18", "gpt-4o", "gpt-4.1"),
) -> st.SearchStrategy[dict[str, Any]]:
    """chat.completion objects with any token usage and any of `models`."""

    def build(model: str, prompt: int, completion: int, content: str | None, finish: str) -> dict[str, Any]:
        return {
            "id": "chatcmpl-abc",
            "object": "chat.completion",
            "created": 1767603600,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "logprobs": None,
                    "finish_reason": finish,
                }
            ],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
        }

    return st.builds(
        build,
        st.sampled_from(models),
        st.integers(0, 200_000),
        st.integers(0, 100_000),
        st.none() | _text,
        st.sampled_from(["stop", "length", "content_filter"]),
    )


def checkout_session_bodies() -> st.SearchStrategy[dict[str, Any]]:
    """checkout.session objects in any status a created session can have."""
    return st.fixed_dictionaries(
        {
            "id": _ids("cs_test_", 16),
            "object": st.just("checkout.session"),
            "url": st.none() | _ids("https://checkout.stripe.com/c/pay/cs_test_", 8),
            "status": st.sampled_from(["open", "complete", "expired"]),
            "payment_status": st.sampled_from(["paid", "unpaid", "no_payment_required"]),
            "mode": st.sampled_from(["payment", "subscription", "setup"]),
            "amount_total": st.none() | st.integers(0, 10**8),
            "currency": st.sampled_from(["usd", "eur"]) | st.none(),
            "customer_email": st.none() | st.builds(lambda local, domain: f"{local}@{domain}", _labels, _domains),
            "metadata": st.dictionaries(_labels, _text, max_size=2),
            "created": st.integers(1_500_000_000, 2_000_000_000),
            "expires_at": st.integers(1_500_000_000, 2_000_000_000),
            "livemode": st.booleans(),
        }
    )


def webhook_events() -> st.SearchStrategy[bytes]:
    """Raw webhook bodies (JSON bytes) of any event type, wrapping a checkout session."""
    return st.builds(
        lambda event_id, event_type, session, created: json.dumps(
            {
                "id": event_id,
                "object": "event",
                "api_version": "2024-06-20",
                "type": event_type,
                "created": created,
                "livemode": False,
                "pending_webhooks": 1,
                "request": {"id": None, "idempotency_key": None},
                "data": {"object": session},
            }
        ).encode(),
        _ids("evt_"),
        st.sampled_from(["checkout.session.completed", "checkout.session.expired", "payment_intent.succeeded"]),
        checkout_session_bodies(),
        st.integers(1_500_000_000, 2_000_000_000),
    )


def hunter_email_finder_bodies() -> st.SearchStrategy[dict[str, Any]]:
    """email-finder responses, found (email + score) or not (both null)."""
    found = st.fixed_dictionaries(
        {
            "email": st.builds(lambda local, domain: f"{local}@{domain}", _labels, _domains),
            "score": st.integers(0, 100),
            "domain": st.just("example.com"),
        },
        optional={"first_name": _text, "last_name": _text, "position": st.none() | _text},
    )
    missing = st.fixed_dictionaries({"email": st.none(), "score": st.none(), "domain": st.just("example.com")})
    return (found | missing).map(lambda data: {"data": data, "meta": {"params": {}}})


def data_axle_match_bodies() -> st.SearchStrategy[dict[str, Any]]:
    """Match API answers: no match (null document), or a document whose attributes, nested under
    `attributes`, are each present or absent; the score a number (v1) or a numeric string (v2)."""
    attributes = st.fixed_dictionaries(
        {},
        optional={
            "name": _text,
            "street": _text,
            "city": _text,
            "state": st.sampled_from(["TX", "WA", "SC"]),
            "postal_code": st.from_regex(r"\A[0-9]{5}(-[0-9]{4})?\Z"),
            "phone": st.none() | st.from_regex(r"\A[0-9]{10}\Z"),
            "employee_count": st.none() | st.integers(0, 10**6),
            "sales_volume": st.none() | st.integers(0, 10**12),
        },
    )
    score = st.floats(0.5, 1.0) | st.floats(0.5, 1.0).map(lambda value: f"{value:.2f}")
    document = st.fixed_dictionaries(
        {
            "infogroup_id": st.from_regex(r"\A[0-9]{9}\Z"),
            "rules": st.lists(st.sampled_from(["name", "address", "phone"]), unique=True, max_size=3),
            "score": score,
            "attributes": attributes,
        }
    )
    return st.fixed_dictionaries({"document": st.none() | document})


def semrush_overview_values() -> st.SearchStrategy[dict[str, Any]]:
    """A domain_ranks row (header → value) with any non-negative metrics."""
    counts = st.integers(0, 10**9)
    return st.fixed_dictionaries(
        {
            "Database": st.sampled_from(["us", "uk", "de", "mobile-us"]),
            "Domain": _domains,
            "Rank": counts,
            "Organic Keywords": counts,
            "Organic Traffic": counts,
            "Organic Cost": st.floats(0, 1e9, allow_nan=False).map(lambda v: round(v, 2)),
            "Adwords Keywords": counts,
            "Adwords Traffic": counts,
            "Adwords Cost": counts,
        }
    )
