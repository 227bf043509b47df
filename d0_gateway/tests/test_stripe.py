import json
import re
from dataclasses import replace
from urllib.parse import parse_qsl

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from d0_gateway import (
    AuthenticationError,
    CheckoutSession,
    ConfigurationError,
    InvalidInput,
    InvalidRequest,
    LineItem,
    ProviderResponseError,
    WebhookSignatureError,
    build_gateway,
    sign_webhook,
    verify_webhook,
)
from d0_gateway.providers.stripe import checkout_form
from testing import FakeClock
from testing.mocks import StripeMock
from testing.mocks.strategies import checkout_session_bodies, webhook_events

SECRET = "whsec_test_placeholder"
ITEMS = [
    LineItem(name="Website audit", unit_amount=19900),
    LineItem(name="Follow-up call", unit_amount=5000, quantity=2),
]
URLS = {"success_url": "https://leadfactory.example/thanks", "cancel_url": "https://leadfactory.example/cancel"}


async def test_create_checkout_session_sends_stripe_form_encoding_and_idempotency_key(gateway, stripe_mock):
    route = stripe_mock.create_checkout_session()
    session = await gateway.stripe.create_checkout_session(
        ITEMS, customer_email="owner@acme.example", metadata={"lead_id": "42"}, idempotency_key="audit-42", **URLS
    )
    assert session.id.startswith("cs_test_") and session.url
    request = route.calls.last.request
    assert request.headers["Idempotency-Key"] == "audit-42"
    assert request.headers["Authorization"] == "Bearer test-key"
    form = dict(parse_qsl(request.content.decode()))
    assert form["mode"] == "payment" and form["customer_email"] == "owner@acme.example"
    assert form["line_items[1][price_data][product_data][name]"] == "Follow-up call"
    assert (form["line_items[1][price_data][unit_amount]"], form["line_items[1][quantity]"]) == ("5000", "2")
    assert form["metadata[lead_id]"] == "42"


async def test_a_generated_idempotency_key_makes_retries_safe_and_is_reused(gateway, stripe_mock):
    route = stripe_mock.sequence(
        "POST",
        stripe_mock.CHECKOUT_SESSIONS,
        httpx.Response(500, json=stripe_mock.error_body(500)),
        httpx.Response(200, json=stripe_mock.checkout_session_body()),
    )
    await gateway.stripe.create_checkout_session(ITEMS, **URLS)
    keys = [call.request.headers["Idempotency-Key"] for call in route.calls]
    assert len(keys) == 2 and keys[0] == keys[1] and keys[0]


async def test_missing_param_error_names_the_param(gateway, stripe_mock):
    stripe_mock.error("POST", stripe_mock.CHECKOUT_SESSIONS, 400)
    with pytest.raises(InvalidRequest, match=r"Missing required param: line_items. \(param line_items\)"):
        await gateway.stripe.create_checkout_session(ITEMS, **URLS)


async def test_invalid_key_is_an_authentication_error(gateway, stripe_mock):
    stripe_mock.unauthorized("POST", stripe_mock.CHECKOUT_SESSIONS)
    with pytest.raises(AuthenticationError, match="Invalid API Key"):
        await gateway.stripe.create_checkout_session(ITEMS, **URLS)


async def test_session_id_of_the_wrong_kind_names_the_field(gateway, stripe_mock):
    stripe_mock.create_checkout_session(id="pi_123")
    with pytest.raises(ProviderResponseError, match="stripe create_checkout_session .*field 'id'"):
        await gateway.stripe.create_checkout_session(ITEMS, **URLS)


@pytest.mark.parametrize(
    "items, urls, problem",
    [
        ([], URLS, "at least one item"),
        (ITEMS, {**URLS, "success_url": "/thanks"}, "success_url must be an absolute URL"),
    ],
)
async def test_bad_arguments_are_rejected_before_any_request(gateway, items, urls, problem):
    with pytest.raises(InvalidInput, match=problem):
        await gateway.stripe.create_checkout_session(items, **urls)


def test_webhook_signed_by_stripe_verifies_and_parses(stripe_mock, fake_clock):
    payload = stripe_mock.event_payload(metadata={"lead_id": "42"})
    now = int(fake_clock.now().timestamp())
    event = verify_webhook(payload, StripeMock.signature_header(payload, SECRET, now), SECRET, fake_clock)
    assert event.type == "checkout.session.completed"
    assert event.data.object["metadata"] == {"lead_id": "42"}


def test_any_matching_v1_signature_among_several_is_accepted(stripe_mock, fake_clock):
    payload = stripe_mock.event_payload()
    header = StripeMock.signature_header(payload, SECRET, int(fake_clock.now().timestamp()), extra_v1="f" * 64)
    assert verify_webhook(payload, header, SECRET, fake_clock).object == "event"


