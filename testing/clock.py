"""A fake clock for code that takes an injected clock: time moves only when a test (or a sleep) moves it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta


class FakeClock:
    """Monotonic and wall-clock time under the test's control; `sleep` advances time instead of waiting.

    Matches the clock protocol the modules accept: `monotonic()`, `now()` and `async sleep(seconds)`.
    """

    def __init__(self, start: datetime | None = None, monotonic_start: float = 1000.0) -> None:
        self._wall = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        if self._wall.tzinfo is None:
            raise ValueError("FakeClock start must be timezone-aware (e.g. tzinfo=timezone.utc)")
        self._monotonic = monotonic_start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        """Seconds on a monotonic scale, like time.monotonic()."""
        return self._monotonic

    def now(self) -> datetime:
        """Timezone-aware wall-clock time, like datetime.now(timezone.utc)."""
        return self._wall

    def advance(self, seconds: float) -> None:
        """Moves both clocks forward by `seconds` (never backwards)."""
        if seconds < 0:
            raise ValueError(f"cannot move a clock backwards (advance({seconds}))")
        self._monotonic += seconds
        self._wall += timedelta(seconds=seconds)

    async def sleep(self, seconds: float) -> None:
        """Records the sleep, advances time by it, and yields to the event loop once."""
        if seconds < 0:
            raise ValueError(f"cannot sleep a negative duration ({seconds})")
        self.sleeps.append(seconds)
        self.advance(seconds)
        await asyncio.sleep(0)
