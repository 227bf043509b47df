import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from d0_gateway import (
    AuthenticationError,
    InvalidRequest,
    ProviderUnavailable,
    RateLimited,
    Retrier,
    RetryPolicy,
    exponential_backoff,
)


class Flaky:
    """An attempt that raises the given errors in turn, then returns "ok"."""

    def __init__(self, *errors):
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def unavailable(retry_after=None):
    return ProviderUnavailable("p", "op", "503", status=503, retry_after=retry_after)


def retrier(clock, **policy):
    return Retrier(RetryPolicy(**policy), clock, random.Random(3))


async def test_retries_unavailable_then_returns_the_success(fake_clock):
    attempt = Flaky(unavailable(), unavailable())
    assert await retrier(fake_clock, max_attempts=3).run(attempt) == "ok"
    assert attempt.calls == 3


async def test_backoff_grows_exponentially_within_the_jitter_band(fake_clock):
    attempt = Flaky(unavailable(), unavailable(), unavailable())
    await retrier(fake_clock, max_attempts=4, base_delay=1, multiplier=2, jitter=0.5).run(attempt)
    first, second, third = fake_clock.sleeps
    assert 0.5 <= first <= 1 and 1 <= second <= 2 and 2 <= third <= 4


async def test_backoff_without_jitter_is_exact_and_capped_at_max_delay(fake_clock):
    attempt = Flaky(unavailable(), unavailable(), unavailable())
    await retrier(fake_clock, max_attempts=4, base_delay=1, multiplier=3, max_delay=5, jitter=0).run(attempt)
    assert fake_clock.sleeps == [1, 3, 5]


async def test_provider_retry_after_replaces_the_backoff(fake_clock):
    attempt = Flaky(RateLimited("p", "op", 7.5, status=429))
    await retrier(fake_clock, max_attempts=2, base_delay=0.1).run(attempt)
    assert fake_clock.sleeps == [7.5]


async def test_gives_up_after_max_attempts_raising_the_last_error(fake_clock):
    last = unavailable()
    attempt = Flaky(unavailable(), unavailable(), last)
    with pytest.raises(ProviderUnavailable) as caught:
        await retrier(fake_clock, max_attempts=3).run(attempt)
    assert caught.value is last
    assert attempt.calls == 3


async def test_stops_when_the_next_wait_would_pass_the_deadline(fake_clock):
    attempt = Flaky(unavailable(retry_after=4), unavailable(retry_after=4), unavailable())
    with pytest.raises(ProviderUnavailable):
        await retrier(fake_clock, max_attempts=10, deadline=6).run(attempt)
    assert attempt.calls == 2
    assert fake_clock.sleeps == [4]


@pytest.mark.parametrize(
    "error",
    [
        AuthenticationError("p", "op", "denied", status=401),
        InvalidRequest("p", "op", "bad", status=400),
        RateLimited("p", "op", 1.0, local=True),
    ],
)
async def test_never_retries_client_errors_or_local_rate_limits(fake_clock, error):
    attempt = Flaky(error)
    with pytest.raises(type(error)):
        await retrier(fake_clock, max_attempts=5).run(attempt)
    assert attempt.calls == 1


async def test_makes_a_single_attempt_when_retry_is_not_allowed(fake_clock):
    attempt = Flaky(unavailable())
    with pytest.raises(ProviderUnavailable):
        await retrier(fake_clock, max_attempts=5).run(attempt, retry_allowed=False)
    assert attempt.calls == 1


@pytest.mark.parametrize(
    "fields",
    [{"max_attempts": 0}, {"base_delay": -1}, {"deadline": 0}, {"multiplier": 0.5}, {"jitter": 1.5}],
)
def test_invalid_policy_is_rejected(fields):
    with pytest.raises(ValueError):
        RetryPolicy(**fields)


