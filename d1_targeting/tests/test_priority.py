import math
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from d1_targeting import SchedulingError, idle_days, priority_score


def test_score_is_weight_times_log2_of_the_backlog_plus_one():
    assert priority_score(2.0, remaining=7, idle_days=0) == pytest.approx(2.0 * 3)


def test_each_idle_day_adds_a_quarter_up_to_four_days():
    base = priority_score(1.0, 15, 0)
    assert priority_score(1.0, 15, 2) == pytest.approx(base * 1.5)
    assert priority_score(1.0, 15, 4) == priority_score(1.0, 15, 30) == pytest.approx(base * 2)


def test_campaign_with_nothing_left_scores_zero():
    assert priority_score(5.0, 0, 3) == 0


def test_zero_weight_pauses_a_campaign():
    assert priority_score(0.0, 1000, 4) == 0


@given(st.floats(0.01, 100), st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 10))
def test_a_larger_backlog_never_lowers_the_score(weight, smaller, extra, idle):
    assert priority_score(weight, smaller + extra, idle) >= priority_score(weight, smaller, idle)


@given(st.floats(0.01, 100), st.integers(1, 10**6), st.integers(0, 10))
def test_waiting_longer_never_lowers_the_score(weight, remaining, idle):
    assert priority_score(weight, remaining, idle + 1) >= priority_score(weight, remaining, idle)


@pytest.mark.parametrize("weight, remaining, idle", [(-1, 5, 0), (math.inf, 5, 0), (1, -1, 0), (1, 5, -1)])
def test_invalid_inputs_are_rejected(weight, remaining, idle):
    with pytest.raises(SchedulingError):
        priority_score(weight, remaining, idle)


def test_idle_days_count_from_the_last_schedule_or_else_from_creation():
    assert idle_days(date(2026, 3, 10), date(2026, 3, 8), date(2026, 1, 1)) == 2
    assert idle_days(date(2026, 3, 10), None, date(2026, 3, 7)) == 3
    assert idle_days(date(2026, 3, 10), date(2026, 3, 11), date(2026, 1, 1)) == 0


def test_negative_weight_is_rejected_with_a_message_naming_it():
    with pytest.raises(SchedulingError) as error:
        priority_score(-1.5, 3, 0)
    assert str(error.value) == "priority weight must be a finite number >= 0, got -1.5"


def test_negative_backlog_is_rejected_with_a_message_naming_both_counts():
    with pytest.raises(SchedulingError) as error:
        priority_score(1.0, -2, 1)
    assert str(error.value) == "remaining (-2) and idle_days (1) must be >= 0"
