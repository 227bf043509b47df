"""Stripe: Checkout Session creation (form-encoded, with an Idempotency-Key so retries are safe) and
webhook signature verification (the Stripe-Signature scheme: HMAC-SHA256 over "<t>.<payload>").

Docs: https://docs.stripe.com/api/checkout/sessions/create, https://docs.stripe.com/webhooks#verify-manually
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field

from d0_gateway.clock import Clock
from d0_gateway.errors import InvalidInput, WebhookSignatureError
from d0_gateway.policies.budget import Priority
from d0_gateway.providers.base import ProviderClient
from d0_gateway.responses import parse_model, validate_model

CHECKOUT_SESSIONS_PATH = "/v1/checkout/sessions"
DEFAULT_TOLERANCE = 300.0


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class LineItem(_Model):
    """One product line: a name, a unit price in the currency's smallest unit (cents), a quantity."""

    name: str = Field(min_length=1)
    unit_amount: int = Field(gt=0)
    quantity: int = Field(default=1, ge=1)
    currency: str = Field(default="usd", pattern=r"^[a-z]{3}$")


class CheckoutSession(_Model):
    id: str = Field(pattern=r"^cs_")
    object: Literal["checkout.session"]
    url: str | None
    status: Literal["open", "complete", "expired"] | None
    payment_status: Literal["paid", "unpaid", "no_payment_required"]
    mode: Literal["payment", "setup", "subscription"]
    amount_total: int | None = None
    currency: str | None = None
    customer_email: str | None = None
    metadata: dict[str, str] = {}
    created: int
    expires_at: int
    livemode: bool


class EventData(_Model):
    object: dict[str, Any]


class StripeEvent(_Model):
    """A webhook event; `data.object` is the affected resource (e.g. a checkout.session)."""

    id: str = Field(pattern=r"^evt_")
    object: Literal["event"]
    type: str
    created: int
    livemode: bool
    api_version: str | None = None
    data: EventData


def sign_webhook(payload: bytes, secret: str, timestamp: int) -> str:
    """The Stripe-Signature header Stripe would send for `payload` at `timestamp` (for stubs and tests)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_webhook(
    payload: bytes, signature_header: str | None, secret: str, clock: Clock, *, tolerance: float = DEFAULT_TOLERANCE
) -> StripeEvent:
    """The event in `payload` if some v1 signature matches and its timestamp is within `tolerance` seconds.

    Raises WebhookSignatureError saying which check failed.
    """
    if not signature_header:
        raise WebhookSignatureError("stripe webhook: Stripe-Signature header is missing")
    timestamp, signatures = _parse_signature_header(signature_header)
    age = clock.now().timestamp() - timestamp
    if abs(age) > tolerance:
        raise WebhookSignatureError(
            f"stripe webhook: timestamp {timestamp} is {abs(age):.0f}s from now, outside the {tolerance:.0f}s tolerance"
        )
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise WebhookSignatureError(
            "stripe webhook: no v1 signature matches the payload (wrong secret or altered body)"
        )
    try:
        body = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise WebhookSignatureError(f"stripe webhook: signed payload is not JSON ({error})") from error
    return validate_model(StripeEvent, body, "stripe", "webhook")


def _parse_signature_header(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise WebhookSignatureError(f"stripe webhook: timestamp t={value!r} is not an integer") from None
        elif key == "v1" and value:
            signatures.append(value)
    if timestamp is None:
        raise WebhookSignatureError(f"stripe webhook: Stripe-Signature has no timestamp (t=): {header!r}")
    if not signatures:
        raise WebhookSignatureError("stripe webhook: Stripe-Signature has no v1 signature")
    return timestamp, signatures


def checkout_form(
    line_items: Sequence[LineItem],
    success_url: str,
    cancel_url: str,
    customer_email: str | None,
    metadata: Mapping[str, str],
    mode: str,
) -> dict[str, str]:
    """The form fields of a create-checkout-session request, in Stripe's bracket notation."""
    form = {"mode": mode, "success_url": success_url, "cancel_url": cancel_url}
    for index, item in enumerate(line_items):
        prefix = f"line_items[{index}]"
        form[f"{prefix}[quantity]"] = str(item.quantity)
        form[f"{prefix}[price_data][currency]"] = item.currency
        form[f"{prefix}[price_data][unit_amount]"] = str(item.unit_amount)
        form[f"{prefix}[price_data][product_data][name]"] = item.name
    if customer_email:
        form["customer_email"] = customer_email
    for key, value in metadata.items():
        form[f"metadata[{key}]"] = value
    return form


class StripeClient(ProviderClient):
    """Creates Checkout Sessions and verifies webhooks. Stripe charges on payments, not on API calls."""

    name = "stripe"

    @staticmethod
    def describe_error(response: httpx.Response) -> str:
        """Stripe's `error.message`, with the offending `error.param` when given."""
        error = response.json()["error"]
        return f"{error['message']} (param {error['param']})" if error.get("param") else error["message"]

    async def create_checkout_session(
        self,
        line_items: Sequence[LineItem],
        *,
        success_url: str,
        cancel_url: str,
        customer_email: str | None = None,
        metadata: Mapping[str, str] | None = None,
        mode: Literal["payment", "subscription"] = "payment",
        idempotency_key: str | None = None,
        campaign_id: str | None = None,
        priority: Priority = Priority.NORMAL,
    ) -> CheckoutSession:
        """A new hosted checkout page; the idempotency key (generated if not given) makes retries safe."""
        if not line_items:
            raise InvalidInput("stripe create_checkout_session: line_items must contain at least one item")
        for name, url in (("success_url", success_url), ("cancel_url", cancel_url)):
            if not isinstance(url, str) or not url.startswith(("https://", "http://")):
                raise InvalidInput(f"stripe create_checkout_session: {name} must be an absolute URL, got {url!r}")
        form = checkout_form(line_items, success_url, cancel_url, customer_email, metadata or {}, mode)
        call = self._call(
            "create_checkout_session",
            "POST",
            CHECKOUT_SESSIONS_PATH,
            data=form,
            headers={
                "Authorization": f"Bearer {self.settings.credential('api_key')}",
                "Idempotency-Key": idempotency_key or f"leadfactory-{uuid.uuid4()}",
            },
            retry_safe=True,
            campaign_id=campaign_id,
            priority=priority,
        )
        result = await self.client.execute(
            call, lambda r: parse_model(CheckoutSession, r, self.name, "create_checkout_session")
        )
        return result.value

    def verify_webhook(
        self, payload: bytes, signature_header: str | None, *, tolerance: float = DEFAULT_TOLERANCE
    ) -> StripeEvent:
        """verify_webhook with this client's webhook secret (STRIPE_WEBHOOK_SECRET) and clock."""
        return verify_webhook(
            payload,
            signature_header,
            self.settings.credential("webhook_secret"),
            self.client.clock,
            tolerance=tolerance,
        )
