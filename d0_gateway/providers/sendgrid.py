"""SendGrid v3 Mail Send: one message to one or more recipients; SendGrid answers 202 with X-Message-Id.

Mail send has no idempotency key, so it is never retried (a retry could send the message twice).
Docs: https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from d0_gateway.errors import ProviderResponseError
from d0_gateway.policies.budget import Priority
from d0_gateway.providers.base import ProviderClient, validated_input
from d0_gateway.responses import ErrorKind

MAIL_SEND_PATH = "/v3/mail/send"


class EmailAddress(BaseModel):
    model_config = ConfigDict(frozen=True)

    email: EmailStr
    name: str | None = None


class MailMessage(BaseModel):
    """An email to send; at least one of `text` and `html`."""

    model_config = ConfigDict(frozen=True)

    to: list[EmailAddress] = Field(min_length=1, max_length=1000)
    sender: EmailAddress
    subject: str = Field(min_length=1)
    text: str | None = None
    html: str | None = None
    reply_to: EmailAddress | None = None
    categories: list[str] = Field(default=[], max_length=10)
    custom_args: dict[str, str] = {}

    @model_validator(mode="after")
    def _has_content(self) -> MailMessage:
        if not self.text and not self.html:
            raise ValueError("needs a text or an html body")
        return self

    def to_payload(self) -> dict[str, object]:
        """The v3 mail/send JSON body."""
        content = [
            {"type": kind, "value": value}
            for kind, value in (("text/plain", self.text), ("text/html", self.html))
            if value
        ]
        payload: dict[str, object] = {
            "personalizations": [{"to": [address.model_dump(exclude_none=True) for address in self.to]}],
            "from": self.sender.model_dump(exclude_none=True),
            "subject": self.subject,
            "content": content,
        }
        if self.reply_to is not None:
            payload["reply_to"] = self.reply_to.model_dump(exclude_none=True)
        if self.categories:
            payload["categories"] = list(self.categories)
        if self.custom_args:
            payload["custom_args"] = dict(self.custom_args)
        return payload


class MailSendResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    message_id: str = Field(min_length=1)
    status_code: int


class SendGridClient(ProviderClient):
    """Sends email; each recipient is billed."""

    name = "sendgrid"

    @staticmethod
    def describe_error(response: httpx.Response) -> str:
        """SendGrid's `errors[]`, each as 'field: message' (its spec's examples send the string "null" for
        no field)."""
        errors = response.json()["errors"]
        return "; ".join(
            f"{e['field']}: {e['message']}" if e.get("field") not in (None, "", "null") else e["message"]
            for e in errors
        )

    @staticmethod
    def classify_error(response: httpx.Response) -> ErrorKind | None:
        """SendGrid answers a spent plan (its daily or monthly email credits) with 401 "Maximum credits
        exceeded": an exhausted quota, not bad credentials."""
        messages = (str(e.get("message", "")) for e in response.json()["errors"])
        return ErrorKind.QUOTA_EXHAUSTED if any("maximum credits exceeded" in m.lower() for m in messages) else None

    @staticmethod
    def message(**fields: Any) -> MailMessage:
        """A MailMessage, or InvalidInput naming the field that is wrong."""
        return validated_input(MailMessage, fields, "sendgrid message")

    async def send(
        self, message: MailMessage, *, campaign_id: str | None = None, priority: Priority = Priority.NORMAL
    ) -> MailSendResult:
        """Queues `message` for delivery; returns SendGrid's message id."""
        call = self._call(
            "send_mail",
            "POST",
            MAIL_SEND_PATH,
            json=message.to_payload(),
            headers={"Authorization": f"Bearer {self.settings.credential('api_key')}"},
            estimated_cost=self.settings.cost("send_mail") * Decimal(len(message.to)),
            campaign_id=campaign_id,
            priority=priority,
        )
        result = await self.client.execute(call, self._parse)
        return result.value

    def _parse(self, response: httpx.Response) -> MailSendResult:
        message_id = response.headers.get("X-Message-Id", "")
        if response.status_code != 202 or not message_id:
            problem = f"expected 202 Accepted with a message id, got {response.status_code} and {message_id!r}"
            raise ProviderResponseError(self.name, "send_mail", "X-Message-Id", problem, status=response.status_code)
        return MailSendResult(message_id=message_id, status_code=response.status_code)
