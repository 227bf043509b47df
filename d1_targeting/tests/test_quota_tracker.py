from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from d1_targeting import (
    QuotaError,
    QuotaExceededError,
    QuotaPolicy,
    QuotaTracker,
    ReservationNotFoundError,
    ReservationStateError,
    ReservationStatus,
    SystemClock,
    make_engine,
    make_session_factory,
)
from testing import FakeClock

MONDAY_NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    return FakeClock(MONDAY_NOON)


@pytest.fixture
def tracker(sessions, clock):
    return QuotaTracker(sessions, clock, QuotaPolicy(daily_quota=100))


def test_system_clock_reads_timezone_aware_utc_time():
    before = datetime.now(UTC)
    now = SystemClock().now()
    assert now.tzinfo is UTC and before <= now <= datetime.now(UTC)


def test_campaign_cap_defaults_to_40_percent_of_the_day():
    assert QuotaPolicy(100).campaign_cap == 40


@pytest.mark.parametrize(
    "quota, fraction, cap", [(5, 0.6, 3), (2, 0.4, 1), (0, 0.4, 0), (10, 1.0, 10), (7, 0.4, 2), (100, 0.29, 29)]
)
def test_campaign_cap_is_the_floor_of_the_fraction_but_at_least_one(quota, fraction, cap):
    assert QuotaPolicy(quota, fraction).campaign_cap == cap


@pytest.mark.parametrize(
    "quota, fraction, message",
    [
        (-1, 0.4, "daily_quota must be an integer >= 0, got -1"),
        (10.5, 0.4, "got 10.5"),
        (10, 0, r"campaign_cap_fraction must be in \(0, 1\], got 0"),
        (10, 1.5, "got 1.5"),
        (10, True, "got True"),
    ],
)
def test_invalid_policy_is_rejected_naming_the_field(quota, fraction, message):
    with pytest.raises(QuotaError, match=message):
        QuotaPolicy(quota, fraction)


def test_reservation_within_the_cap_is_granted_and_counted(tracker):
    reservation = tracker.reserve(campaign_id=1, count=30)
    assert (reservation.campaign_id, reservation.count, reservation.status, reservation.day) == (
        1,
        30,
        ReservationStatus.OPEN,
        date(2026, 3, 2),
    )
    assert tracker.status().reserved == 30
    assert tracker.campaign_remaining(1) == 10


def test_reservation_over_the_campaign_cap_is_refused_naming_the_cap(tracker):
    tracker.reserve(1, 30)
    with pytest.raises(
        QuotaExceededError,
        match=r"campaign 1 requested 11 but the campaign cap leaves 10 \(day remaining 70, campaign remaining 10\)",
    ):
        tracker.reserve(1, 11)
    assert tracker.status().reserved == 30


def test_reservation_over_the_daily_quota_is_refused_naming_the_quota(tracker):
    tracker.reserve(1, 40)
    tracker.reserve(2, 40)
    with pytest.raises(QuotaExceededError, match="campaign 3 requested 21 but the daily quota leaves 20") as caught:
        tracker.reserve(3, 21)
    assert (caught.value.day_remaining, caught.value.campaign_remaining) == (20, 40)


def test_refusal_names_the_daily_quota_when_it_leaves_as_much_as_the_campaign_cap(tracker):
    tracker.reserve(1, 40)
    tracker.reserve(2, 20)
    with pytest.raises(
        QuotaExceededError,
        match=r"^campaign 3 requested 41 but the daily quota leaves 40 \(day remaining 40, campaign remaining 40\)$",
    ):
        tracker.reserve(3, 41)


def test_partial_reservation_grants_what_is_left(tracker):
    tracker.reserve(1, 35)
    assert tracker.reserve(1, 20, partial=True).count == 5


def test_partial_reservation_with_nothing_left_is_refused(tracker):
    tracker.reserve(1, 40)
    with pytest.raises(QuotaExceededError, match="campaign cap leaves 0"):
        tracker.reserve(1, 1, partial=True)


@pytest.mark.parametrize("count", [0, -3, 2.5, True])
def test_reservation_count_must_be_a_positive_integer(tracker, count):
    with pytest.raises(QuotaError, match=f"reservation count must be a positive integer, got {count!r}"):
        tracker.reserve(1, count)


def test_commit_keeps_the_used_units_and_returns_the_rest(tracker):
    reservation = tracker.reserve(1, 30)
    committed = tracker.commit(reservation.id, used=12)
    assert (committed.status, committed.used) == (ReservationStatus.COMMITTED, 12)
    assert tracker.status().reserved == 12
    assert tracker.campaign_remaining(1) == 28


def test_commit_without_a_count_uses_the_whole_reservation(tracker):
    reservation = tracker.reserve(1, 30)
    assert tracker.commit(reservation.id).used == 30
    assert tracker.status().reserved == 30


def test_release_returns_every_unit(tracker):
    reservation = tracker.reserve(1, 30)
    assert tracker.release(reservation.id).status is ReservationStatus.RELEASED
    assert tracker.status().reserved == 0
    assert tracker.reserve(1, 40).count == 40


