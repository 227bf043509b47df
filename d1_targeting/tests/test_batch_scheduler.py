import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from d1_targeting import (
    BatchScheduler,
    Campaign,
    GeoScope,
    QuotaPolicy,
    QuotaTracker,
    ScheduleConfig,
    SchedulingError,
    StateConstraint,
    Target,
    UniverseManager,
    UniverseSpec,
    make_engine,
    make_session_factory,
    priority_score,
    universe_members,
)
from d1_targeting.priority import MAX_IDLE_DAYS
from testing import FakeClock, seeded_faker
from testing.targeting import CampaignBuilder, TargetBuilder, empty_memory_database

MONDAY_8AM = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
MONDAY = date(2026, 3, 2)
MAX_CAMPAIGN_TARGETS = 40


class World:
    """A database with universes, campaigns and targets, plus the quota tracker and scheduler under test."""

    def __init__(self, sessions, clock, quota=50, batch_size=10, seed="world"):
        self.sessions = sessions
        self.clock = clock
        self.targets = TargetBuilder(seeded_faker(seed))
        self.campaigns = CampaignBuilder(seeded_faker(seed))
        self.universes = UniverseManager(sessions, clock)
        self.quota = QuotaTracker(sessions, clock, QuotaPolicy(quota))
        self.scheduler = BatchScheduler(sessions, self.quota, clock, ScheduleConfig(batch_size=batch_size))

    def campaign(self, state, targets, weight=1.0, vertical="hvac"):
        with self.sessions.begin() as session:
            session.add_all(self._new_targets(targets, state, vertical))
        name = f"{state} {vertical} #{len(self.universes.universes()) + 1}"
        universe = self.universes.create(UniverseSpec(name, (vertical,), GeoScope((StateConstraint(state),))))
        with self.sessions.begin() as session:
            campaign = self.campaigns.build(universe.id, priority_weight=weight)
            session.add(campaign)
        return campaign.id

    def _new_targets(self, count, state, vertical):
        return self.targets.build_many(count, state=state, vertical=vertical)


class PooledWorld(World):
    """A World whose campaigns get copies of targets built once per process (Faker costs ~1 ms a target,
    and a property test adds hundreds; what it checks depends on how many targets there are, not which)."""

    def _new_targets(self, count, state, vertical):
        return [Target(**fields) for fields in _target_pool(state, vertical)[:count]]


@cache
def _target_pool(state, vertical):
    """The column values of MAX_CAMPAIGN_TARGETS built targets (None left out, so column defaults apply)."""
    builder = TargetBuilder(seeded_faker(f"pool {state} {vertical}"))
    built = builder.build_many(MAX_CAMPAIGN_TARGETS, state=state, vertical=vertical)
    columns = [column.key for column in Target.__table__.columns if column.key != "id"]
    return tuple({key: getattr(target, key) for key in columns if getattr(target, key) is not None} for target in built)


def _slot(batch):
    return batch.campaign_id, batch.sequence


@pytest.fixture
def clock():
    return FakeClock(MONDAY_8AM)


@pytest.fixture
def world(sessions, clock):
    return World(sessions, clock)


def test_the_days_quota_is_split_by_priority_within_each_campaigns_cap(world):
    big, mid, small = (
        world.campaign("TX", 40, weight=4.0),
        world.campaign("OH", 40, weight=1.0),
        world.campaign("NY", 40, weight=0.5),
    )
    plan = world.scheduler.run()
    allocated = {item.campaign_id: item.allocated for item in plan.allocations}
    assert sum(allocated.values()) == 50
    assert allocated[big] == 20  # capped at 40% of 50
    assert allocated[mid] > allocated[small] > 0
    assert world.quota.status().reserved == 50


def test_a_campaign_never_scheduled_scores_with_the_full_idle_boost_when_created_long_ago(world):
    world.campaign("TX", 10, weight=1.5)  # created 2026-01-01, two months before the run
    (allocation,) = world.scheduler.run().allocations
    assert allocation.score == priority_score(1.5, 10, MAX_IDLE_DAYS)


