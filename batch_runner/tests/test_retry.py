import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from batch_runner import (
    LeadTimeoutError,
    PermanentStepError,
    RetryableStepError,
    RetryPolicy,
    RunSettings,
    is_retryable,
)
from batch_runner.retry import retry_after_of


@given(
    attempt=st.integers(min_value=1, max_value=20),
    base=st.floats(min_value=0, max_value=5),
    factor=st.floats(min_value=1, max_value=4),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_backoff_stays_within_the_exponential_ceiling(attempt, base, factor, seed):
    policy = RetryPolicy(max_attempts=25, base_delay=base, factor=factor, max_delay=30)
    delay = policy.backoff(attempt, random.Random(seed))
    assert 0 <= delay <= min(30, base * factor ** (attempt - 1))


@given(retry_after=st.floats(min_value=0, max_value=100), seed=st.integers(min_value=0, max_value=2**32))
def test_backoff_honours_retry_after_up_to_the_maximum_delay(retry_after, seed):
    policy = RetryPolicy(base_delay=0.1, max_delay=30)
    assert policy.backoff(1, random.Random(seed), retry_after) >= min(retry_after, 30)


def test_backoff_waits_a_uniformly_random_part_of_the_exponential_ceiling_when_jitter_is_full():
    policy = RetryPolicy(base_delay=0.5, factor=2.0, max_delay=30.0)
    assert policy.backoff(3, random.Random(5)) == 2.0 * (1 - random.Random(5).random())


def test_backoff_caps_a_providers_retry_after_at_the_maximum_delay():
    assert RetryPolicy(max_delay=30.0).backoff(1, random.Random(5), retry_after=100.0) == 30.0


def test_backoff_keeps_its_own_delay_when_the_retry_after_is_shorter():
    policy = RetryPolicy(base_delay=4.0)
    assert policy.backoff(1, random.Random(5), retry_after=0.0) == policy.backoff(1, random.Random(5))


def test_backoff_is_reproducible_with_the_same_random_source():
    policy = RetryPolicy()
    assert [policy.backoff(n, random.Random(5)) for n in (1, 2, 3)] == [
        policy.backoff(n, random.Random(5)) for n in (1, 2, 3)
    ]


@pytest.mark.parametrize(
    "error, retryable",
    [
        (RetryableStepError("429"), True),
        (PermanentStepError("400"), False),
        (ConnectionResetError("reset"), True),
        (TimeoutError("slow"), True),
        (LeadTimeoutError("lead out of time"), False),
        (ValueError("bad"), False),
    ],
)
def test_only_transient_errors_are_retryable(error, retryable):
    assert is_retryable(error) is retryable


def test_error_flagged_not_retryable_is_not_retried_even_if_it_is_a_timeout():
    class GatewayTimeout(TimeoutError):
        retryable = False

    assert not is_retryable(GatewayTimeout())


@pytest.mark.parametrize(
    "error, expected",
    [
        (RetryableStepError("x", retry_after=3), 3.0),
        (RetryableStepError("x", retry_after=0), 0.0),
        (RetryableStepError("x", retry_after=-1), None),
        (RetryableStepError("x"), None),
        (ValueError(), None),
    ],
)
def test_retry_after_is_read_from_errors_that_carry_it(error, expected):
    assert retry_after_of(error) == expected


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: RetryPolicy(max_attempts=0), "max_attempts"),
        (lambda: RetryPolicy(base_delay=-1), "delays"),
        (lambda: RetryPolicy(factor=0.5), "factor"),
        (lambda: RetryPolicy().backoff(0, random.Random()), "numbered from 1"),
        (lambda: RunSettings(max_concurrency=0), "max_concurrency"),
        (lambda: RunSettings(lead_timeout=0), "lead_timeout"),
    ],
)
def test_invalid_retry_and_run_settings_are_rejected(build, message):
    with pytest.raises(ValueError, match=message):
        build()
