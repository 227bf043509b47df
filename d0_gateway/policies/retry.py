"""Retries with exponential backoff and jitter, honouring Retry-After, bounded by attempts and a deadline."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from d0_gateway.clock import Clock
from d0_gateway.errors import ProviderUnavailable, RateLimited

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry a provider call.

    Delay before retry n (1-based) is `min(max_delay, base_delay * multiplier ** (n - 1))`, reduced by a
    random fraction up to `jitter` (1.0 = "full jitter"); a Retry-After from the provider replaces it.
    No retry starts once `deadline` seconds have passed since the first attempt.
    """

    max_attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 30.0
    multiplier: float = 2.0
    jitter: float = 1.0
    deadline: float = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")
        if self.base_delay < 0 or self.max_delay < 0 or self.deadline <= 0:
            raise ValueError(
                f"delays must be >= 0 and the deadline > 0 (base_delay={self.base_delay}, "
                f"max_delay={self.max_delay}, deadline={self.deadline})"
            )
        if self.multiplier < 1:
            raise ValueError(f"multiplier must be >= 1, got {self.multiplier}")
        if not 0 <= self.jitter <= 1:
            raise ValueError(f"jitter must be between 0 and 1, got {self.jitter}")

    def backoff(self, retry_number: int, rng: random.Random) -> float:
        """Seconds to wait before retry `retry_number` (1 = the first retry)."""
        return exponential_backoff(
            retry_number,
            rng,
            base_delay=self.base_delay,
            multiplier=self.multiplier,
            max_delay=self.max_delay,
            jitter=self.jitter,
        )


def exponential_backoff(
    retry_number: int,
    rng: random.Random,
    *,
    base_delay: float,
    multiplier: float,
    max_delay: float,
    jitter: float = 1.0,
) -> float:
    """Seconds before retry `retry_number` (1-based): `min(max_delay, base_delay * multiplier ** (n - 1))` less
    a random fraction of it up to `jitter` (1.0 = full jitter, 0 = none); every retry policy waits by it."""
    if retry_number < 1:
        raise ValueError(f"retries are numbered from 1, got {retry_number}")
    ceiling = min(max_delay, base_delay * multiplier ** (retry_number - 1))
    return ceiling * (1 - jitter * rng.random())


def is_retryable(error: BaseException) -> bool:
    """Timeouts, connection errors, 5xx and the provider's own 429 are worth retrying; nothing else is."""
    if isinstance(error, RateLimited):
        return not error.local
    return isinstance(error, ProviderUnavailable)


def _retry_after(error: BaseException) -> float | None:
    return getattr(error, "retry_after", None)


class Retrier:
    """Runs an attempt until it succeeds, fails for good, or the policy's attempts or deadline run out."""

    def __init__(self, policy: RetryPolicy, clock: Clock, rng: random.Random | None = None) -> None:
        self.policy = policy
        self._clock = clock
        self._rng = rng or random.Random()

    async def run(self, attempt: Callable[[], Awaitable[T]], *, retry_allowed: bool = True) -> T:
        """Returns the first successful result; re-raises the last error when retrying stops.

        `retry_allowed=False` (a non-idempotent call nobody marked safe) makes exactly one attempt.
        """
        started = self._clock.monotonic()
        retries = 0
        while True:
            try:
                return await attempt()
            except Exception as error:
                if not (retry_allowed and is_retryable(error)) or retries + 1 >= self.policy.max_attempts:
                    raise
                retries += 1
                hinted = _retry_after(error)
                delay = hinted if hinted is not None else self.policy.backoff(retries, self._rng)
                if self._clock.monotonic() - started + delay > self.policy.deadline:
                    raise
                await self._clock.sleep(delay)
