"""Retry policy: which errors are worth another attempt, and how long to back off before it."""

from __future__ import annotations

import random
from dataclasses import dataclass

from d0_gateway import exponential_backoff


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter (d0_gateway's exponential_backoff): attempt n waits a uniformly random
    part of min(max_delay, base * factor**(n-1)); which errors are retryable is batch_runner's own rule below."""

    max_attempts: int = 3
    base_delay: float = 0.5
    factor: float = 2.0
    max_delay: float = 30.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {self.max_attempts}")
        if self.base_delay < 0 or self.max_delay < 0:
            raise ValueError(f"delays must be >= 0, got base_delay={self.base_delay}, max_delay={self.max_delay}")
        if self.factor < 1:
            raise ValueError(f"factor must be >= 1, got {self.factor}")

    def backoff(self, failed_attempt: int, rng: random.Random, retry_after: float | None = None) -> float:
        """Seconds to wait after attempt `failed_attempt` (1-based); a provider's Retry-After is the minimum."""
        delay = exponential_backoff(
            failed_attempt,
            rng,
            base_delay=self.base_delay,
            multiplier=self.factor,
            max_delay=self.max_delay,
            jitter=1.0,
        )
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.max_delay))
        return delay


def is_retryable(error: BaseException) -> bool:
    """True for errors that flag themselves `retryable = True` (StepError subclasses, gateway errors), and for
    unflagged timeouts and connection errors; an error flagged `retryable = False` is never retried."""
    flag = getattr(error, "retryable", None)
    if flag is not None:
        return flag is True
    return isinstance(error, (TimeoutError, ConnectionError))


def retry_after_of(error: BaseException) -> float | None:
    """The provider's requested wait in seconds, when the error carries one."""
    value = getattr(error, "retry_after", None)
    return float(value) if isinstance(value, (int, float)) and value >= 0 else None
