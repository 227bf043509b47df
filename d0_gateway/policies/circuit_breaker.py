"""A circuit breaker per provider: stop calling a provider that keeps failing, probe it after a rest."""

from __future__ import annotations

import enum
from collections.abc import Callable

from d0_gateway.clock import Clock
from d0_gateway.errors import CircuitOpen


class BreakerState(enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


LEGAL_TRANSITIONS: frozenset[tuple[BreakerState, BreakerState]] = frozenset(
    {
        (BreakerState.CLOSED, BreakerState.OPEN),
        (BreakerState.OPEN, BreakerState.HALF_OPEN),
        (BreakerState.HALF_OPEN, BreakerState.CLOSED),
        (BreakerState.HALF_OPEN, BreakerState.OPEN),
    }
)

TransitionListener = Callable[[BreakerState, BreakerState], None]


class CircuitBreaker:
    """closed → open after `failure_threshold` consecutive failures; open → half-open after `recovery_time`;
    half-open → closed after `success_threshold` successful probes, → open again on any probe failure.

    Callers `admit()` before each request (CircuitOpen when open, or when half-open already has as many
    probes in flight as it needs), then report exactly one of `record_success`, `record_failure` or
    `release` (the call ended without telling us anything about the provider's health).
    """

    def __init__(
        self,
        clock: Clock,
        *,
        provider: str = "gateway",
        failure_threshold: int = 5,
        recovery_time: float = 30.0,
        success_threshold: int = 2,
        on_transition: TransitionListener | None = None,
    ) -> None:
        if failure_threshold < 1 or success_threshold < 1:
            raise ValueError(
                f"{provider}: failure_threshold and success_threshold must be >= 1 "
                f"(got {failure_threshold}, {success_threshold})"
            )
        if recovery_time <= 0:
            raise ValueError(f"{provider}: recovery_time must be positive seconds, got {recovery_time}")
        self.provider = provider
        self.failure_threshold = failure_threshold
        self.recovery_time = recovery_time
        self.success_threshold = success_threshold
        self._clock = clock
        self._on_transition = on_transition
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._successes = 0
        self._probes_in_flight = 0
        self._opened_at = 0.0

    @property
    def state(self) -> BreakerState:
        """The current state; an open breaker whose recovery time has passed reads as half-open."""
        if self._state is BreakerState.OPEN and self._retry_after() <= 0:
            self._move_to(BreakerState.HALF_OPEN)
        return self._state

    def admit(self) -> None:
        """Lets a call through, or raises CircuitOpen (without any network traffic)."""
        state = self.state
        if state is BreakerState.OPEN:
            raise CircuitOpen(self.provider, self._retry_after())
        if state is BreakerState.HALF_OPEN:
            if self._probes_in_flight + self._successes >= self.success_threshold:
                raise CircuitOpen(self.provider, 0.0)
            self._probes_in_flight += 1

    def record_success(self) -> None:
        """A call reached a healthy provider."""
        if self._state is BreakerState.HALF_OPEN:
            self._end_probe()
            self._successes += 1
            if self._successes >= self.success_threshold:
                self._move_to(BreakerState.CLOSED)
        elif self._state is BreakerState.CLOSED:
            self._failures = 0

    def record_failure(self) -> None:
        """A call found the provider failing (timeout, connection error, 5xx, garbage body)."""
        if self._state is BreakerState.HALF_OPEN:
            self._end_probe()
            self._trip()
        elif self._state is BreakerState.CLOSED:
            self._failures += 1
            if self._failures >= self.failure_threshold:
                self._trip()

    def release(self) -> None:
        """An admitted call ended without a verdict on the provider's health (e.g. it was cancelled)."""
        if self._state is BreakerState.HALF_OPEN:
            self._end_probe()

    def _end_probe(self) -> None:
        self._probes_in_flight = max(0, self._probes_in_flight - 1)

    def _trip(self) -> None:
        self._opened_at = self._clock.monotonic()
        self._move_to(BreakerState.OPEN)

    def _retry_after(self) -> float:
        return max(0.0, self._opened_at + self.recovery_time - self._clock.monotonic())

    def _move_to(self, new: BreakerState) -> None:
        old, self._state = self._state, new
        self._failures = 0
        self._successes = 0
        self._probes_in_flight = 0
        if self._on_transition is not None:
            self._on_transition(old, new)
