import asyncio
from datetime import UTC

import httpx

from d0_gateway import Clock, SystemClock
from d0_gateway.providers.base import ProviderClient
from testing import FakeClock


def test_system_clock_gives_monotonic_time_and_aware_utc_now():
    clock = SystemClock()
    first = clock.monotonic()
    assert clock.monotonic() >= first
    assert clock.now().tzinfo == UTC


def test_system_clock_sleep_of_zero_yields_without_waiting():
    assert asyncio.run(SystemClock().sleep(0)) is None


def test_system_and_fake_clocks_satisfy_the_clock_protocol():
    assert isinstance(SystemClock(), Clock) and isinstance(FakeClock(), Clock)


def test_a_provider_without_its_own_error_format_falls_back_to_the_raw_body():
    assert ProviderClient.describe_error(httpx.Response(500, text="boom")) == ""
