"""Daily target quota with a per-campaign cap, atomic reservations, release, rollover and persistence.

A reservation holds units of today's quota for a campaign until it is committed (the units used stay
counted, the rest go back) or released (all go back). Reserving is atomic across threads, processes and
tracker restarts: the ledger lives in the database and each reservation is granted by conditional
UPDATEs (`reserved + n <= quota`), which the database applies one at a time, so no interleaving can
over-allocate. "Today" is the injected clock's date in the tracker's time zone; the first reservation
of a new day opens it with the current policy, and an opened day keeps its quota and cap.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from datetime import UTC, date, tzinfo
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, Executable, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from d1_targeting.clock import Clock
from d1_targeting.errors import QuotaError, QuotaExceededError, ReservationNotFoundError, ReservationStateError
from d1_targeting.models import CampaignQuotaDay, QuotaDay, QuotaReservation

DEFAULT_CAMPAIGN_CAP_FRACTION = 0.4


@dataclass(frozen=True)
class QuotaPolicy:
    """How many targets a day may take, and the largest fraction of that one campaign may hold."""

    daily_quota: int
    campaign_cap_fraction: float = DEFAULT_CAMPAIGN_CAP_FRACTION

    def __post_init__(self) -> None:
        if isinstance(self.daily_quota, bool) or not isinstance(self.daily_quota, int) or self.daily_quota < 0:
            raise QuotaError(f"daily_quota must be an integer >= 0, got {self.daily_quota!r}")
        fraction = self.campaign_cap_fraction
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction <= 1:
            raise QuotaError(f"campaign_cap_fraction must be in (0, 1], got {fraction!r}")

    @property
    def campaign_cap(self) -> int:
        """floor(daily_quota x fraction), but at least 1 when the quota is positive."""
        if self.daily_quota == 0:
            return 0
        return max(1, math.floor(self.daily_quota * self.campaign_cap_fraction + 1e-9))


class ReservationStatus(StrEnum):
    OPEN = "open"
    COMMITTED = "committed"
    RELEASED = "released"


@dataclass(frozen=True)
class Reservation:
    """Units of one day's quota held by a campaign."""

    id: int
    campaign_id: int
    day: date
    count: int
    used: int
    status: ReservationStatus


@dataclass(frozen=True)
class QuotaStatus:
    """A day's quota, its per-campaign cap and how much is held (open reservations + used units)."""

    day: date
    quota: int
    campaign_cap: int
    reserved: int

    @property
    def remaining(self) -> int:
        return self.quota - self.reserved


