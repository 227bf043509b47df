"""respx factory for ScreenshotOne /take: image bytes, and ScreenshotOne's JSON error body."""

from __future__ import annotations

import zlib
from typing import Any

import httpx
import respx

from testing.mocks.provider_mock import ProviderMock


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A valid, tiny PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    rows = b"".join(b"\x00" + b"\xff\x80\x00" * width for _ in range(height))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


class ScreenshotOneMock(ProviderMock):
    name = "screenshotone"
    base_url = "https://api.screenshotone.com"
    TAKE = "/take"
    operations = {"capture": ("GET", TAKE)}

    def capture(self, content_type: str = "image/png", content: bytes | None = None) -> respx.Route:
        """200 with the screenshot's bytes."""
        body = png_bytes(self.fake.random_int(1, 8), self.fake.random_int(1, 8)) if content is None else content
        return self.route("GET", self.TAKE).mock(
            return_value=httpx.Response(200, content=body, headers={"Content-Type": content_type})
        )

    # ScreenshotOne answers most errors with HTTP 400 and says which in `error_code`.
    _STATUS_CODES = {
        400: "request_not_valid",
        401: "access_key_invalid",
        403: "signature_is_not_valid",
        429: "concurrency_limit_reached",
    }
    _MESSAGES = {
        "request_not_valid": "The request parameters are not valid.",
        "access_key_invalid": "The access key is invalid",
        "signature_is_not_valid": "The signature is not valid",
        "concurrency_limit_reached": "You reached the request concurrency limit, retry after a while.",
        "screenshots_limit_reached": "You reached the monthly screenshot limit.",
        "internal_application_error": "The API failed to serve your request.",
    }

    def error_code_body(self, code: str) -> dict[str, Any]:
        """ScreenshotOne's error JSON for `error_code` `code`."""
        return {"is_successful": False, "error_code": code, "error_message": self._MESSAGES[code]}

    def error_body(self, status: int) -> Any:
        return self.error_code_body(self._STATUS_CODES.get(status, "internal_application_error"))

    def error_code(self, code: str, status: int = 400) -> respx.Route:
        """ScreenshotOne's documented answer for `code` (HTTP 400 for all but internal errors)."""
        return self.error("GET", self.TAKE, status, self.error_code_body(code))

    def unauthorized(self, method: str, path: str) -> respx.Route:
        return self.error(method, path, 400, self.error_code_body("access_key_invalid"))

    def rate_limited(self, method: str, path: str, retry_after: float = 1) -> respx.Route:
        """400 concurrency_limit_reached, ScreenshotOne's "slow down"."""
        return self.error(
            method,
            path,
            400,
            self.error_code_body("concurrency_limit_reached"),
            headers={"Retry-After": f"{retry_after:g}"},
        )