@pytest.mark.parametrize("used", [-1, 31, 1.5])
def test_commit_with_an_impossible_used_count_is_refused_and_keeps_the_reservation_open(tracker, used):
    reservation = tracker.reserve(1, 30)
    with pytest.raises(QuotaError, match=rf"used must be an integer in \[0, 30\] for reservation {reservation.id}"):
        tracker.commit(reservation.id, used)
    assert tracker.reservations()[0].status is ReservationStatus.OPEN
    assert tracker.status().reserved == 30


def test_settling_a_reservation_twice_is_refused_without_changing_the_ledger(tracker):
    reservation = tracker.reserve(1, 30)
    tracker.release(reservation.id)
    with pytest.raises(ReservationStateError, match=f"reservation {reservation.id} is already released"):
        tracker.release(reservation.id)
    with pytest.raises(ReservationStateError, match="already released"):
        tracker.commit(reservation.id, 5)
    assert tracker.status().reserved == 0


def test_settling_an_unknown_reservation_is_refused(tracker):
    with pytest.raises(ReservationNotFoundError, match="no quota reservation with id 999"):
        tracker.commit(999)


def test_a_new_day_starts_with_the_full_quota(tracker, clock):
    tracker.reserve(1, 40)
    tracker.reserve(2, 40)
    clock.advance(12 * 3600)  # midnight UTC
    assert tracker.today() == date(2026, 3, 3)
    assert tracker.status().remaining == 100
    assert tracker.reserve(1, 40).day == date(2026, 3, 3)
    assert tracker.status(date(2026, 3, 2)).reserved == 80


def test_the_day_rolls_over_at_midnight_in_the_trackers_time_zone(sessions):
    eastern = timezone(timedelta(hours=-5))
    clock = FakeClock(datetime(2026, 3, 3, 4, 59, tzinfo=UTC))  # 23:59 on the 2nd in UTC-5
    tracker = QuotaTracker(sessions, clock, QuotaPolicy(100), tz=eastern)
    assert tracker.today() == date(2026, 3, 2)
    clock.advance(60)
    assert tracker.today() == date(2026, 3, 3)
    assert tracker.tz is eastern


def test_releasing_yesterdays_reservation_does_not_touch_today(tracker, clock):
    old = tracker.reserve(1, 40)
    clock.advance(24 * 3600)
    tracker.reserve(1, 40)
    tracker.release(old.id)
    assert tracker.status().reserved == 40
    assert tracker.status(old.day).reserved == 0


def test_release_expired_frees_only_earlier_days_open_reservations(tracker, clock):
    stale = tracker.reserve(1, 10)
    spent = tracker.reserve(2, 10)
    tracker.commit(spent.id, 4)
    clock.advance(24 * 3600)
    fresh = tracker.reserve(1, 10)
    released = tracker.release_expired()
    assert [(item.id, item.status) for item in released] == [(stale.id, ReservationStatus.RELEASED)]
    assert tracker.status(stale.day).reserved == 4
    assert tracker.reservations()[0].id == fresh.id and tracker.reservations()[0].status is ReservationStatus.OPEN


def test_reservations_lists_the_days_reservations_oldest_first(tracker):
    first, second = tracker.reserve(1, 5), tracker.reserve(2, 6)
    assert [item.id for item in tracker.reservations()] == [first.id, second.id]


def test_a_day_not_opened_yet_shows_the_current_policy(tracker):
    status = tracker.status(date(2030, 1, 1))
    assert (status.quota, status.campaign_cap, status.reserved, status.remaining) == (100, 40, 0, 100)


def test_campaign_remaining_is_bounded_by_the_days_remaining_quota(tracker):
    tracker.reserve(1, 40)
    tracker.reserve(2, 40)
    assert tracker.campaign_remaining(3) == 20


def test_reservations_survive_a_restart_on_the_same_database(tmp_path, clock):
    url = f"sqlite:///{tmp_path / 'quota.db'}"
    first_engine = make_engine(url)
    before = QuotaTracker(make_session_factory(first_engine), clock, QuotaPolicy(100))
    held = before.reserve(1, 30)
    first_engine.dispose()

    after = QuotaTracker(make_session_factory(make_engine(url)), clock, QuotaPolicy(100))
    assert after.status().reserved == 30
    with pytest.raises(QuotaExceededError, match="campaign cap leaves 10"):
        after.reserve(1, 11)
    assert after.commit(held.id, used=10).used == 10
    assert after.status().reserved == 10


def test_an_opened_day_keeps_its_quota_when_the_policy_changes_on_restart(tmp_path, clock):
    url = f"sqlite:///{tmp_path / 'quota.db'}"
    QuotaTracker(make_session_factory(make_engine(url)), clock, QuotaPolicy(100)).reserve(1, 10)
    restarted = QuotaTracker(make_session_factory(make_engine(url)), clock, QuotaPolicy(10))
    assert (restarted.status().quota, restarted.status().campaign_cap) == (100, 40)
    assert restarted.policy == QuotaPolicy(10)
    clock.advance(24 * 3600)
    assert restarted.reserve(1, 4).count == 4
    assert restarted.status().quota == 10
