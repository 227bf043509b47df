"""Builds the gateway: one typed client per provider, sharing one clock, ledger, budget and cache backend.

`stub=True` swaps the network for d0_gateway.stub's offline transport and placeholder credentials, so the
whole system runs without keys or network.
"""

from __future__ import annotations

import os
import random
from collections.abc import Mapping
from typing import TypeVar, cast

import httpx

from d0_gateway.client import GatewayClient, Policies
from d0_gateway.clock import Clock, SystemClock
from d0_gateway.errors import ConfigurationError
from d0_gateway.policies.budget import BudgetGuard, WarningListener
from d0_gateway.policies.cache import CacheBackend, InMemoryCacheBackend, ResponseCache
from d0_gateway.policies.circuit_breaker import CircuitBreaker
from d0_gateway.policies.cost_ledger import CostLedger
from d0_gateway.policies.rate_limiter import RateLimiter
from d0_gateway.providers.base import ProviderClient
from d0_gateway.providers.data_axle import DataAxleClient
from d0_gateway.providers.google_places import GooglePlacesClient
from d0_gateway.providers.hunter import HunterClient
from d0_gateway.providers.openai import OpenAIClient
from d0_gateway.providers.pagespeed import PageSpeedClient
from d0_gateway.providers.screenshotone import ScreenshotOneClient
from d0_gateway.providers.semrush import SemrushClient
from d0_gateway.providers.sendgrid import SendGridClient
from d0_gateway.providers.stripe import StripeClient
from d0_gateway.settings import GatewaySettings

PROVIDER_CLIENTS: Mapping[str, type[ProviderClient]] = {
    cls.name: cls
    for cls in (
        GooglePlacesClient,
        PageSpeedClient,
        OpenAIClient,
        SendGridClient,
        StripeClient,
        HunterClient,
        DataAxleClient,
        SemrushClient,
        ScreenshotOneClient,
    )
}

C = TypeVar("C", bound=ProviderClient)


class Gateway:
    """Every provider client, built on first use from settings; close it with `aclose()` or `async with`."""

    def __init__(
        self,
        settings: GatewaySettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        ledger: CostLedger | None = None,
        cache_backend: CacheBackend | None = None,
        rng: random.Random | None = None,
        on_budget_warning: WarningListener | None = None,
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        # `is None`, not `or`: an injected dependency is used even when falsy (an empty cache backend has len 0).
        self.ledger = ledger if ledger is not None else CostLedger.from_url(settings.ledger_url, clock=self.clock)
        self.budget = BudgetGuard(
            self.ledger,
            self.clock,
            global_limits=settings.global_budget,
            provider_limits={name: p.budget for name, p in settings.providers.items()},
            warning_threshold=settings.budget_warning_threshold,
            on_warning=on_budget_warning,
        )
        self.cache_backend: CacheBackend = (
            cache_backend if cache_backend is not None else InMemoryCacheBackend(settings.cache_max_entries)
        )
        self._transport = transport
        self._rng = rng if rng is not None else random.Random()
        self._clients: dict[str, ProviderClient] = {}

    async def __aenter__(self) -> Gateway:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Closes every client built so far."""
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    def client(self, name: str) -> ProviderClient:
        """The client for provider `name` (ConfigurationError when unknown or its required credentials are unset)."""
        if name not in self._clients:
            self._clients[name] = self._build(name)
        return self._clients[name]

    @property
    def google_places(self) -> GooglePlacesClient:
        return self._typed("google_places", GooglePlacesClient)

    @property
    def pagespeed(self) -> PageSpeedClient:
        return self._typed("pagespeed", PageSpeedClient)

    @property
    def openai(self) -> OpenAIClient:
        return self._typed("openai", OpenAIClient)

    @property
    def sendgrid(self) -> SendGridClient:
        return self._typed("sendgrid", SendGridClient)

    @property
    def stripe(self) -> StripeClient:
        return self._typed("stripe", StripeClient)

    @property
    def hunter(self) -> HunterClient:
        return self._typed("hunter", HunterClient)

    @property
    def data_axle(self) -> DataAxleClient:
        return self._typed("data_axle", DataAxleClient)

    @property
    def semrush(self) -> SemrushClient:
        return self._typed("semrush", SemrushClient)

    @property
    def screenshotone(self) -> ScreenshotOneClient:
        return self._typed("screenshotone", ScreenshotOneClient)

    def _typed(self, name: str, cls: type[C]) -> C:
        return cast(C, self.client(name))  # PROVIDER_CLIENTS maps `name` to `cls`

    def _build(self, name: str) -> ProviderClient:
        settings = self.settings.provider(name)
        cls = PROVIDER_CLIENTS.get(name)
        if cls is None:
            raise ConfigurationError(
                f"provider {name!r} has settings but no client; known: {', '.join(sorted(PROVIDER_CLIENTS))}"
            )
        for key in settings.credential_env:
            if key not in settings.optional_credentials:
                settings.credential(key)  # fail now, naming the environment variable, not on first call
        policies = Policies(
            rate_limiter=RateLimiter(settings.rate, settings.burst, self.clock, provider=name),
            retry=settings.retry,
            breaker=CircuitBreaker(
                self.clock,
                provider=name,
                failure_threshold=settings.breaker.failure_threshold,
                recovery_time=settings.breaker.recovery_time,
                success_threshold=settings.breaker.success_threshold,
            ),
            cache=ResponseCache(settings.cache_ttl, self.clock, self.cache_backend, namespace=name)
            if settings.cache_ttl
            else None,
            ledger=self.ledger,
            budget=self.budget,
        )
        http = GatewayClient(
            name,
            settings.base_url,
            policies=policies,
            transport=self._transport,
            clock=self.clock,
            rng=self._rng,
            timeout=settings.timeout,
            describe_error=cls.describe_error,
            classify_error=cls.classify_error,
        )
        return cls(http, settings)


def build_gateway(
    settings: GatewaySettings | None = None,
    *,
    stub: bool = False,
    environ: Mapping[str, str] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock | None = None,
    ledger: CostLedger | None = None,
    cache_backend: CacheBackend | None = None,
    rng: random.Random | None = None,
    on_budget_warning: WarningListener | None = None,
) -> Gateway:
    """The gateway for `settings` (default: read from `environ`, default os.environ).

    With `stub=True` every provider is served offline by d0_gateway.stub with placeholder credentials;
    `transport` replaces the network otherwise (tests pass respx's or httpx.MockTransport).
    """
    if settings is None:
        settings = GatewaySettings.from_env(os.environ if environ is None else environ)
    if stub:
        from d0_gateway.stub import StubTransport, stub_settings

        settings = stub_settings(settings)
        transport = transport or StubTransport()
    return Gateway(
        settings,
        transport=transport,
        clock=clock,
        ledger=ledger,
        cache_backend=cache_backend,
        rng=rng,
        on_budget_warning=on_budget_warning,
    )
