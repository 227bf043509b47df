import asyncio
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from d0_gateway import RateLimited, RateLimiter
from testing import FakeClock


def test_burst_is_admitted_at_once_when_the_bucket_is_full(fake_clock):
    limiter = RateLimiter(rate=2, burst=5, clock=fake_clock)
    assert [limiter.try_acquire() for _ in range(5)] == [0.0] * 5


def test_call_beyond_the_burst_reports_the_wait_for_the_next_token(fake_clock):
    limiter = RateLimiter(rate=4, burst=1, clock=fake_clock)
    limiter.try_acquire()
    assert limiter.try_acquire() == pytest.approx(0.25)


def test_tokens_refill_at_the_rate_up_to_the_burst(fake_clock):
    limiter = RateLimiter(rate=2, burst=3, clock=fake_clock)
    for _ in range(3):
        limiter.try_acquire()
    fake_clock.advance(1)
    assert limiter.tokens == pytest.approx(2)
    fake_clock.advance(60)
    assert limiter.tokens == 3


async def test_acquire_waits_on_the_clock_for_a_token_when_the_bucket_is_empty(fake_clock):
    limiter = RateLimiter(rate=10, burst=1, clock=fake_clock)
    await limiter.acquire()
    await limiter.acquire()
    assert fake_clock.sleeps == [pytest.approx(0.1)]


async def test_fail_fast_raises_rate_limited_with_the_wait_when_no_token(fake_clock):
    limiter = RateLimiter(rate=0.5, burst=1, clock=fake_clock, provider="hunter")
    await limiter.acquire(fail_fast=True)
    with pytest.raises(RateLimited) as caught:
        await limiter.acquire(fail_fast=True, endpoint="email_finder")
    assert caught.value.local is True
    assert caught.value.retry_after == pytest.approx(2.0)
    assert "hunter email_finder" in str(caught.value)
    assert fake_clock.sleeps == []


async def test_waiting_callers_are_served_one_token_interval_apart(fake_clock):
    limiter = RateLimiter(rate=5, burst=1, clock=fake_clock)
    admitted = []

    async def caller(index):
        await limiter.acquire()
        admitted.append((index, fake_clock.monotonic()))

    await asyncio.gather(*(caller(i) for i in range(4)))
    times = [t for _, t in admitted]
    assert [b - a for a, b in pairwise(times)] == [pytest.approx(0.2)] * 3


@pytest.mark.parametrize("rate, burst", [(0, 1), (-1, 1), (1, 0)])
def test_invalid_rate_or_burst_is_rejected(fake_clock, rate, burst):
    with pytest.raises(ValueError, match="rate limit must be positive|burst must be at least 1"):
        RateLimiter(rate=rate, burst=burst, clock=fake_clock)


@settings(max_examples=30)
@given(
    rate=st.floats(0.1, 50),
    burst=st.integers(1, 10),
    steps=st.lists(st.tuples(st.floats(0, 2), st.integers(0, 6)), min_size=1, max_size=40),
)
def test_never_admits_more_than_rate_times_window_plus_burst_in_any_window(rate, burst, steps):
    clock = FakeClock()
    limiter = RateLimiter(rate=rate, burst=burst, clock=clock)
    admitted: list[float] = []
    for gap, attempts in steps:
        clock.advance(gap)
        for _ in range(attempts):
            if limiter.try_acquire() == 0.0:
                admitted.append(clock.monotonic())
    for i, start in enumerate(admitted):
        for j in range(i, len(admitted)):
            window = admitted[j] - start
            assert j - i + 1 <= rate * window + burst + 1e-6


def test_the_bucket_starts_full_when_built(fake_clock):
    assert RateLimiter(rate=1, burst=4, clock=fake_clock).tokens == 4.0


@pytest.mark.parametrize(
    "rate, burst, message",
    [
        (0, 1, r"^hunter: rate limit must be positive tokens/second, got 0$"),
        (1, 0, r"^hunter: burst must be at least 1 token, got 0$"),
    ],
)
def test_invalid_rate_or_burst_is_refused_naming_the_provider_and_value(fake_clock, rate, burst, message):
    with pytest.raises(ValueError, match=message):
        RateLimiter(rate=rate, burst=burst, clock=fake_clock, provider="hunter")


def test_the_smallest_valid_bucket_admits_one_call(fake_clock):
    limiter = RateLimiter(rate=0.001, burst=1, clock=fake_clock)
    assert limiter.try_acquire() == 0.0 and limiter.try_acquire() > 0


async def test_fail_fast_names_the_default_endpoint_when_none_is_given(fake_clock):
    limiter = RateLimiter(rate=1, burst=1, clock=fake_clock, provider="hunter")
    limiter.try_acquire()
    with pytest.raises(RateLimited, match=r"^hunter request: local rate limiter reached; retry after 1\.000s$"):
        await limiter.acquire(fail_fast=True)


async def test_fail_fast_takes_a_token_when_one_is_there(fake_clock):
    limiter = RateLimiter(rate=1, burst=2, clock=fake_clock)
    await limiter.acquire(fail_fast=True)
    assert limiter.tokens == 1.0


def test_a_partly_refilled_token_reports_the_rest_of_the_wait(fake_clock):
    limiter = RateLimiter(rate=2, burst=1, clock=fake_clock)
    limiter.try_acquire()
    fake_clock.advance(0.2)
    assert limiter.try_acquire() == pytest.approx(0.3)
    assert limiter.tokens == pytest.approx(0.4)


def test_a_token_refilled_within_float_error_is_admitted(fake_clock):
    limiter = RateLimiter(rate=3, burst=1, clock=fake_clock)
    limiter.try_acquire()
    fake_clock.advance(1 / 3)
    assert limiter.try_acquire() == 0.0
    assert limiter.tokens == pytest.approx(0.0)
