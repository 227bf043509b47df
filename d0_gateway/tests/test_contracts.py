"""Every response fixture a provider published (testing/contracts) runs through the real client: it parses
into the typed result the fixture expects, or maps to the typed error with the provider's own message.
A fixture file added under testing/contracts/<provider>/<operation>/ is a new case here."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from operator import attrgetter
from typing import Any

import httpx
import pytest

import d0_gateway
from d0_gateway import BusinessIdentifiers, Gateway, GatewaySettings, LineItem, ScreenshotOneClient, build_gateway
from d0_gateway.providers.stripe import sign_webhook
from testing import FakeClock
from testing.contracts import Fixture, contract, fixtures

from .conftest import PLACEHOLDER_ENV

Call = Callable[[Gateway], Awaitable[Any]]

# One call per (provider, operation) the gateway makes; the fixture is the provider's answer to it.
CALLS: dict[tuple[str, str], Call] = {
    ("google_places", "find_place"): lambda g: g.google_places.find_place("Museum of Contemporary Art Australia"),
    ("google_places", "place_details"): lambda g: g.google_places.place_details("ChIJN1t_tDeuEmsRUsoyG83frY4"),
    ("pagespeed", "run"): lambda g: g.pagespeed.run("https://example.com/"),
    ("openai", "chat"): lambda g: g.openai.chat([{"role": "user", "content": "Hello!"}]),
    ("sendgrid", "send_mail"): lambda g: g.sendgrid.send(
        g.sendgrid.message(
            to=[{"email": "owner@example.com"}], sender={"email": "hi@example.com"}, subject="Hi", text="x"
        )
    ),
    ("stripe", "create_checkout_session"): lambda g: g.stripe.create_checkout_session(
        [LineItem(name="Website audit", unit_amount=19900)],
        success_url="https://example.com/thanks",
        cancel_url="https://example.com/cancel",
    ),
    ("hunter", "email_finder"): lambda g: g.hunter.email_finder("reddit.com", "Alexis", "Ohanian"),
    ("hunter", "domain_search"): lambda g: g.hunter.domain_search("intercom.com"),
    ("data_axle", "business_match"): lambda g: g.data_axle.business_match(
        BusinessIdentifiers(name="Best Business Ever", street="123 Main St", postal_code="98103")
    ),
    ("semrush", "domain_overview"): lambda g: g.semrush.domain_overview("apple.com", database="us"),
    ("screenshotone", "capture"): lambda g: g.screenshotone.capture(
        ScreenshotOneClient.options(url="https://example.com/", format="png")
    ),
}
WEBHOOK_SECRET = "whsec_contract"
HTTP_FIXTURES = [f for f in fixtures() if (f.provider, f.operation) in CALLS]
WEBHOOK_FIXTURES = fixtures("stripe", "webhook")


async def _run(fixture: Fixture, fake_clock: FakeClock) -> tuple[Any, list[httpx.Request]]:
    """Calls the fixture's operation against a transport that answers with the fixture."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return fixture.response(request)

    settings = GatewaySettings.from_env(PLACEHOLDER_ENV)
    transport = httpx.MockTransport(answer)
    async with build_gateway(settings, transport=transport, clock=fake_clock, rng=random.Random(3)) as gateway:
        try:
            return await CALLS[(fixture.provider, fixture.operation)](gateway), seen
        except d0_gateway.GatewayError as error:
            return error, seen


def _value(result: Any, path: str) -> Any:
    """`path` ('a.b.0.c') read from a typed result: attributes, list indexes and dict keys."""
    value = result
    for part in path.split("."):
        if isinstance(value, dict):
            value = value[part]
        else:
            value = value[int(part)] if part.isdigit() else getattr(value, part)
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if hasattr(value, "model_dump"):
        return value.model_dump()
    return value


def test_every_operation_the_gateway_calls_has_published_fixtures_for_success_and_error():
    covered = {(f.provider, f.operation, f.outcome) for f in HTTP_FIXTURES}
    missing = [(p, o, outcome) for p, o in CALLS for outcome in ("success", "error") if (p, o, outcome) not in covered]
    # Data Axle publishes no error body for its Match API (see testing/contracts/data_axle/provenance.json).
    assert missing == [("data_axle", "business_match", "error")]


@pytest.mark.parametrize("fixture", [f for f in HTTP_FIXTURES if f.schema], ids=attrgetter("id"))
def test_published_body_conforms_to_the_shipped_schema_slice(fixture):
    contract(fixture.provider).check(fixture.schema, fixture.payload)


@pytest.mark.parametrize("fixture", [f for f in HTTP_FIXTURES if f.outcome == "success"], ids=attrgetter("id"))
async def test_published_success_parses_into_the_typed_result(fixture, fake_clock):
    result, _ = await _run(fixture, fake_clock)
    assert not isinstance(result, d0_gateway.GatewayError), f"{fixture.id}: {result}"
    assert {path: _plain(_value(result, path)) for path in fixture.expect.result} == dict(fixture.expect.result)


@pytest.mark.parametrize("fixture", [f for f in HTTP_FIXTURES if f.outcome == "error"], ids=attrgetter("id"))
async def test_published_error_maps_to_its_typed_error_with_the_providers_message(fixture, fake_clock):
    error, _ = await _run(fixture, fake_clock)
    assert type(error).__name__ == fixture.expect.error, f"{fixture.id}: {error!r}"
    assert (error.provider, error.endpoint) == (fixture.provider, fixture.operation)
    for said in fixture.expect.message:
        assert said in str(error)


@pytest.mark.parametrize(
    "fixture", [f for f in HTTP_FIXTURES if f.expect.error == "QuotaExhausted"], ids=attrgetter("id")
)
async def test_published_quota_error_is_sent_once_and_leaves_the_breaker_closed(fixture, fake_clock):
    settings = GatewaySettings.from_env(PLACEHOLDER_ENV)
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return fixture.response(request)

    transport = httpx.MockTransport(answer)
    async with build_gateway(settings, transport=transport, clock=fake_clock, rng=random.Random(3)) as gateway:
        threshold = settings.provider(fixture.provider).breaker.failure_threshold
        for _ in range(threshold + 1):
            with pytest.raises(d0_gateway.QuotaExhausted):
                await CALLS[(fixture.provider, fixture.operation)](gateway)
        assert len(seen) == threshold + 1  # one request per call: never retried, never short-circuited
        breaker = gateway.client(fixture.provider).client.policies.breaker
        assert breaker is not None and breaker.state is d0_gateway.BreakerState.CLOSED


@pytest.mark.parametrize("fixture", WEBHOOK_FIXTURES, ids=attrgetter("id"))
def test_published_webhook_event_verifies_into_a_stripe_event(fixture, fake_clock):
    timestamp = int(fake_clock.now().timestamp())
    header = sign_webhook(fixture.body, WEBHOOK_SECRET, timestamp)
    event = d0_gateway.verify_webhook(fixture.body, header, WEBHOOK_SECRET, fake_clock)
    assert {path: _value(event, path) for path in fixture.expect.result} == dict(fixture.expect.result)
