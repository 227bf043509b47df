"""Token-bucket rate limiting per provider: `rate` tokens a second, up to `burst` saved for bursts."""

from __future__ import annotations

import asyncio

from d0_gateway.clock import Clock
from d0_gateway.errors import RateLimited

# Float refill arithmetic can leave 0.9999999999 tokens after sleeping exactly the computed wait.
_EPSILON = 1e-9


class RateLimiter:
    """A token bucket: admits at most `rate * window + burst` calls in any window of time.

    The bucket starts full. `acquire` waits (on the injected clock) for a token, or with
    `fail_fast=True` raises RateLimited carrying how long the caller would have had to wait.
    """

    def __init__(self, rate: float, burst: int, clock: Clock, *, provider: str = "gateway") -> None:
        if rate <= 0:
            raise ValueError(f"{provider}: rate limit must be positive tokens/second, got {rate}")
        if burst < 1:
            raise ValueError(f"{provider}: burst must be at least 1 token, got {burst}")
        self.rate = float(rate)
        self.burst = burst
        self.provider = provider
        self._clock = clock
        self._tokens = float(burst)
        self._updated = clock.monotonic()
        self._queue = asyncio.Lock()

    @property
    def tokens(self) -> float:
        """Tokens available right now (after refilling for the time elapsed)."""
        self._refill()
        return self._tokens

    def try_acquire(self) -> float:
        """Takes a token and returns 0.0, or takes nothing and returns the seconds until one is available."""
        self._refill()
        if self._tokens >= 1 - _EPSILON:
            self._tokens = max(0.0, self._tokens - 1)
            return 0.0
        return (1 - self._tokens) / self.rate

    async def acquire(self, *, fail_fast: bool = False, endpoint: str = "request") -> None:
        """Returns once a token is taken; waits in FIFO order, or raises RateLimited when `fail_fast`.

        A fail-fast caller never waits, so it may take a token ahead of callers already waiting.
        """
        if fail_fast:
            if (wait := self.try_acquire()) > 0:
                raise RateLimited(self.provider, endpoint, wait, local=True)
            return
        async with self._queue:
            while (wait := self.try_acquire()) > 0:
                await self._clock.sleep(wait)

    def _refill(self) -> None:
        now = self._clock.monotonic()
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(float(self.burst), self._tokens + elapsed * self.rate)
        self._updated = now
