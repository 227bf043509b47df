"""The clock protocol every time-dependent part of the gateway takes, and the real system clock."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """Monotonic time for intervals, aware wall-clock time for ledgers and signatures, and a sleep.

    Injected everywhere so tests pass testing.FakeClock, whose `sleep` advances time instead of waiting.
    """

    def monotonic(self) -> float: ...

    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock: time.monotonic, UTC now and asyncio.sleep."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
