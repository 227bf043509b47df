"""Errors raised by d0_gateway: one small typed hierarchy; every message names the provider and what was wrong."""

from __future__ import annotations

from decimal import Decimal


class GatewayError(Exception):
    """Base of every d0_gateway error."""


class ConfigurationError(GatewayError, ValueError):
    """Settings are missing or invalid (e.g. an API key's environment variable is unset)."""


class InvalidInput(GatewayError, ValueError):
    """A caller passed a value the gateway refuses to send (checked before any request)."""


class ProviderError(GatewayError):
    """A call to an external provider failed; `provider` and `endpoint` say which call."""

    def __init__(self, provider: str, endpoint: str, message: str, *, status: int | None = None) -> None:
        detail = f" (HTTP {status})" if status is not None else ""
        super().__init__(f"{provider} {endpoint}{detail}: {message}")
        self.provider = provider
        self.endpoint = endpoint
        self.status = status
        self.reason = message


class AuthenticationError(ProviderError):
    """The provider rejected our credentials (401/403 or the provider's own 'request denied')."""


class NotFound(ProviderError):
    """The provider has no such resource (404 or the provider's own 'not found')."""


class InvalidRequest(ProviderError):
    """The provider rejected the request as malformed (4xx other than 401/403/404/429)."""


class ProviderUnavailable(ProviderError):
    """The provider timed out, refused the connection or answered 5xx; worth retrying later."""

    def __init__(
        self, provider: str, endpoint: str, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(provider, endpoint, message, status=status)
        self.retry_after = retry_after


class RateLimited(ProviderError):
    """Too many requests for now: the provider answered 429 (or its own "slow down"), or our own limiter
    refused (`local=True`). Passing: retried after `retry_after`. The provider's message, when it gave one,
    ends the error's text and is kept in `provider_message`."""

    def __init__(
        self,
        provider: str,
        endpoint: str,
        retry_after: float | None,
        *,
        status: int | None = None,
        local: bool = False,
        message: str | None = None,
    ) -> None:
        who = "local rate limiter" if local else "provider rate limit"
        wait = f"; retry after {retry_after:.3f}s" if retry_after is not None else ""
        said = f": {message}" if message else ""
        super().__init__(provider, endpoint, f"{who} reached{wait}{said}", status=status)
        self.retry_after = retry_after
        self.local = local
        self.provider_message = message


class QuotaExhausted(ProviderError):
    """The account's quota, credits or units are used up (OpenAI `insufficient_quota`, a Google daily quota,
    SEMrush "API UNITS BALANCE IS ZERO", ...). Waiting seconds will not help: never retried, and not a
    breaker failure (the provider is healthy; our account is not). Carries the provider's own message."""


class ProviderResponseError(ProviderError):
    """The provider's body is unparseable or violates its schema; names the field that was wrong."""

    def __init__(self, provider: str, endpoint: str, field: str, problem: str, *, status: int | None = None) -> None:
        super().__init__(provider, endpoint, f"field {field!r}: {problem}", status=status)
        self.field = field
        self.problem = problem


class CircuitOpen(GatewayError):
    """The provider's circuit breaker is open: the call failed fast without touching the network."""

    def __init__(self, provider: str, retry_after: float) -> None:
        super().__init__(f"{provider}: circuit breaker open; next probe allowed in {retry_after:.3f}s")
        self.provider = provider
        self.retry_after = retry_after


class BudgetExceeded(GatewayError):
    """A call would take spending past a daily or monthly limit; it was blocked before any request."""

    def __init__(
        self, provider: str, scope: str, period: str, limit: Decimal, spent: Decimal, estimate: Decimal
    ) -> None:
        super().__init__(
            f"{provider}: {period} {scope} budget of ${limit} reached "
            f"(spent ${spent}, this call ${estimate}); blocked before sending"
        )
        self.provider = provider
        self.scope = scope
        self.period = period
        self.limit = limit
        self.spent = spent
        self.estimate = estimate


class WebhookSignatureError(GatewayError):
    """A webhook's signature header is missing, malformed, stale or does not match the payload."""
