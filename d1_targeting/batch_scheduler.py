"""Daily batch scheduling: score campaigns, split the day's quota fairly, cut batches inside a window.

One run, for the quota tracker's current day:
1. Reads each active campaign (with an active universe) that has no batches today, the targets of its
   universe it has never batched (its demand), and its priority score (d1_targeting.priority).
2. Splits what is left of the day's quota by score (d1_targeting.fair_split), each campaign limited by
   its demand and its remaining per-campaign cap.
3. Reserves each share from the quota tracker, writes batches of `batch_size` targets spread evenly from
   max(window start, now) to the window end, then commits the reservations (or releases them on failure).
Running it again the same day schedules nothing for campaigns that already have batches, and a target is
never batched twice for one campaign (a unique constraint backs both), so the run is idempotent.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from math import ceil

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from d1_targeting.clock import Clock
from d1_targeting.errors import QuotaExceededError, SchedulingError
from d1_targeting.fair_split import Claim, fair_split
from d1_targeting.models import BatchTarget, Campaign, DailyBatch, TargetUniverse
from d1_targeting.priority import idle_days, priority_score
from d1_targeting.quota_tracker import QuotaTracker, Reservation
from d1_targeting.universe_membership import universe_members


@dataclass(frozen=True)
class ScheduleConfig:
    """Targets per batch and the local time window (in the quota tracker's time zone) batches go in."""

    batch_size: int = 50
    window_start: time = time(9, 0)
    window_end: time = time(17, 0)

    def __post_init__(self) -> None:
        if isinstance(self.batch_size, bool) or not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise SchedulingError(f"batch_size must be a positive integer, got {self.batch_size!r}")
        if self.window_start >= self.window_end:
            raise SchedulingError(
                "schedule window must start before it ends, got "
                f"{self.window_start.isoformat()}-{self.window_end.isoformat()}"
            )


@dataclass(frozen=True)
class ScheduledBatch:
    """A batch as scheduled: which campaign, which day and slot, when, and its targets."""

    campaign_id: int
    batch_date: date
    sequence: int
    scheduled_at: datetime
    target_ids: tuple[int, ...]


@dataclass(frozen=True)
class CampaignAllocation:
    """How one campaign fared in a run: its score, its demand and the units it was given."""

    campaign_id: int
    score: float
    demand: int
    allocated: int


@dataclass(frozen=True)
class SchedulePlan:
    """The outcome of one run: allocations, new batches, and campaigns already scheduled today."""

    day: date
    allocations: tuple[CampaignAllocation, ...]
    batches: tuple[ScheduledBatch, ...]
    already_scheduled: tuple[int, ...]
    window_closed: bool = False


class BatchScheduler:
    """Turns the day's quota into batches for the active campaigns."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        quota: QuotaTracker,
        clock: Clock,
        config: ScheduleConfig | None = None,
    ) -> None:
        self._sessions = session_factory
        self._quota = quota
        self._clock = clock
        self._config = config or ScheduleConfig()
        self._lock = threading.Lock()

    def run(self) -> SchedulePlan:
        """Schedules today's batches for every campaign not yet scheduled today (see module docs)."""
        with self._lock:
            day = self._quota.today()
            start, end = self._window(day)
            if start >= end:
                return SchedulePlan(day, (), (), self._scheduled_campaigns(day), window_closed=True)
            allocations, demand, already = self._allocate(day)
            reservations = self._reserve(allocations)
            try:
                batches = self._write_batches(day, start, end, reservations, demand)
            except BaseException:
                for reservation in reservations.values():
                    self._quota.release(reservation.id)
                raise
            for reservation in reservations.values():
                used = sum(len(batch.target_ids) for batch in batches if batch.campaign_id == reservation.campaign_id)
                if used:
                    self._quota.commit(reservation.id, used)
                else:
                    self._quota.release(reservation.id)
            granted = {campaign_id: reservation.count for campaign_id, reservation in reservations.items()}
            final = tuple(
                CampaignAllocation(item.campaign_id, item.score, item.demand, granted.get(item.campaign_id, 0))
                for item in allocations
            )
            return SchedulePlan(day, final, tuple(batches), already)

    def batches_for(self, day: date) -> list[ScheduledBatch]:
        """Every batch of `day`, by campaign and sequence."""
        statement = (
            select(DailyBatch)
            .where(DailyBatch.batch_date == day)
            .options(selectinload(DailyBatch.members))
            .order_by(DailyBatch.campaign_id, DailyBatch.sequence)
        )
        with self._sessions() as session:
            return [_view(batch) for batch in session.scalars(statement)]

    def _window(self, day: date) -> tuple[datetime, datetime]:
        tz = self._quota.tz
        opens = datetime.combine(day, self._config.window_start, tzinfo=tz)
        closes = datetime.combine(day, self._config.window_end, tzinfo=tz)
        return max(opens, self._clock.now()), closes

    def _scheduled_campaigns(self, day: date) -> tuple[int, ...]:
        with self._sessions() as session:
            return _scheduled_campaigns(session, day)

    def _allocate(self, day: date) -> tuple[list[CampaignAllocation], dict[int, list[int]], tuple[int, ...]]:
        statement = (
            select(Campaign)
            .join(Campaign.universe)
            .where(Campaign.active.is_(True), TargetUniverse.active.is_(True))
            .options(selectinload(Campaign.universe))
            .order_by(Campaign.id)
        )
        with self._sessions() as session:
            already = _scheduled_campaigns(session, day)
            demand: dict[int, list[int]] = {}
            scores: dict[int, float] = {}
            for campaign in session.scalars(statement):
                if campaign.id in already:
                    continue
                batched = set(
                    session.scalars(select(BatchTarget.target_id).where(BatchTarget.campaign_id == campaign.id))
                )
                demand[campaign.id] = [
                    t.id for t in universe_members(session, campaign.universe) if t.id not in batched
                ]
                created_on = campaign.created_at.astimezone(self._quota.tz).date()
                waited = idle_days(day, campaign.last_scheduled_on, created_on)
                scores[campaign.id] = priority_score(campaign.priority_weight, len(demand[campaign.id]), waited)
        claims = {
            campaign_id: Claim(scores[campaign_id], min(len(ids), max(0, self._quota.campaign_remaining(campaign_id))))
            for campaign_id, ids in demand.items()
        }
        shares = fair_split(max(0, self._quota.status().remaining), claims)
        allocations = [
            CampaignAllocation(campaign_id, scores[campaign_id], len(demand[campaign_id]), shares[campaign_id])
            for campaign_id in demand
        ]
        return allocations, demand, already

    def _reserve(self, allocations: Sequence[CampaignAllocation]) -> dict[int, Reservation]:
        reservations: dict[int, Reservation] = {}
        for allocation in allocations:
            if allocation.allocated == 0:
                continue
            try:
                reservations[allocation.campaign_id] = self._quota.reserve(
                    allocation.campaign_id, allocation.allocated, partial=True
                )
            except QuotaExceededError:
                continue  # another writer took the rest of the quota since we read it
        return reservations

    def _write_batches(
        self,
        day: date,
        start: datetime,
        end: datetime,
        reservations: dict[int, Reservation],
        demand: dict[int, list[int]],
    ) -> list[ScheduledBatch]:
        size = self._config.batch_size
        created: list[DailyBatch] = []
        with self._sessions.begin() as session:
            already = set(_scheduled_campaigns(session, day))
            for campaign_id, reservation in reservations.items():
                if campaign_id in already:
                    continue
                chosen = demand[campaign_id][: reservation.count]
                count = ceil(len(chosen) / size)
                for index in range(count):
                    members = chosen[index * size : (index + 1) * size]
                    batch = DailyBatch(
                        campaign_id=campaign_id,
                        batch_date=day,
                        sequence=index + 1,
                        scheduled_at=start + (end - start) * index / count,
                        size=len(members),
                        members=[BatchTarget(target_id=target_id, campaign_id=campaign_id) for target_id in members],
                    )
                    session.add(batch)
                    created.append(batch)
                session.get_one(Campaign, campaign_id).last_scheduled_on = day
            session.flush()
            return [_view(batch) for batch in created]


def _scheduled_campaigns(session: Session, day: date) -> tuple[int, ...]:
    return tuple(
        session.scalars(
            select(DailyBatch.campaign_id)
            .where(DailyBatch.batch_date == day)
            .distinct()
            .order_by(DailyBatch.campaign_id)
        )
    )


def _view(batch: DailyBatch) -> ScheduledBatch:
    return ScheduledBatch(
        batch.campaign_id,
        batch.batch_date,
        batch.sequence,
        batch.scheduled_at,
        tuple(sorted(member.target_id for member in batch.members)),
    )
