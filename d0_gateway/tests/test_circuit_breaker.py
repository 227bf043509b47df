from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from d0_gateway import LEGAL_TRANSITIONS, BreakerState, CircuitBreaker, CircuitOpen
from testing import FakeClock


def breaker(clock, transitions=None, **kwargs):
    options: dict[str, Any] = {"failure_threshold": 3, "recovery_time": 10.0, "success_threshold": 2}
    options.update(kwargs)
    listener = (lambda old, new: transitions.append((old, new))) if transitions is not None else None
    return CircuitBreaker(clock, provider="hunter", on_transition=listener, **options)


def state_of(b: CircuitBreaker) -> BreakerState:
    """The breaker's state now (a call, so a type checker does not carry an earlier check over)."""
    return b.state


def fail(b, times):
    for _ in range(times):
        b.admit()
        b.record_failure()


def test_opens_after_n_consecutive_failures(fake_clock):
    b = breaker(fake_clock)
    fail(b, 3)
    assert b.state is BreakerState.OPEN


def test_a_success_resets_the_consecutive_failure_count(fake_clock):
    b = breaker(fake_clock)
    fail(b, 2)
    b.admit()
    b.record_success()
    fail(b, 2)
    assert b.state is BreakerState.CLOSED


def test_open_breaker_fails_fast_with_the_time_until_a_probe(fake_clock):
    b = breaker(fake_clock)
    fail(b, 3)
    fake_clock.advance(4)
    with pytest.raises(CircuitOpen) as caught:
        b.admit()
    assert caught.value.retry_after == pytest.approx(6)
    assert "hunter" in str(caught.value)


def test_becomes_half_open_after_the_recovery_time(fake_clock):
    b = breaker(fake_clock)
    fail(b, 3)
    fake_clock.advance(10)
    assert b.state is BreakerState.HALF_OPEN


def test_closes_after_m_successful_probes(fake_clock):
    transitions = []
    b = breaker(fake_clock, transitions)
    fail(b, 3)
    fake_clock.advance(10)
    for _ in range(2):
        b.admit()
        b.record_success()
    assert b.state is BreakerState.CLOSED
    assert transitions == [
        (BreakerState.CLOSED, BreakerState.OPEN),
        (BreakerState.OPEN, BreakerState.HALF_OPEN),
        (BreakerState.HALF_OPEN, BreakerState.CLOSED),
    ]


def test_a_failed_probe_reopens_for_another_recovery_time(fake_clock):
    b = breaker(fake_clock)
    fail(b, 3)
    fake_clock.advance(10)
    b.admit()
    b.record_failure()
    assert b.state is BreakerState.OPEN
    with pytest.raises(CircuitOpen) as caught:
        b.admit()
    assert caught.value.retry_after == pytest.approx(10)


def test_half_open_admits_no_more_probes_than_it_needs(fake_clock):
    b = breaker(fake_clock, success_threshold=2)
    fail(b, 3)
    fake_clock.advance(10)
    b.admit()
    b.admit()
    with pytest.raises(CircuitOpen):
        b.admit()


def test_a_released_probe_frees_its_slot(fake_clock):
    b = breaker(fake_clock, success_threshold=1)
    fail(b, 3)
    fake_clock.advance(10)
    b.admit()
    b.release()
    b.admit()
    b.record_success()
    assert b.state is BreakerState.CLOSED


@pytest.mark.parametrize("kwargs", [{"failure_threshold": 0}, {"success_threshold": 0}, {"recovery_time": 0}])
def test_invalid_thresholds_are_rejected(fake_clock, kwargs):
    with pytest.raises(ValueError):
        breaker(fake_clock, **kwargs)


events = st.lists(
    st.one_of(
        st.just("success"),
        st.just("failure"),
        st.just("release"),
        st.floats(0, 15).map(lambda seconds: ("advance", seconds)),
    ),
    max_size=40,
)


@settings(max_examples=30)
@given(events=events, failures=st.integers(1, 4), successes=st.integers(1, 3))
def test_state_machine_never_leaves_its_legal_transitions(events, failures, successes):
    clock = FakeClock()
    transitions = []
    b = CircuitBreaker(
        clock,
        failure_threshold=failures,
        recovery_time=10.0,
        success_threshold=successes,
        on_transition=lambda old, new: transitions.append((old, new)),
    )
    for event in events:
        if isinstance(event, tuple):
            clock.advance(event[1])
            continue
        try:
            b.admit()
        except CircuitOpen:
            assert b.state in (BreakerState.OPEN, BreakerState.HALF_OPEN)
            continue
        getattr(b, {"success": "record_success", "failure": "record_failure", "release": "release"}[event])()
    assert set(transitions) <= LEGAL_TRANSITIONS
    states = [BreakerState.CLOSED] + [new for _, new in transitions]
    assert all(old == previous for (old, _), previous in zip(transitions, states[:-1], strict=True))


