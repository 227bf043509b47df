"""respx factory for SendGrid v3 Mail Send: 202 with X-Message-Id, and SendGrid's `errors[]` body."""

from __future__ import annotations

from typing import Any

import httpx
import respx

from testing.mocks.provider_mock import ProviderMock


class SendGridMock(ProviderMock):
    name = "sendgrid"
    base_url = "https://api.sendgrid.com"
    MAIL_SEND = "/v3/mail/send"
    operations = {"mail_send": ("POST", MAIL_SEND)}

    def message_id(self) -> str:
        return self.fake.lexify("?" * 22, letters="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    def accepted(self, message_id: str | None = None) -> respx.Route:
        """202 Accepted with an empty body and the X-Message-Id header, as SendGrid answers."""
        return self.route("POST", self.MAIL_SEND).mock(
            return_value=httpx.Response(202, headers={"X-Message-Id": message_id or self.message_id()})
        )

    def accepted_without_message_id(self) -> respx.Route:
        return self.route("POST", self.MAIL_SEND).mock(return_value=httpx.Response(202))

    def error_body(self, status: int) -> Any:
        """SendGrid's ErrorResponse (`errors[]` of message and field), as its OpenAPI document shows it."""
        if status == 400:
            return {"errors": [{"message": "The from email does not contain a valid address.", "field": "from.email"}]}
        if status in (401, 403):
            return {"errors": [{"message": "The provided authorization grant is invalid, expired, or revoked"}]}
        return {"errors": [{"message": httpx.codes.get_reason_phrase(status).lower()}]}

    def credits_exceeded(self) -> respx.Route:
        """401 "Maximum credits exceeded": the plan's email credits are spent."""
        return self.error("POST", self.MAIL_SEND, 401, {"errors": [{"message": "Maximum credits exceeded"}]})
