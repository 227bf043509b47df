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

    def error_body(self, status: int) -> Any:
        codes = {
            400: ("request_not_valid", "The request is not valid: url is required"),
            401: ("access_key_invalid", "The access key is invalid"),
            403: ("signature_is_not_valid", "The signature is not valid"),
            429: ("concurrency_limit_reached", "The concurrency limit is reached"),
        }
        code, message = codes.get(status, ("internal_application_error", "An internal error occurred"))
        return {
            "is_successful": False,
            "error_code": code,
            "error_message": message,
            "documentation_url": "https://screenshotone.com/docs/errors/",
        }