class QuotaTracker:
    """Grants and settles reservations against the daily quota and per-campaign cap."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Clock,
        policy: QuotaPolicy,
        tz: tzinfo = UTC,
    ) -> None:
        self._sessions = session_factory
        self._clock = clock
        self._policy = policy
        self._tz = tz
        self._lock = threading.Lock()

    @property
    def policy(self) -> QuotaPolicy:
        return self._policy

    @property
    def tz(self) -> tzinfo:
        """The time zone whose midnight starts a new quota day."""
        return self._tz

    def today(self) -> date:
        """The current quota day: the clock's date in the tracker's time zone."""
        return self._clock.now().astimezone(self._tz).date()

    def status(self, day: date | None = None) -> QuotaStatus:
        """The quota of `day` (today by default); a day not opened yet shows the current policy."""
        with self._sessions() as session:
            return self._status(session, day or self.today())

    def campaign_remaining(self, campaign_id: int) -> int:
        """How much more the campaign may reserve today (its cap, bounded by the day's remaining quota)."""
        with self._sessions() as session:  # one transaction: the day and the campaign are read consistently
            status = self._status(session, self.today())
            held = session.get(CampaignQuotaDay, (status.day, campaign_id))
        return min(status.remaining, status.campaign_cap - (held.reserved if held else 0))

    def _status(self, session: Session, day: date) -> QuotaStatus:
        row = session.get(QuotaDay, day)
        if row is None:
            return QuotaStatus(day, self._policy.daily_quota, self._policy.campaign_cap, 0)
        return QuotaStatus(day, row.quota, row.campaign_cap, row.reserved)

    def reserve(self, campaign_id: int, count: int, *, partial: bool = False) -> Reservation:
        """Reserves `count` units for the campaign today, or fails with QuotaExceededError.

        With `partial=True` it grants what is available up to `count` (failing only when that is 0).
        """
        if isinstance(count, bool) or not isinstance(count, int) or count <= 0:
            raise QuotaError(f"reservation count must be a positive integer, got {count!r}")
        with self._lock, self._sessions.begin() as session:
            day = self.today()
            self._open(session, day, campaign_id)
            grant = count
            if partial:
                grant = min(count, self._available(session, day, campaign_id))
            if grant <= 0 or not self._claim(session, day, campaign_id, grant):
                raise self._exceeded(session, day, campaign_id, count)
            reservation = QuotaReservation(
                day=day,
                campaign_id=campaign_id,
                count=grant,
                used=0,
                status=ReservationStatus.OPEN.value,
                created_at=self._clock.now(),
            )
            session.add(reservation)
            session.flush()
            return _view(reservation)

    def commit(self, reservation_id: int, used: int | None = None) -> Reservation:
        """Marks `used` units (all by default) as spent and returns the rest to the day's quota."""
        with self._lock, self._sessions.begin() as session:
            reservation = self._settle(session, reservation_id, ReservationStatus.COMMITTED, used)
            return _view(reservation)

    def release(self, reservation_id: int) -> Reservation:
        """Returns every unit of an open reservation to the day's quota."""
        with self._lock, self._sessions.begin() as session:
            return _view(self._settle(session, reservation_id, ReservationStatus.RELEASED, 0))

    def release_expired(self) -> list[Reservation]:
        """Releases open reservations left over from earlier days (their day is over unused)."""
        with self._lock, self._sessions.begin() as session:
            stale = session.scalars(
                select(QuotaReservation.id)
                .where(QuotaReservation.status == ReservationStatus.OPEN.value)
                .where(QuotaReservation.day < self.today())
                .order_by(QuotaReservation.id)
            ).all()
            return [_view(self._settle(session, rid, ReservationStatus.RELEASED, 0)) for rid in stale]

    def reservations(self, day: date | None = None) -> list[Reservation]:
        """Every reservation of `day` (today by default), oldest first."""
        statement = select(QuotaReservation).where(QuotaReservation.day == (day or self.today()))
        with self._sessions() as session:
            return [_view(row) for row in session.scalars(statement.order_by(QuotaReservation.id))]

    def _open(self, session: Session, day: date, campaign_id: int) -> None:
        """Creates the day's and the campaign's ledger rows if missing (a racing creator is fine)."""
        if session.get(QuotaDay, day) is None:
            _insert_once(
                session,
                QuotaDay(day=day, quota=self._policy.daily_quota, campaign_cap=self._policy.campaign_cap, reserved=0),
            )
        if session.get(CampaignQuotaDay, (day, campaign_id)) is None:
            _insert_once(session, CampaignQuotaDay(day=day, campaign_id=campaign_id, reserved=0))

    def _available(self, session: Session, day: date, campaign_id: int) -> int:
        day_row, held = _ledger(session, day, campaign_id)
        return min(day_row.quota - day_row.reserved, day_row.campaign_cap - held.reserved)

    def _claim(self, session: Session, day: date, campaign_id: int, units: int) -> bool:
        """Adds `units` to the day's and the campaign's reserved counts only if both stay within limits.

        Both conditional UPDATEs run in one savepoint, so a refusal leaves neither count changed.
        """
        savepoint = session.begin_nested()
        day_claimed = _run_update(
            session,
            update(QuotaDay)
            .where(QuotaDay.day == day, QuotaDay.reserved + units <= QuotaDay.quota)
            .values(reserved=QuotaDay.reserved + units)
            .execution_options(synchronize_session=False),
        ).rowcount
        cap = select(QuotaDay.campaign_cap).where(QuotaDay.day == day).scalar_subquery()
        campaign_claimed = (
            day_claimed
            and _run_update(
                session,
                update(CampaignQuotaDay)
                .where(
                    CampaignQuotaDay.day == day,
                    CampaignQuotaDay.campaign_id == campaign_id,
                    CampaignQuotaDay.reserved + units <= cap,
                )
                .values(reserved=CampaignQuotaDay.reserved + units)
                .execution_options(synchronize_session=False),
            ).rowcount
        )
        if day_claimed == 1 and campaign_claimed == 1:
            savepoint.commit()
            return True
        savepoint.rollback()
        return False

    def _exceeded(self, session: Session, day: date, campaign_id: int, requested: int) -> QuotaExceededError:
        day_row, held = _ledger(session, day, campaign_id)
        return QuotaExceededError(
            campaign_id, requested, day_row.quota - day_row.reserved, day_row.campaign_cap - held.reserved
        )

    def _settle(
        self, session: Session, reservation_id: int, status: ReservationStatus, used: int | None
    ) -> QuotaReservation:
        reservation = session.get(QuotaReservation, reservation_id, populate_existing=True)
        if reservation is None:
            raise ReservationNotFoundError(f"no quota reservation with id {reservation_id}")
        used = reservation.count if used is None else used
        if isinstance(used, bool) or not isinstance(used, int) or not 0 <= used <= reservation.count:
            raise QuotaError(
                f"used must be an integer in [0, {reservation.count}] for reservation {reservation_id}, got {used!r}"
            )
        settled = _run_update(
            session,
            update(QuotaReservation)
            .where(QuotaReservation.id == reservation_id, QuotaReservation.status == ReservationStatus.OPEN.value)
            .values(status=status.value, used=used, settled_at=self._clock.now())
            .execution_options(synchronize_session=False),
        ).rowcount
        if settled != 1:
            raise ReservationStateError(f"reservation {reservation_id} is already {reservation.status}")
        returned = reservation.count - used
        session.execute(
            update(QuotaDay)
            .where(QuotaDay.day == reservation.day)
            .values(reserved=QuotaDay.reserved - returned)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(CampaignQuotaDay)
            .where(CampaignQuotaDay.day == reservation.day, CampaignQuotaDay.campaign_id == reservation.campaign_id)
            .values(reserved=CampaignQuotaDay.reserved - returned)
            .execution_options(synchronize_session=False)
        )
        session.refresh(reservation)
        return reservation


def _ledger(session: Session, day: date, campaign_id: int) -> tuple[QuotaDay, CampaignQuotaDay]:
    """The day's and the campaign's ledger rows, re-read from the database."""
    fresh = {"populate_existing": True}
    day_row = session.scalars(select(QuotaDay).where(QuotaDay.day == day).execution_options(**fresh)).one()
    held = session.scalars(
        select(CampaignQuotaDay)
        .where(CampaignQuotaDay.day == day, CampaignQuotaDay.campaign_id == campaign_id)
        .execution_options(**fresh)
    ).one()
    return day_row, held


def _insert_once(session: Session, row: QuotaDay | CampaignQuotaDay) -> None:
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        pass  # another writer created the same row first; theirs is equivalent


def _view(row: QuotaReservation) -> Reservation:
    return Reservation(row.id, row.campaign_id, row.day, row.count, row.used, ReservationStatus(row.status))


def _run_update(session: Session, statement: Executable) -> CursorResult[*tuple[Any, ...]]:
    """Runs an UPDATE; its result is a CursorResult, whose rowcount says how many rows it changed."""
    return cast(CursorResult[*tuple[Any, ...]], session.execute(statement))
