"""Reservations never exceed the daily quota or a campaign's cap, whatever the interleaving."""

import asyncio
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, multiple, rule

from d1_targeting import (
    QuotaExceededError,
    QuotaPolicy,
    QuotaTracker,
    ReservationStateError,
    make_engine,
    make_session_factory,
)
from testing import FakeClock
from testing.targeting import empty_database_file, empty_memory_database, quota_policies

requests = st.lists(st.tuples(st.integers(1, 4), st.integers(1, 30), st.booleans()), min_size=1, max_size=12)


def _attempt(tracker, campaign_id, count, partial):
    try:
        return tracker.reserve(campaign_id, count, partial=partial)
    except QuotaExceededError:
        return None


def _assert_within_limits(tracker, granted):
    policy = tracker.policy
    assert sum(item.count for item in granted) == tracker.status().reserved <= policy.daily_quota
    for campaign_id in {item.campaign_id for item in granted}:
        assert sum(item.count for item in granted if item.campaign_id == campaign_id) <= policy.campaign_cap


@settings(max_examples=20, deadline=None)
@given(quota_policies(max_quota=120), requests)
def test_threads_reserving_at_once_never_over_allocate(policy, batch):
    tracker = QuotaTracker(empty_memory_database(), FakeClock(), policy)
    start = threading.Barrier(len(batch))

    def reserve(request):
        start.wait()
        return _attempt(tracker, *request)

    with ThreadPoolExecutor(max_workers=len(batch)) as pool:
        granted = [item for item in pool.map(reserve, batch) if item is not None]
    _assert_within_limits(tracker, granted)


@settings(max_examples=10, deadline=None)
@given(quota_policies(max_quota=120), requests)
def test_two_trackers_on_one_database_file_never_over_allocate(policy, batch):
    with tempfile.TemporaryDirectory() as folder:
        url = empty_database_file(Path(folder))
        clock = FakeClock()
        engines = [make_engine(url), make_engine(url)]
        trackers = [QuotaTracker(make_session_factory(engine), clock, policy) for engine in engines]
        start = threading.Barrier(len(batch))

        def reserve(indexed):
            index, request = indexed
            start.wait()
            return _attempt(trackers[index % 2], *request)

        with ThreadPoolExecutor(max_workers=len(batch)) as pool:
            granted = [item for item in pool.map(reserve, enumerate(batch)) if item is not None]
        _assert_within_limits(trackers[0], granted)
        for engine in engines:
            engine.dispose()


@settings(max_examples=20, deadline=None)
@given(quota_policies(max_quota=120), requests, st.lists(st.integers(0, 3), min_size=12, max_size=12))
def test_asyncio_tasks_in_any_completion_order_never_over_allocate(policy, batch, yields):
    tracker = QuotaTracker(empty_memory_database(), FakeClock(), policy)

    async def worker(request, turns):
        for _ in range(turns):
            await asyncio.sleep(0)  # Hypothesis picks how many turns each task waits before reserving
        return await asyncio.to_thread(_attempt, tracker, *request)

    async def main():
        return await asyncio.gather(*(worker(request, turns) for request, turns in zip(batch, yields, strict=False)))

    granted = [item for item in asyncio.run(main()) if item is not None]
    _assert_within_limits(tracker, granted)


class QuotaLedgerMachine(RuleBasedStateMachine):
    """Two workers (trackers on one database file) interleave reserve/commit/release/restart/rollover;
    the ledger must always match a simple model and never pass the quota or a cap."""

    reservations = Bundle("reservations")
    settled = Bundle("settled")

    def __init__(self):
        super().__init__()
        self.folder = tempfile.TemporaryDirectory()
        self.url = empty_database_file(Path(self.folder.name))
        self.clock = FakeClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
        self.policy = QuotaPolicy(daily_quota=50)
        self.engines = [make_engine(self.url), make_engine(self.url)]
        self.trackers = [self._tracker(engine) for engine in self.engines]
        self.held = {}  # reservation id -> (day, campaign id, units still counted)

    def _tracker(self, engine):
        return QuotaTracker(make_session_factory(engine), self.clock, self.policy)

    @rule(
        target=reservations,
        worker=st.integers(0, 1),
        campaign_id=st.integers(1, 3),
        count=st.integers(1, 25),
        partial=st.booleans(),
    )
    def reserve(self, worker, campaign_id, count, partial):
        reservation = _attempt(self.trackers[worker], campaign_id, count, partial)
        if reservation is None:
            return multiple()
        assert reservation.count <= count and (partial or reservation.count == count)
        self.held[reservation.id] = (reservation.day, campaign_id, reservation.count)
        return reservation.id

    @rule(target=settled, worker=st.integers(0, 1), reservation_id=consumes(reservations), share=st.floats(0, 1))
    def commit(self, worker, reservation_id, share):
        day, campaign_id, count = self.held[reservation_id]
        used = int(count * share)
        assert self.trackers[worker].commit(reservation_id, used).used == used
        self.held[reservation_id] = (day, campaign_id, used)
        return reservation_id

    @rule(target=settled, worker=st.integers(0, 1), reservation_id=consumes(reservations))
    def release(self, worker, reservation_id):
        self.trackers[worker].release(reservation_id)
        day, campaign_id, _ = self.held[reservation_id]
        self.held[reservation_id] = (day, campaign_id, 0)
        return reservation_id

    @rule(worker=st.integers(0, 1), reservation_id=settled)
    def settling_again_is_refused(self, worker, reservation_id):
        with pytest.raises(ReservationStateError, match=f"reservation {reservation_id} is already"):
            self.trackers[worker].release(reservation_id)

    @rule(worker=st.integers(0, 1))
    def restart(self, worker):
        self.engines[worker].dispose()
        self.engines[worker] = make_engine(self.url)
        self.trackers[worker] = self._tracker(self.engines[worker])

    @rule(hours=st.integers(1, 30))
    def advance_clock(self, hours):
        self.clock.advance(hours * 3600)

    @invariant()
    def ledger_matches_the_model_and_stays_within_limits(self):
        tracker = self.trackers[0]
        status = tracker.status()  # one read: nothing else runs while an invariant is checked
        todays = [(campaign_id, units) for held_day, campaign_id, units in self.held.values() if held_day == status.day]
        assert status.reserved == sum(units for _, units in todays) <= self.policy.daily_quota
        for campaign_id in (1, 2, 3):
            held = sum(units for owner, units in todays if owner == campaign_id)
            assert held <= self.policy.campaign_cap
            assert tracker.campaign_remaining(campaign_id) == min(status.remaining, self.policy.campaign_cap - held)

    def teardown(self):
        for engine in self.engines:
            engine.dispose()
        self.folder.cleanup()


TestQuotaLedgerUnderAnyInterleaving = QuotaLedgerMachine.TestCase
TestQuotaLedgerUnderAnyInterleaving.settings = settings(max_examples=15, stateful_step_count=12, deadline=None)