def test_a_campaign_scheduled_yesterday_scores_one_idle_day_when_run_again_today(world, clock):
    world.campaign("TX", 40, weight=1.5)
    world.scheduler.run()
    clock.advance(24 * 3600)
    (allocation,) = world.scheduler.run().allocations
    assert allocation.score == priority_score(1.5, allocation.demand, 1)


def test_batches_have_the_configured_size_and_are_spread_across_the_window(world):
    campaign_id = world.campaign("TX", 25)
    plan = world.scheduler.run()
    batches = [batch for batch in plan.batches if batch.campaign_id == campaign_id]
    assert [len(batch.target_ids) for batch in batches] == [10, 10]
    assert [batch.sequence for batch in batches] == [1, 2]
    assert [batch.scheduled_at for batch in batches] == [
        datetime(2026, 3, 2, 9, tzinfo=UTC),
        datetime(2026, 3, 2, 13, tzinfo=UTC),
    ]


def test_batched_targets_belong_to_the_campaigns_universe_and_are_never_repeated(world, clock):
    campaign_id = world.campaign("TX", 30)
    first = world.scheduler.run()
    clock.advance(24 * 3600)
    second = world.scheduler.run()
    batched = [target for plan in (first, second) for batch in plan.batches for target in batch.target_ids]
    assert len(batched) == len(set(batched)) == 30
    with world.sessions() as session:
        universe = session.get(Campaign, campaign_id).universe
        assert set(batched) == {target.id for target in universe_members(session, universe)}


def test_running_twice_on_the_same_day_creates_no_duplicates(world):
    world.campaign("TX", 30)
    world.campaign("OH", 30)
    first = world.scheduler.run()
    second = world.scheduler.run()
    assert second.batches == () and second.allocations == ()
    assert second.already_scheduled == tuple(sorted({batch.campaign_id for batch in first.batches}))
    assert world.scheduler.batches_for(MONDAY) == list(first.batches)
    assert world.quota.status().reserved == 40


def test_a_campaign_added_later_in_the_day_gets_the_quota_that_is_left(world):
    first = world.campaign("TX", 15)
    world.scheduler.run()
    later = world.campaign("OH", 100)
    plan = world.scheduler.run()
    assert plan.already_scheduled == (first,)
    assert [(item.campaign_id, item.allocated) for item in plan.allocations] == [(later, 20)]


def test_quota_a_campaign_cannot_use_flows_to_the_others(world):
    starved = world.campaign("TX", 3, weight=10.0)
    others = [world.campaign("OH", 100), world.campaign("NY", 100)]
    allocated = {item.campaign_id: item.allocated for item in world.scheduler.run().allocations}
    assert allocated[starved] == 3
    assert sum(allocated[campaign_id] for campaign_id in others) == 40  # both capped at 20


def test_campaigns_without_targets_left_get_nothing_and_reserve_nothing(world):
    empty = world.campaign("TX", 0)
    plan = world.scheduler.run()
    assert [(item.campaign_id, item.score, item.allocated) for item in plan.allocations] == [(empty, 0.0, 0)]
    assert world.quota.reservations() == []


def test_inactive_campaigns_and_universes_are_not_scheduled(world):
    paused, retired, live = world.campaign("TX", 10), world.campaign("OH", 10), world.campaign("NY", 10)
    with world.sessions.begin() as session:
        session.get(Campaign, paused).active = False
        retired_universe = session.get(Campaign, retired).universe_id
    world.universes.deactivate(retired_universe)
    assert [item.campaign_id for item in world.scheduler.run().allocations] == [live]


def test_only_what_other_consumers_left_of_the_quota_is_split(world):
    world.campaign("TX", 100)
    world.quota.reserve(campaign_id=999, count=20)
    world.quota.reserve(campaign_id=998, count=20)
    plan = world.scheduler.run()
    assert plan.allocations[0].allocated == 10
    assert world.quota.status().remaining == 0