def test_default_breaker_opens_on_the_fifth_consecutive_failure_when_not_configured(fake_clock):
    b = CircuitBreaker(fake_clock)
    fail(b, 4)
    assert state_of(b) is BreakerState.CLOSED
    fail(b, 1)
    assert state_of(b) is BreakerState.OPEN


def test_default_breaker_rests_thirty_seconds_before_a_probe_when_not_configured(fake_clock):
    b = CircuitBreaker(fake_clock)
    fail(b, 5)
    with pytest.raises(CircuitOpen) as caught:
        b.admit()
    assert caught.value.retry_after == 30.0
    fake_clock.advance(29.5)
    assert state_of(b) is BreakerState.OPEN
    fake_clock.advance(0.5)
    assert state_of(b) is BreakerState.HALF_OPEN


def test_default_breaker_closes_after_two_successful_probes_when_not_configured(fake_clock):
    b = CircuitBreaker(fake_clock)
    fail(b, 5)
    fake_clock.advance(30)
    b.admit()
    b.record_success()
    assert state_of(b) is BreakerState.HALF_OPEN
    b.admit()
    b.record_success()
    assert state_of(b) is BreakerState.CLOSED


def test_breaker_opens_on_exactly_the_threshold_failure_when_threshold_is_one(fake_clock):
    b = breaker(fake_clock, failure_threshold=1)
    fail(b, 1)
    assert b.state is BreakerState.OPEN


def test_open_breaker_error_names_the_provider_and_the_wait_when_admitting(fake_clock):
    b = breaker(fake_clock)
    fail(b, 3)
    fake_clock.advance(2.5)
    with pytest.raises(CircuitOpen, match=r"^hunter: circuit breaker open; next probe allowed in 7\.500s$"):
        b.admit()


def test_half_open_breaker_refuses_an_extra_probe_with_zero_wait_when_full(fake_clock):
    b = breaker(fake_clock, success_threshold=1)
    fail(b, 3)
    fake_clock.advance(10)
    b.admit()
    with pytest.raises(CircuitOpen) as caught:
        b.admit()
    assert caught.value.retry_after == 0.0


def test_a_successful_probe_keeps_its_slot_counted_when_more_probes_are_needed(fake_clock):
    b = breaker(fake_clock, success_threshold=3)
    fail(b, 3)
    fake_clock.advance(10)
    b.admit()
    b.record_success()
    b.admit()
    b.admit()
    with pytest.raises(CircuitOpen):
        b.admit()


def test_closing_resets_the_failure_count_when_probes_succeed(fake_clock):
    b = breaker(fake_clock, success_threshold=1)
    fail(b, 3)
    fake_clock.advance(10)
    b.admit()
    b.record_success()
    fail(b, 2)
    assert b.state is BreakerState.CLOSED


def test_release_in_the_closed_state_changes_nothing_when_called(fake_clock):
    b = breaker(fake_clock)
    fail(b, 2)
    b.admit()
    b.release()
    fail(b, 1)
    assert b.state is BreakerState.OPEN


def test_success_while_open_is_ignored_when_recovery_has_not_passed(fake_clock):
    b = breaker(fake_clock)
    fail(b, 3)
    b.record_success()
    b.record_failure()
    assert b.state is BreakerState.OPEN
    with pytest.raises(CircuitOpen) as caught:
        b.admit()
    assert caught.value.retry_after == pytest.approx(10)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"failure_threshold": 0}, r"hunter: failure_threshold and success_threshold must be >= 1 \(got 0, 2\)"),
        ({"success_threshold": 0}, r"hunter: failure_threshold and success_threshold must be >= 1 \(got 3, 0\)"),
        ({"recovery_time": -1.0}, r"hunter: recovery_time must be positive seconds, got -1.0"),
    ],
)
def test_invalid_settings_are_rejected_naming_the_provider_and_values_when_built(fake_clock, kwargs, message):
    with pytest.raises(ValueError, match=message):
        breaker(fake_clock, **kwargs)


def test_thresholds_of_one_are_accepted_when_built(fake_clock):
    b = breaker(fake_clock, failure_threshold=1, success_threshold=1, recovery_time=0.001)
    assert (b.failure_threshold, b.success_threshold, b.recovery_time) == (1, 1, 0.001)


def test_a_released_probe_frees_exactly_one_slot_when_two_are_in_flight(fake_clock):
    b = breaker(fake_clock, success_threshold=2)
    fail(b, 3)
    fake_clock.advance(10)
    b.admit()
    b.admit()
    b.release()
    b.admit()
    with pytest.raises(CircuitOpen):
        b.admit()


def test_open_breaker_error_carries_the_provider_when_refusing(fake_clock):
    b = breaker(fake_clock)
    fail(b, 3)
    with pytest.raises(CircuitOpen) as caught:
        b.admit()
    assert caught.value.provider == "hunter"
