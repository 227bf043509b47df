"""Turning provider HTTP responses into typed models or typed errors (the shared half of error mapping)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from d0_gateway.errors import (
    AuthenticationError,
    InvalidRequest,
    NotFound,
    ProviderError,
    ProviderResponseError,
    ProviderUnavailable,
    RateLimited,
)

M = TypeVar("M", bound=BaseModel)
ErrorDescriber = Callable[[httpx.Response], str]


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None if absent or invalid."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - now).total_seconds())
    return seconds if seconds >= 0 else None


def json_body(response: httpx.Response, provider: str, endpoint: str) -> Any:
    """The response's JSON, or ProviderResponseError naming the body as the field at fault."""
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        snippet = response.content[:60].decode("utf-8", "replace")
        raise ProviderResponseError(
            provider, endpoint, "body", f"not JSON ({error}): {snippet!r}", status=response.status_code
        ) from error


def validate_model(model: type[M], data: Any, provider: str, endpoint: str, *, status: int | None = None) -> M:
    """`data` validated as `model`, or ProviderResponseError naming the first wrong field (dotted path)."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "body"
        problem = f"{first['msg']} (got {_short(first.get('input'))})"
        raise ProviderResponseError(provider, endpoint, field, problem, status=status) from error


def parse_model(model: type[M], response: httpx.Response, provider: str, endpoint: str) -> M:
    """The response's JSON body validated as `model`."""
    return validate_model(
        model, json_body(response, provider, endpoint), provider, endpoint, status=response.status_code
    )


def error_for_status(
    response: httpx.Response, provider: str, endpoint: str, now: datetime, describe: ErrorDescriber | None = None
) -> ProviderError | None:
    """The typed error for a non-2xx response (None for 2xx), with the provider's own message."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    message = _describe(response, describe)
    retry_after = parse_retry_after(response.headers.get("Retry-After"), now)
    if status in (401, 403):
        return AuthenticationError(provider, endpoint, message, status=status)
    if status == 404:
        return NotFound(provider, endpoint, message, status=status)
    if status == 429:
        return RateLimited(provider, endpoint, retry_after, status=status)
    if status >= 500:
        return ProviderUnavailable(provider, endpoint, message, status=status, retry_after=retry_after)
    return InvalidRequest(provider, endpoint, message, status=status)


def _describe(response: httpx.Response, describe: ErrorDescriber | None) -> str:
    if describe is not None:
        try:
            message = describe(response)
        except (ValueError, KeyError, TypeError, AttributeError, IndexError):
            message = ""
        if message:
            return message
    text = response.content[:200].decode("utf-8", "replace").strip()
    return text or response.reason_phrase or "no error message"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
