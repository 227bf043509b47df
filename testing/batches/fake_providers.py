"""A scripted fake provider for batch_runner steps, and a kill switch that interrupts a run mid-call."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from batch_runner import Lead, PermanentStepError, RetryableStepError
from testing.clock import FakeClock


class ScriptedProvider:
    """Satisfies EnrichmentProvider and AssessmentProvider; each domain's behaviour is scripted by the test.

    By default every call succeeds with `{"domain": ..., "call": n}`. Script a domain to fail permanently,
    to fail transiently `times` times first, to take `seconds` on the injected FakeClock, or to wait
    for an event the test sets (`hold`). Every call is counted per domain in `calls`.
    """

    def __init__(self, clock: FakeClock, *, label: str = "fake") -> None:
        self.label = label
        self.calls: Counter[str] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0
        self._clock = clock
        self._permanent: dict[str, str] = {}
        self._transient: dict[str, tuple[int, float | None]] = {}
        self._delays: dict[str, float] = {}
        self._gates: dict[str, asyncio.Event] = {}

    def fail_permanently(self, domain: str, reason: str = "rejected by provider") -> None:
        self._permanent[domain] = reason

    def fail_transiently(self, domain: str, times: int, *, retry_after: float | None = None) -> None:
        self._transient[domain] = (times, retry_after)

    def take(self, domain: str, seconds: float) -> None:
        self._delays[domain] = seconds

    def hold(self, domain: str) -> asyncio.Event:
        """Calls for `domain` wait until the returned event is set (never set: the call hangs)."""
        return self._gates.setdefault(domain, asyncio.Event())

    async def enrich(self, lead: Lead) -> Mapping[str, Any]:
        return await self._answer(lead.domain)

    async def assess(self, url: str) -> Mapping[str, Any]:
        return await self._answer(urlsplit(url).hostname or url)

    async def _answer(self, domain: str) -> Mapping[str, Any]:
        self.calls[domain] += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if domain in self._delays:
                await self._clock.sleep(self._delays[domain])
            if domain in self._gates:
                await self._gates[domain].wait()
            if domain in self._permanent:
                raise PermanentStepError(f"{self.label}: {self._permanent[domain]} ({domain})")
            remaining, retry_after = self._transient.get(domain, (0, None))
            if remaining > 0:
                self._transient[domain] = (remaining - 1, retry_after)
                raise RetryableStepError(f"{self.label}: temporarily unavailable ({domain})", retry_after=retry_after)
            return {"provider": self.label, "domain": domain, "call": self.calls[domain]}
        finally:
            self.in_flight -= 1


class KillSwitch:
    """Wraps a provider; on call number `at_call` it cancels `task` as a crash would, before or after the call returns.

    `before=True`: the call never returns (the process dies mid-request). `before=False`: the call returns
    and the task dies at its next await, after the runner had the chance to checkpoint the result.
    """

    def __init__(self, provider: ScriptedProvider, *, at_call: int, before: bool) -> None:
        self.provider = provider
        self.at_call = at_call
        self.before = before
        self.task: asyncio.Task[Any] | None = None
        self.calls = 0
        self.fired = False

    async def enrich(self, lead: Lead) -> Mapping[str, Any]:
        return await self._call(self.provider.enrich(lead))

    async def assess(self, url: str) -> Mapping[str, Any]:
        return await self._call(self.provider.assess(url))

    async def _call(self, call: Any) -> Mapping[str, Any]:
        self.calls += 1
        if self.calls != self.at_call or self.task is None:
            return await call
        self.fired = True
        self.task.cancel()
        if self.before:
            call.close()
            await asyncio.Event().wait()
        return await call