def test_sign_webhook_matches_an_independent_implementation(stripe_mock):
    payload = stripe_mock.event_payload()
    assert (
        sign_webhook(payload, SECRET, 1767603600)
        == StripeMock.signature_header(payload, SECRET, 1767603600).split(",v0=")[0]
    )


@pytest.mark.parametrize("age", [301, -301])
def test_signature_outside_the_tolerance_is_rejected(stripe_mock, fake_clock, age):
    payload = stripe_mock.event_payload()
    header = sign_webhook(payload, SECRET, int(fake_clock.now().timestamp()) - age)
    with pytest.raises(WebhookSignatureError, match="outside the 300s tolerance"):
        verify_webhook(payload, header, SECRET, fake_clock)


def test_tampered_payload_is_rejected(stripe_mock, fake_clock):
    payload = stripe_mock.event_payload()
    header = sign_webhook(payload, SECRET, int(fake_clock.now().timestamp()))
    with pytest.raises(WebhookSignatureError, match="no v1 signature matches"):
        verify_webhook(payload.replace(b"checkout", b"checkoup"), header, SECRET, fake_clock)


def test_wrong_secret_is_rejected(stripe_mock, fake_clock):
    payload = stripe_mock.event_payload()
    header = sign_webhook(payload, "whsec_other", int(fake_clock.now().timestamp()))
    with pytest.raises(WebhookSignatureError, match="no v1 signature matches"):
        verify_webhook(payload, header, SECRET, fake_clock)


@pytest.mark.parametrize(
    "header, problem",
    [
        (None, "header is missing"),
        ("v1=abc", "no timestamp"),
        ("t=soon,v1=abc", "not an integer"),
        ("t=1767603600,v0=abc", "no v1 signature"),
    ],
)
def test_malformed_signature_header_is_rejected_saying_why(fake_clock, header, problem):
    with pytest.raises(WebhookSignatureError, match=problem):
        verify_webhook(b"{}", header, SECRET, fake_clock)


def test_signed_payload_that_is_not_json_is_rejected(fake_clock):
    header = sign_webhook(b"not json", SECRET, int(fake_clock.now().timestamp()))
    with pytest.raises(WebhookSignatureError, match="not JSON"):
        verify_webhook(b"not json", header, SECRET, fake_clock)


def test_client_verifies_with_the_configured_webhook_secret(gateway, stripe_mock, fake_clock):
    payload = stripe_mock.event_payload()
    header = sign_webhook(payload, "test-key", int(fake_clock.now().timestamp()))
    assert gateway.stripe.verify_webhook(payload, header).id.startswith("evt_")


async def test_client_without_a_webhook_secret_names_the_variable(settings, transport, fake_clock):
    stripe = replace(settings.providers["stripe"], credentials={"api_key": "test-key"})
    async with build_gateway(
        replace(settings, providers={**settings.providers, "stripe": stripe}), transport=transport, clock=fake_clock
    ) as gateway:
        with pytest.raises(ConfigurationError, match="STRIPE_WEBHOOK_SECRET"):
            gateway.stripe.verify_webhook(b"{}", "t=1,v1=a")


@settings(max_examples=30)
@given(payload=webhook_events(), offset=st.integers(-300, 300))
def test_every_event_signed_within_tolerance_verifies_and_any_flipped_byte_fails(payload, offset):
    clock = FakeClock()
    now = int(clock.now().timestamp())
    header = sign_webhook(payload, SECRET, now + offset)
    assert verify_webhook(payload, header, SECRET, clock).id == json.loads(payload)["id"]
    tampered = bytes([payload[0] ^ 1]) + payload[1:]
    with pytest.raises(WebhookSignatureError):
        verify_webhook(tampered, header, SECRET, clock)


@settings(max_examples=30)
@given(body=checkout_session_bodies())
def test_every_valid_checkout_session_body_parses(body):
    assert CheckoutSession.model_validate(body).id == body["id"]


def test_client_applies_the_tolerance_it_is_given_when_verifying(gateway, stripe_mock, fake_clock):
    payload = stripe_mock.event_payload()
    header = sign_webhook(payload, "test-key", int(fake_clock.now().timestamp()) - 60)
    with pytest.raises(WebhookSignatureError, match=r"is 60s from now, outside the 10s tolerance"):
        gateway.stripe.verify_webhook(payload, header, tolerance=10)


@pytest.mark.parametrize("age", [300, -300])
def test_signature_exactly_at_the_tolerance_is_accepted(stripe_mock, fake_clock, age):
    payload = stripe_mock.event_payload()
    header = sign_webhook(payload, SECRET, int(fake_clock.now().timestamp()) - age)
    assert verify_webhook(payload, header, SECRET, fake_clock).object == "event"


