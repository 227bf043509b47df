"""The base client every provider uses: httpx.AsyncClient plus the gateway's policies, in a fixed order.

A call goes: cache lookup → budget check → circuit breaker → rate limiter → request → error mapping →
parse, with the breaker, limiter, request and parse retried together under the retry policy; the
outcome and cost of every call end up in the cost ledger.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar

import httpx

from d0_gateway.clock import Clock, SystemClock
from d0_gateway.errors import (
    BudgetExceeded,
    CircuitOpen,
    ProviderError,
    ProviderResponseError,
    ProviderUnavailable,
    QuotaExhausted,
    RateLimited,
)
from d0_gateway.policies.budget import BudgetGuard, Priority
from d0_gateway.policies.cache import CACHEABLE_METHODS, ResponseCache
from d0_gateway.policies.circuit_breaker import CircuitBreaker
from d0_gateway.policies.cost_ledger import CostLedger, Outcome
from d0_gateway.policies.rate_limiter import RateLimiter
from d0_gateway.policies.retry import Retrier, RetryPolicy
from d0_gateway.responses import ErrorClassifier, ErrorDescriber, error_for_status

T = TypeVar("T")

QueryParams = Mapping[str, Any] | list[tuple[str, Any]] | tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class ProviderCall:
    """One logical call to a provider, before any policy has run.

    `idempotent` defaults to True for GET/HEAD: such calls may be cached and retried. A non-idempotent
    call is retried only when `retry_safe` (e.g. it carries an idempotency key) and never cached.
    """

    operation: str
    method: str
    path: str
    params: QueryParams | None = None
    json: Any = None
    data: Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    idempotent: bool | None = None
    retry_safe: bool = False
    estimated_cost: Decimal = Decimal(0)
    campaign_id: str | None = None
    priority: Priority = Priority.NORMAL
    fail_fast: bool = False

    @property
    def is_idempotent(self) -> bool:
        return self.method.upper() in CACHEABLE_METHODS if self.idempotent is None else self.idempotent


@dataclass(frozen=True)
class CallResult(Generic[T]):
    """A parsed provider response and what it cost."""

    value: T
    cost: Decimal
    cached: bool
    response: httpx.Response


@dataclass
class Policies:
    """The policies one provider's client applies; any may be None (that policy is off)."""

    rate_limiter: RateLimiter | None = None
    retry: RetryPolicy | None = None
    breaker: CircuitBreaker | None = None
    cache: ResponseCache | None = None
    ledger: CostLedger | None = None
    budget: BudgetGuard | None = None


Parser = Callable[[httpx.Response], T]
CostOf = Callable[[T], Decimal]


class GatewayClient:
    """An httpx.AsyncClient for one provider, with injected transport and clock, that runs every policy.

    Use `async with` (or `aclose()`) to release connections.
    """

    def __init__(
        self,
        provider: str,
        base_url: str,
        *,
        policies: Policies | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        timeout: float = 30.0,
        headers: Mapping[str, str] | None = None,
        describe_error: ErrorDescriber | None = None,
        classify_error: ErrorClassifier | None = None,
    ) -> None:
        self.provider = provider
        self.policies = policies or Policies()
        self.clock: Clock = clock or SystemClock()
        self._describe_error = describe_error
        self._classify_error = classify_error
        self._retrier = Retrier(self.policies.retry or RetryPolicy(max_attempts=1), self.clock, rng)
        self.http = httpx.AsyncClient(
            base_url=base_url, transport=transport, timeout=timeout, headers=dict(headers or {})
        )

    async def __aenter__(self) -> GatewayClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.http.aclose()

    async def execute(self, call: ProviderCall, parse: Parser[T], cost_of: CostOf[T] | None = None) -> CallResult[T]:
        """Runs `call` through every policy; returns the parsed value and its cost, or raises a GatewayError."""
        policies = self.policies
        request = self.http.build_request(
            call.method, call.path, params=call.params, json=call.json, data=call.data, headers=dict(call.headers)
        )
        cache = policies.cache if call.is_idempotent else None
        if cache is not None:
            cached = cache.get(request)
            if cached is not None:  # free, so served even when the budget is spent
                value = parse(cached)
                self._record(call, Decimal(0), Outcome.CACHE_HIT, cached.status_code)
                return CallResult(value, Decimal(0), True, cached)
        if policies.budget is not None:
            try:
                policies.budget.check(self.provider, call.estimated_cost, call.priority)
            except BudgetExceeded:
                self._record(call, Decimal(0), Outcome.BLOCKED_BUDGET)
                raise

        try:
            response, value = await self._retrier.run(
                lambda: self._attempt(call, request, parse), retry_allowed=call.is_idempotent or call.retry_safe
            )
        except CircuitOpen:
            self._record(call, Decimal(0), Outcome.CIRCUIT_OPEN)
            raise
        except RateLimited as error:
            self._record(call, Decimal(0), Outcome.RATE_LIMITED, error.status)
            raise
        except ProviderError as error:
            self._record(call, Decimal(0), Outcome.FAILED, error.status)
            raise
        cost = cost_of(value) if cost_of is not None else call.estimated_cost
        self._record(call, cost, Outcome.SUCCESS, response.status_code)
        if cache is not None:
            cache.put(request, response, idempotent=True)
        return CallResult(value, cost, False, response)

    async def _attempt(self, call: ProviderCall, request: httpx.Request, parse: Parser[T]) -> tuple[httpx.Response, T]:
        breaker = self.policies.breaker
        if breaker is not None:
            breaker.admit()
        healthy: bool | None = None
        try:
            if self.policies.rate_limiter is not None:
                await self.policies.rate_limiter.acquire(fail_fast=call.fail_fast, endpoint=call.operation)
            response = await self._send(call, request)
            error = error_for_status(
                response, self.provider, call.operation, self.clock.now(), self._describe_error, self._classify_error
            )
            if error is not None:
                healthy = _health_verdict(error)
                raise error
            try:
                value = parse(response)
            except ProviderError as parse_error:
                healthy = _health_verdict(parse_error)
                raise
            healthy = True
            return response, value
        except ProviderUnavailable:
            healthy = False
            raise
        finally:
            if breaker is not None:
                if healthy is None:
                    breaker.release()
                elif healthy:
                    breaker.record_success()
                else:
                    breaker.record_failure()

    async def _send(self, call: ProviderCall, request: httpx.Request) -> httpx.Response:
        try:
            response = await self.http.send(request)
            await response.aread()
            return response
        except httpx.TimeoutException as error:
            raise ProviderUnavailable(self.provider, call.operation, f"timed out ({type(error).__name__})") from error
        except httpx.TransportError as error:
            raise ProviderUnavailable(
                self.provider, call.operation, f"connection failed ({type(error).__name__}: {error})"
            ) from error

    def _record(self, call: ProviderCall, cost: Decimal, outcome: Outcome, status: int | None = None) -> None:
        if self.policies.ledger is not None:
            self.policies.ledger.record(
                self.provider, call.operation, cost, outcome, campaign_id=call.campaign_id, status_code=status
            )


def _health_verdict(error: ProviderError) -> bool | None:
    """What `error` says about the provider's health: False (unhealthy: counts toward opening the breaker),
    True (healthy: our request was wrong), None (no verdict: an exhausted quota is our account's state)."""
    if isinstance(error, QuotaExhausted):
        return None
    return not (
        isinstance(error, (ProviderUnavailable, ProviderResponseError))
        or (isinstance(error, RateLimited) and not error.local)
    )
