"""One 422 body for both APIs: FastAPI's documented `HTTPValidationError` shape, without echoing input.

FastAPI's own handler copies each rejected value (`input`) into the 422. A value JSON cannot carry back
(NaN, Infinity, a lone surrogate) made that handler fail with a 500, and a huge value was sent back
whole. `validation_error_body` keeps `type`, `loc` and `msg` only, with `msg` made printable and cut to
MAX_MESSAGE_LENGTH characters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

MAX_MESSAGE_LENGTH = 300


def printable_message(message: str, *, max_length: int = MAX_MESSAGE_LENGTH) -> str:
    """`message` as text any JSON encoder accepts (lone surrogates escaped), at most `max_length` characters."""
    text = message.encode("utf-8", errors="backslashreplace").decode("utf-8")
    return text if len(text) <= max_length else text[: max_length - 1] + "…"


def validation_item(loc: Sequence[str | int], message: str, kind: str = "value_error") -> dict[str, Any]:
    """One entry of a 422's `detail`: where (`loc`), what (`msg`) and the error `type`."""
    return {
        "type": kind,
        "loc": [part if isinstance(part, int) else str(part) for part in loc],
        "msg": printable_message(message),
    }


def validation_error_body(errors: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """`{"detail": [...]}` from pydantic/FastAPI error dicts, without their `input` and `ctx`."""
    detail = []
    for error in errors:
        loc = [part if isinstance(part, int) else printable_message(str(part), max_length=100) for part in error["loc"]]
        field = next((part for part in reversed(loc) if isinstance(part, str)), "")
        message = str(error.get("msg", "invalid value"))
        if field and not message.startswith(f"{field}:"):
            message = f"{field}: {message}"
        detail.append({"type": str(error.get("type", "value_error")), "loc": loc, "msg": printable_message(message)})
    return {"detail": detail}


def install_validation_handler(app: FastAPI) -> None:
    """Makes `app` answer request validation errors with `validation_error_body` (422)."""

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content=validation_error_body(error.errors()))
