"""ScreenshotOne: screenshots of web pages, as signed URLs (for embedding) or captured image bytes.

A signed URL carries `signature` = HMAC-SHA256 of its query string keyed with the secret key, so it
cannot be altered to spend our quota. Docs: https://screenshotone.com/docs/signed-requests/
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, Literal
from urllib.parse import urlencode

import httpx
from pydantic import BaseModel, ConfigDict, Field

from d0_gateway.errors import ProviderResponseError
from d0_gateway.policies.budget import Priority
from d0_gateway.providers.base import ProviderClient, validated_input
from d0_gateway.responses import ErrorKind

TAKE_PATH = "/take"
# ScreenshotOne answers most errors with HTTP 400; its `error_code` says what they mean.
# Docs: https://screenshotone.com/docs/errors/
ERROR_CODE_KINDS = {
    "access_key_required": ErrorKind.AUTHENTICATION,
    "access_key_invalid": ErrorKind.AUTHENTICATION,
    "signature_is_required": ErrorKind.AUTHENTICATION,
    "signature_is_not_valid": ErrorKind.AUTHENTICATION,
    "screenshots_limit_reached": ErrorKind.QUOTA_EXHAUSTED,
    "concurrency_limit_reached": ErrorKind.RATE_LIMITED,
    "internal_application_error": ErrorKind.UNAVAILABLE,
}
ImageFormat = Literal["png", "jpeg", "webp"]


class ScreenshotOptions(BaseModel):
    """What to capture and how; the names are ScreenshotOne's query parameters."""

    model_config = ConfigDict(frozen=True)

    url: str = Field(pattern=r"^https?://\S+$")
    format: ImageFormat = "png"
    viewport_width: int = Field(default=1280, ge=100, le=5000)
    viewport_height: int = Field(default=800, ge=100, le=5000)
    full_page: bool = False
    block_ads: bool = True
    block_cookie_banners: bool = True

    def query(self) -> list[tuple[str, str]]:
        """The options as query pairs, in a fixed order (the signature covers the exact string)."""
        return [
            (name, str(value).lower() if isinstance(value, bool) else str(value))
            for name, value in self.model_dump().items()
        ]


class Screenshot(BaseModel):
    model_config = ConfigDict(frozen=True)

    content: bytes = Field(min_length=1)
    content_type: str
    options: ScreenshotOptions


def signed_query(options: ScreenshotOptions, access_key: str, secret_key: str | None) -> str:
    """The /take query string for `options`, with `signature` appended when a secret key is configured."""
    query = urlencode([("access_key", access_key), *options.query()])
    if secret_key:
        signature = hmac.new(secret_key.encode(), query.encode(), hashlib.sha256).hexdigest()
        query += f"&signature={signature}"
    return query


class ScreenshotOneClient(ProviderClient):
    """Captures screenshots; each successful capture is billed."""

    name = "screenshotone"

    @staticmethod
    def describe_error(response: httpx.Response) -> str:
        """ScreenshotOne's `error_message` with its `error_code`."""
        body = response.json()
        return f"{body['error_message']} ({body['error_code']})"

    @staticmethod
    def classify_error(response: httpx.Response) -> ErrorKind | None:
        """The kind ScreenshotOne's `error_code` documents (None for request errors: the status decides)."""
        return ERROR_CODE_KINDS.get(response.json()["error_code"])

    @staticmethod
    def options(**fields: Any) -> ScreenshotOptions:
        """ScreenshotOptions, or InvalidInput naming the wrong option."""
        return validated_input(ScreenshotOptions, fields, "screenshotone options")

    def signed_url(self, options: ScreenshotOptions) -> str:
        """A URL that renders the screenshot when fetched (e.g. from an email); costs nothing until then."""
        query = signed_query(options, self.settings.credential("access_key"), self.settings.credential("secret_key"))
        return f"{self.settings.base_url.rstrip('/')}{TAKE_PATH}?{query}"

    async def capture(
        self, options: ScreenshotOptions, *, campaign_id: str | None = None, priority: Priority = Priority.NORMAL
    ) -> Screenshot:
        """The screenshot's image bytes."""
        query = signed_query(
            options, self.settings.credential("access_key"), self.settings.credentials.get("secret_key")
        )
        call = self._call("capture", "GET", f"{TAKE_PATH}?{query}", campaign_id=campaign_id, priority=priority)
        result = await self.client.execute(call, lambda r: self._parse(r, options))
        return result.value

    def _parse(self, response: httpx.Response, options: ScreenshotOptions) -> Screenshot:
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        if content_type != f"image/{options.format}":
            raise ProviderResponseError(
                self.name,
                "capture",
                "Content-Type",
                f"expected image/{options.format}, got {content_type or 'none'!r}",
                status=response.status_code,
            )
        if not response.content:
            raise ProviderResponseError(self.name, "capture", "body", "image is empty", status=response.status_code)
        return Screenshot(content=response.content, content_type=content_type, options=options)