async def test_error_without_a_param_carries_exactly_stripes_message(gateway, stripe_mock):
    stripe_mock.unauthorized("POST", stripe_mock.CHECKOUT_SESSIONS)
    with pytest.raises(AuthenticationError) as caught:
        await gateway.stripe.create_checkout_session(ITEMS, **URLS)
    assert caught.value.reason == "Invalid API Key provided: test-key"


@pytest.mark.parametrize(
    "items, urls, message",
    [
        ([], URLS, "stripe create_checkout_session: line_items must contain at least one item"),
        (
            ITEMS,
            {**URLS, "cancel_url": "/cancel"},
            "stripe create_checkout_session: cancel_url must be an absolute URL, got '/cancel'",
        ),
        (
            ITEMS,
            {**URLS, "success_url": "ftp://x"},
            "stripe create_checkout_session: success_url must be an absolute URL, got 'ftp://x'",
        ),
    ],
)
async def test_bad_arguments_are_refused_with_the_whole_reason(gateway, items, urls, message):
    with pytest.raises(InvalidInput) as caught:
        await gateway.stripe.create_checkout_session(items, **urls)
    assert str(caught.value) == message


def test_the_checkout_form_spells_every_field_in_stripes_bracket_notation():
    form = checkout_form(
        [LineItem(name="Audit", unit_amount=19900, currency="eur")],
        "https://x.example/s",
        "https://x.example/c",
        None,
        {"lead": "7"},
        "subscription",
    )
    assert form == {
        "mode": "subscription",
        "success_url": "https://x.example/s",
        "cancel_url": "https://x.example/c",
        "line_items[0][quantity]": "1",
        "line_items[0][price_data][currency]": "eur",
        "line_items[0][price_data][unit_amount]": "19900",
        "line_items[0][price_data][product_data][name]": "Audit",
        "metadata[lead]": "7",
    }


async def test_a_generated_idempotency_key_is_prefixed_and_unique_per_session(gateway, stripe_mock):
    route = stripe_mock.create_checkout_session()
    await gateway.stripe.create_checkout_session(ITEMS, **URLS)
    await gateway.stripe.create_checkout_session(ITEMS, **URLS)
    keys = [call.request.headers["Idempotency-Key"] for call in route.calls]
    assert all(re.fullmatch(r"leadfactory-[0-9a-f-]{36}", key) for key in keys) and keys[0] != keys[1]


async def test_a_session_is_created_in_payment_mode_without_metadata_by_default(gateway, stripe_mock):
    route = stripe_mock.create_checkout_session()
    await gateway.stripe.create_checkout_session(ITEMS, **URLS)
    form = dict(parse_qsl(route.calls.last.request.content.decode()))
    assert form["mode"] == "payment" and not any(key.startswith("metadata[") for key in form)
    assert "customer_email" not in form


def test_a_webhook_header_with_spaces_and_unknown_schemes_is_read(stripe_mock, fake_clock):
    payload = stripe_mock.event_payload()
    good = sign_webhook(payload, SECRET, int(fake_clock.now().timestamp()))
    timestamp, signature = (part.split("=", 1)[1] for part in good.split(","))
    header = f"t={timestamp}, v0=abc, v1=, v1={signature}"
    assert verify_webhook(payload, header, SECRET, fake_clock).type


@pytest.mark.parametrize(
    "header, message",
    [
        ("v1=abc", "stripe webhook: Stripe-Signature has no timestamp (t=): 'v1=abc'"),
        ("t=soon,v1=abc", "stripe webhook: timestamp t='soon' is not an integer"),
        ("t=1767603600,v0=abc", "stripe webhook: Stripe-Signature has no v1 signature"),
        ("", "stripe webhook: Stripe-Signature header is missing"),
    ],
)
def test_a_malformed_signature_header_is_refused_with_the_whole_reason(fake_clock, header, message):
    with pytest.raises(WebhookSignatureError) as caught:
        verify_webhook(b"{}", header, SECRET, fake_clock)
    assert str(caught.value) == message


def test_a_signature_that_does_not_match_is_refused_with_the_whole_reason(stripe_mock, fake_clock):
    payload = stripe_mock.event_payload()
    header = sign_webhook(payload, "whsec_other", int(fake_clock.now().timestamp()))
    with pytest.raises(WebhookSignatureError) as caught:
        verify_webhook(payload, header, SECRET, fake_clock)
    assert str(caught.value) == "stripe webhook: no v1 signature matches the payload (wrong secret or altered body)"
