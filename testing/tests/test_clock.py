import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from testing import FakeClock


def test_time_stands_still_when_nobody_advances_it():
    clock = FakeClock()
    assert clock.monotonic() == clock.monotonic()
    assert clock.now() == clock.now()


def test_advance_moves_monotonic_and_wall_time_together():
    clock = FakeClock(start=datetime(2026, 3, 1, tzinfo=UTC), monotonic_start=5.0)
    clock.advance(90)
    assert clock.monotonic() == 95.0
    assert clock.now() == datetime(2026, 3, 1, 0, 1, 30, tzinfo=UTC)


async def test_sleep_advances_time_and_is_recorded_when_awaited():
    clock = FakeClock()
    before = clock.now()
    await clock.sleep(2.5)
    await clock.sleep(0.5)
    assert clock.sleeps == [2.5, 0.5]
    assert clock.now() - before == timedelta(seconds=3)


async def test_sleep_lets_other_tasks_run_when_awaited():
    clock = FakeClock()
    ran = []

    async def other():
        ran.append(True)

    task = asyncio.create_task(other())
    await clock.sleep(1)
    assert ran == [True]
    await task


def test_advance_rejects_going_backwards():
    with pytest.raises(ValueError, match="backwards"):
        FakeClock().advance(-1)


async def test_sleep_rejects_negative_durations():
    with pytest.raises(ValueError, match="negative"):
        await FakeClock().sleep(-0.1)


def test_naive_start_time_is_rejected():
    with pytest.raises(ValueError, match="timezone-aware"):
        FakeClock(start=datetime(2026, 1, 1))