@given(
    retry_number=st.integers(min_value=1, max_value=30),
    base=st.floats(min_value=0, max_value=5),
    multiplier=st.floats(min_value=1, max_value=4),
    jitter=st.floats(min_value=0, max_value=1),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_backoff_lies_in_the_jitter_band_below_the_capped_ceiling(retry_number, base, multiplier, jitter, seed):
    ceiling = min(30, base * multiplier ** (retry_number - 1))
    delay = exponential_backoff(
        retry_number, random.Random(seed), base_delay=base, multiplier=multiplier, max_delay=30, jitter=jitter
    )
    assert ceiling * (1 - jitter) <= delay <= ceiling


def test_backoff_is_the_same_for_the_same_random_source():
    def waits(seed):
        rng = random.Random(seed)
        return [exponential_backoff(n, rng, base_delay=0.5, multiplier=2, max_delay=30) for n in (1, 2, 3)]

    assert waits(11) == waits(11)


@pytest.mark.parametrize("retry_number", [0, -1])
def test_backoff_is_refused_when_the_retry_number_is_below_one(retry_number):
    with pytest.raises(ValueError, match=f"retries are numbered from 1, got {retry_number}"):
        exponential_backoff(retry_number, random.Random(0), base_delay=0.5, multiplier=2, max_delay=30)


class FixedRandom(random.Random):
    """A random source whose every draw is `value` (pins where in the jitter band a wait falls)."""

    def __init__(self, value):
        super().__init__(0)
        self.value = value

    def random(self):
        return self.value


async def test_default_policy_makes_three_attempts_when_not_configured(fake_clock):
    attempt = Flaky(unavailable(), unavailable(), unavailable(), unavailable())
    with pytest.raises(ProviderUnavailable):
        await Retrier(RetryPolicy(), fake_clock, random.Random(3)).run(attempt)
    assert attempt.calls == 3


def test_default_policy_waits_half_a_second_then_doubles_when_not_configured():
    policy = RetryPolicy()
    assert [policy.backoff(n, FixedRandom(0.0)) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]


def test_default_policy_caps_a_wait_at_thirty_seconds_when_not_configured():
    assert RetryPolicy().backoff(8, FixedRandom(0.0)) == 30.0


def test_default_policy_uses_full_jitter_when_not_configured():
    assert RetryPolicy().backoff(1, FixedRandom(0.999)) == pytest.approx(0.0005)


async def test_default_policy_stops_retrying_sixty_seconds_after_the_first_attempt(fake_clock):
    attempt = Flaky(unavailable(retry_after=30), unavailable(retry_after=30), unavailable(retry_after=1))
    with pytest.raises(ProviderUnavailable):
        await Retrier(RetryPolicy(max_attempts=10), fake_clock, random.Random(3)).run(attempt)
    assert fake_clock.sleeps == [30, 30]
    assert attempt.calls == 3


async def test_retries_until_the_deadline_exactly_when_the_wait_ends_on_it(fake_clock):
    attempt = Flaky(unavailable(retry_after=3), unavailable(retry_after=3))
    assert await retrier(fake_clock, max_attempts=10, deadline=6).run(attempt) == "ok"
    assert fake_clock.sleeps == [3, 3]


async def test_a_zero_retry_after_retries_at_once_instead_of_backing_off(fake_clock):
    attempt = Flaky(unavailable(retry_after=0))
    await retrier(fake_clock, max_attempts=2, base_delay=5, jitter=0).run(attempt)
    assert fake_clock.sleeps == [0]


async def test_one_attempt_is_made_when_max_attempts_is_one(fake_clock):
    attempt = Flaky(unavailable())
    with pytest.raises(ProviderUnavailable):
        await retrier(fake_clock, max_attempts=1).run(attempt)
    assert attempt.calls == 1


async def test_retrier_without_a_random_source_still_backs_off_within_the_band(fake_clock):
    attempt = Flaky(unavailable())
    await Retrier(RetryPolicy(max_attempts=2, base_delay=2), fake_clock).run(attempt)
    [wait] = fake_clock.sleeps
    assert 0 <= wait <= 2


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"max_attempts": 0}, r"^max_attempts must be at least 1, got 0$"),
        (
            {"max_delay": -1},
            r"^delays must be >= 0 and the deadline > 0 \(base_delay=0.5, max_delay=-1, deadline=60.0\)$",
        ),
        ({"deadline": -1}, r"deadline=-1\)$"),
        ({"multiplier": 0.5}, r"^multiplier must be >= 1, got 0.5$"),
        ({"jitter": -0.1}, r"^jitter must be between 0 and 1, got -0.1$"),
    ],
)
def test_invalid_policy_is_rejected_with_a_message_naming_the_value(fields, message):
    with pytest.raises(ValueError, match=message):
        RetryPolicy(**fields)


def test_boundary_policy_values_are_accepted_when_built():
    policy = RetryPolicy(max_attempts=1, base_delay=0, max_delay=0, multiplier=1, jitter=0)
    assert policy.backoff(3, random.Random(0)) == 0
    assert RetryPolicy(jitter=1).jitter == 1
