from datetime import UTC

from batch_runner import SystemClock


def test_system_clock_gives_aware_utc_time():
    assert SystemClock().now().tzinfo is UTC


def test_system_clock_monotonic_time_never_goes_back():
    clock = SystemClock()
    first = clock.monotonic()
    assert clock.monotonic() >= first


async def test_system_clock_sleep_of_zero_returns_at_once():
    clock = SystemClock()
    start = clock.monotonic()
    await clock.sleep(0)
    assert clock.monotonic() - start < 1