def test_units_a_campaign_could_not_fill_are_committed_as_used_only(world):
    world.campaign("TX", 7)
    world.scheduler.run()
    (reservation,) = world.quota.reservations()
    assert (reservation.count, reservation.used, reservation.status.value) == (7, 7, "committed")


def test_no_batches_once_the_window_has_closed(world, clock):
    world.campaign("TX", 10)
    clock.advance(9 * 3600)  # 17:00
    plan = world.scheduler.run()
    assert plan.window_closed and plan.batches == () and plan.allocations == ()
    assert world.quota.status().reserved == 0


def test_campaigns_scheduled_earlier_today_are_listed_when_the_window_has_closed(world, clock):
    scheduled = world.campaign("TX", 10)
    world.scheduler.run()
    clock.advance(9 * 3600)  # 17:00
    plan = world.scheduler.run()
    assert (plan.window_closed, plan.already_scheduled) == (True, (scheduled,))


def test_batches_start_now_when_the_run_happens_mid_window(world, clock):
    world.campaign("TX", 20)
    clock.advance(5 * 3600)  # 13:00, window ends 17:00
    times = [batch.scheduled_at for batch in world.scheduler.run().batches]
    assert times == [datetime(2026, 3, 2, 13, tzinfo=UTC), datetime(2026, 3, 2, 15, tzinfo=UTC)]


def test_window_is_read_in_the_quota_trackers_time_zone(sessions):
    eastern = timezone(timedelta(hours=-5))
    clock = FakeClock(datetime(2026, 3, 2, 13, 0, tzinfo=UTC))  # 08:00 in UTC-5
    world = World(sessions, clock)
    world.quota = QuotaTracker(sessions, clock, QuotaPolicy(50), tz=eastern)
    world.scheduler = BatchScheduler(sessions, world.quota, clock, ScheduleConfig(batch_size=50))
    world.campaign("TX", 5)
    (batch,) = world.scheduler.run().batches
    assert batch.scheduled_at == datetime(2026, 3, 2, 9, tzinfo=eastern)


def test_a_campaign_scheduled_today_is_recorded_for_its_idle_boost(world, clock):
    campaign_id = world.campaign("TX", 100)
    world.scheduler.run()
    with world.sessions() as session:
        assert session.get(Campaign, campaign_id).last_scheduled_on == MONDAY


def test_two_schedulers_running_at_once_never_duplicate_a_days_batches(tmp_path):
    url = f"sqlite:///{tmp_path / 'targeting.db'}"
    clock = FakeClock(MONDAY_8AM)
    worlds = [World(make_session_factory(make_engine(url)), clock, seed="race") for _ in range(2)]
    campaign_ids = [worlds[0].campaign(state, 30) for state in ("TX", "OH", "NY")]
    start = threading.Barrier(2)

    def run(world):
        start.wait()
        return world.scheduler.run()

    with ThreadPoolExecutor(max_workers=2) as pool:
        plans = list(pool.map(run, worlds))
    batches = worlds[0].scheduler.batches_for(MONDAY)
    assert sorted((batch for plan in plans for batch in plan.batches), key=_slot) == batches
    assert sorted({batch.campaign_id for batch in batches}) == campaign_ids
    assert len({(batch.campaign_id, batch.sequence) for batch in batches}) == len(batches)
    for campaign_id in campaign_ids:
        targets = [target for batch in batches if batch.campaign_id == campaign_id for target in batch.target_ids]
        assert len(targets) == len(set(targets))
    # The loser of a race hands its units back: every unit held is in a batch, and none is over the quota.
    batched = sum(len(batch.target_ids) for batch in batches)
    assert batched == worlds[1].quota.status().reserved <= 50
    assert all(item.status.value != "open" for item in worlds[1].quota.reservations())


class _TrackerWithRival(QuotaTracker):
    """A tracker that calls `rival` just before this scheduler reserves for `victim`: another writer acting
    between the scheduler's read of the day and its reservation, a race the scheduler must survive, made
    certain."""

    def __init__(self, sessions, clock, policy, victim, rival):
        super().__init__(sessions, clock, policy)
        self._victim, self._rival = victim, rival

    def reserve(self, campaign_id, count, *, partial=False):
        if campaign_id == self._victim:
            self._rival()
        return super().reserve(campaign_id, count, partial=partial)


