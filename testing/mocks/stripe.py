"""respx factory for Stripe Checkout Sessions and signed webhook events."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import respx

from testing.mocks.provider_mock import ProviderMock


class StripeMock(ProviderMock):
    name = "stripe"
    base_url = "https://api.stripe.com"
    CHECKOUT_SESSIONS = "/v1/checkout/sessions"
    operations = {"create_checkout_session": ("POST", CHECKOUT_SESSIONS)}

    def checkout_session_body(self, **overrides: Any) -> dict[str, Any]:
        """A checkout.session object as Stripe returns it on creation."""
        fake = self.fake
        session_id = "cs_test_" + fake.lexify(
            "?" * 58, letters="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        )
        created = fake.unix_time(start_datetime="-30d")
        body = {
            "id": session_id,
            "object": "checkout.session",
            "url": f"https://checkout.stripe.com/c/pay/{session_id}#{fake.lexify('?' * 20)}",
            "status": "open",
            "payment_status": "unpaid",
            "mode": "payment",
            "amount_total": fake.random_int(500, 50000),
            "amount_subtotal": None,
            "currency": "usd",
            "customer_email": fake.email(),
            "metadata": {},
            "created": int(created),
            "expires_at": int(created) + 24 * 3600,
            "livemode": False,
            "payment_intent": None,
            "success_url": "https://leadfactory.example/thanks",
            "cancel_url": "https://leadfactory.example/cancel",
        }
        body.update(overrides)
        return body

    def create_checkout_session(self, **overrides: Any) -> respx.Route:
        return self.respond("POST", self.CHECKOUT_SESSIONS, self.checkout_session_body(**overrides))

    def event_payload(self, event_type: str = "checkout.session.completed", **session: Any) -> bytes:
        """A webhook event's raw JSON body (what Stripe POSTs to our endpoint)."""
        fake = self.fake
        event = {
            "id": "evt_"
            + fake.lexify("?" * 24, letters="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
            "object": "event",
            "api_version": "2024-06-20",
            "created": int(fake.unix_time(start_datetime="-1d")),
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
            "data": {"object": self.checkout_session_body(status="complete", payment_status="paid", **session)},
        }
        return json.dumps(event).encode()

    @staticmethod
    def signature_header(payload: bytes, secret: str, timestamp: int, *, extra_v1: str | None = None) -> str:
        """A Stripe-Signature header computed independently of d0_gateway (HMAC-SHA256 of "t.payload")."""
        digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + payload, hashlib.sha256).hexdigest()
        signatures = ([f"v1={extra_v1}"] if extra_v1 else []) + [f"v1={digest}"]
        return ",".join([f"t={timestamp}", *signatures, "v0=" + "0" * 64])

    def error_body(self, status: int) -> Any:
        kinds = {
            400: ("invalid_request_error", "parameter_missing", "Missing required param: line_items.", "line_items"),
            401: ("invalid_request_error", None, "Invalid API Key provided: test-key", None),
            404: ("invalid_request_error", "resource_missing", "No such checkout.session: 'cs_test_missing'", "id"),
            429: ("invalid_request_error", "rate_limit", "Too many requests hit the API too quickly.", None),
        }
        kind, code, message, param = kinds.get(status, ("api_error", None, "An unknown error occurred", None))
        error = {
            "type": kind,
            "message": message,
            "code": code,
            "param": param,
            "doc_url": "https://stripe.com/docs/error-codes",
        }
        return {"error": {k: v for k, v in error.items() if v is not None}}
