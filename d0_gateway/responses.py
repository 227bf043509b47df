"""Turning provider HTTP responses into typed models or typed errors (the shared half of error mapping)."""

from __future__ import annotations

import enum
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
    QuotaExhausted,
    RateLimited,
)

M = TypeVar("M", bound=BaseModel)
ErrorDescriber = Callable[[httpx.Response], str]


class ErrorKind(enum.Enum):
    """What a provider's error means for us, whatever status code it came with."""

    AUTHENTICATION = "authentication"
    NOT_FOUND = "not_found"
    INVALID_REQUEST = "invalid_request"
    RATE_LIMITED = "rate_limited"
    QUOTA_EXHAUSTED = "quota_exhausted"
    UNAVAILABLE = "unavailable"


# Reads a provider's error body: the kind it documents for it, or None to go by the HTTP status.
ErrorClassifier = Callable[[httpx.Response], ErrorKind | None]


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


def kind_for_status(status: int) -> ErrorKind:
    """The error kind HTTP semantics give a non-2xx status."""
    if status in (401, 403):
        return ErrorKind.AUTHENTICATION
    if status == 404:
        return ErrorKind.NOT_FOUND
    if status == 429:
        return ErrorKind.RATE_LIMITED
    if status >= 500:
        return ErrorKind.UNAVAILABLE
    return ErrorKind.INVALID_REQUEST


def build_error(
    kind: ErrorKind,
    provider: str,
    endpoint: str,
    message: str,
    *,
    status: int | None = None,
    retry_after: float | None = None,
) -> ProviderError:
    """The typed error for `kind`, carrying the provider's `message` (and Retry-After where it matters)."""
    if kind is ErrorKind.RATE_LIMITED:
        return RateLimited(provider, endpoint, retry_after, status=status, message=message)
    if kind is ErrorKind.UNAVAILABLE:
        return ProviderUnavailable(provider, endpoint, message, status=status, retry_after=retry_after)
    error_type = {
        ErrorKind.AUTHENTICATION: AuthenticationError,
        ErrorKind.NOT_FOUND: NotFound,
        ErrorKind.INVALID_REQUEST: InvalidRequest,
        ErrorKind.QUOTA_EXHAUSTED: QuotaExhausted,
    }[kind]
    return error_type(provider, endpoint, message, status=status)


def error_for_status(
    response: httpx.Response,
    provider: str,
    endpoint: str,
    now: datetime,
    describe: ErrorDescriber | None = None,
    classify: ErrorClassifier | None = None,
) -> ProviderError | None:
    """The typed error for a non-2xx response (None for 2xx), with the provider's own message.

    `classify` reads the provider's documented error codes (e.g. OpenAI's `insufficient_quota` on a 429 is
    QUOTA_EXHAUSTED, not a passing rate limit); without a verdict the HTTP status decides.
    """
    status = response.status_code
    if 200 <= status < 300:
        return None
    message = _describe(response, describe)
    retry_after = parse_retry_after(response.headers.get("Retry-After"), now)
    kind = _classify(response, classify) or kind_for_status(status)
    return build_error(kind, provider, endpoint, message, status=status, retry_after=retry_after)


def _classify(response: httpx.Response, classify: ErrorClassifier | None) -> ErrorKind | None:
    if classify is None:
        return None
    try:
        return classify(response)
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None


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