def test_campaign_whose_quota_another_writer_took_is_skipped_when_the_scheduler_reserves(sessions, clock):
    world = World(sessions, clock, quota=10)
    victim = world.campaign("TX", 20)
    other = QuotaTracker(sessions, clock, QuotaPolicy(10))

    def take_the_rest():
        other.reserve(victim, min(other.status().remaining, other.campaign_remaining(victim)), partial=True)

    racing = _TrackerWithRival(sessions, clock, QuotaPolicy(10), victim, take_the_rest)
    plan = BatchScheduler(sessions, racing, clock, ScheduleConfig(batch_size=10)).run()
    assert [batch.campaign_id for batch in plan.batches] == []
    assert racing.status().reserved == other.status().reserved == 4  # the other writer's hold, capped at 40%
    assert [item.campaign_id for item in racing.reservations()] == [victim]


def test_campaign_another_scheduler_batched_after_our_read_is_skipped_and_its_units_released(sessions, clock):
    world = World(sessions, clock, quota=100)
    victim = world.campaign("TX", 20)
    rival_plans = []
    racing = _TrackerWithRival(
        sessions, clock, QuotaPolicy(100), victim, lambda: rival_plans.append(world.scheduler.run())
    )
    plan = BatchScheduler(sessions, racing, clock, ScheduleConfig(batch_size=10)).run()
    (rival_plan,) = rival_plans
    assert plan.batches == ()
    assert [len(batch.target_ids) for batch in rival_plan.batches] == [10, 10]
    assert world.scheduler.batches_for(MONDAY) == list(rival_plan.batches)
    # Our reservation was granted (the campaign cap of 40 left room for it) and then handed back unused.
    assert [(item.count, item.used, item.status.value) for item in racing.reservations()] == [
        (20, 20, "committed"),
        (20, 0, "released"),
    ]
    assert racing.status().reserved == 20


@pytest.mark.parametrize(
    "config, message",
    [
        (dict(batch_size=0), "batch_size must be a positive integer, got 0"),
        (dict(batch_size=2.5), "got 2.5"),
        (
            dict(window_start=time(17), window_end=time(9)),
            "schedule window must start before it ends, got 17:00:00-09:00:00",
        ),
    ],
)
def test_invalid_schedule_config_is_rejected(config, message):
    with pytest.raises(SchedulingError, match=message):
        ScheduleConfig(**config)


@settings(max_examples=15, deadline=None)
@given(
    quota=st.integers(1, 120),
    batch_size=st.integers(1, 15),
    campaigns=st.lists(
        st.tuples(st.sampled_from(["TX", "OH", "NY", "CA"]), st.integers(0, MAX_CAMPAIGN_TARGETS), st.floats(0, 5)),
        min_size=1,
        max_size=4,
    ),
)
def test_any_day_is_scheduled_within_quota_caps_and_batch_size(quota, batch_size, campaigns):
    sessions = empty_memory_database()
    world = PooledWorld(sessions, FakeClock(MONDAY_8AM), quota=quota, batch_size=batch_size)
    ids = [world.campaign(state, targets, weight, vertical="hvac") for state, targets, weight in campaigns]
    plan = world.scheduler.run()
    cap = QuotaPolicy(quota).campaign_cap
    allocated = {item.campaign_id: item.allocated for item in plan.allocations}
    capacity = sum(min(item.demand, cap) for item in plan.allocations if item.score > 0)
    assert sum(allocated.values()) == min(quota, capacity) == world.quota.status().reserved
    assert all(allocated[campaign_id] <= cap for campaign_id in ids)
    for campaign_id in ids:
        batches = [batch for batch in plan.batches if batch.campaign_id == campaign_id]
        assert sum(len(batch.target_ids) for batch in batches) == allocated[campaign_id]
        assert all(1 <= len(batch.target_ids) <= batch_size for batch in batches)
    assert world.scheduler.run().batches == ()
