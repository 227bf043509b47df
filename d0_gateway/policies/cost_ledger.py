"""Cost ledger: every provider call's cost and outcome, stored through SQLAlchemy (SQLite by default).

Costs are stored as integer micro-dollars so sums are exact on every database (SQLite has no decimal).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import BigInteger, Date, Engine, Integer, Select, String, create_engine, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.pool import StaticPool

from d0_gateway.clock import Clock, SystemClock
from d0_gateway.errors import GatewayError
from d0_gateway.sql_types import UtcDateTime

_MICROS = Decimal(1_000_000)


class LedgerError(GatewayError, ValueError):
    """A ledger entry or query is invalid; names the argument and value."""


class Outcome(enum.StrEnum):
    """How a call ended."""

    SUCCESS = "success"
    CACHE_HIT = "cache_hit"
    FAILED = "failed"
    BLOCKED_BUDGET = "blocked_budget"
    CIRCUIT_OPEN = "circuit_open"
    RATE_LIMITED = "rate_limited"


class LedgerBase(DeclarativeBase):
    """Declarative base of the gateway's tables."""


class LedgerRow(LedgerBase):
    __tablename__ = "gateway_cost_ledger"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    provider: Mapped[str] = mapped_column(String(64), index=True)
    operation: Mapped[str] = mapped_column(String(64))
    cost_micros: Mapped[int] = mapped_column(BigInteger)
    outcome: Mapped[str] = mapped_column(String(32))
    campaign_id: Mapped[str | None] = mapped_column(String(128), index=True)
    status_code: Mapped[int | None] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    day: Mapped[date] = mapped_column(Date, index=True)


@dataclass(frozen=True)
class LedgerEntry:
    """One recorded call, as read back from the ledger."""

    provider: str
    operation: str
    cost: Decimal
    outcome: Outcome
    campaign_id: str | None
    status_code: int | None
    occurred_at: datetime
    day: date


def to_micros(cost: Decimal) -> int:
    """Dollars as integer micro-dollars (half-up rounding)."""
    return int((Decimal(cost) * _MICROS).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_micros(micros: int) -> Decimal:
    """Integer micro-dollars back to dollars."""
    return (Decimal(micros) / _MICROS).normalize() if micros else Decimal(0)


def month_bounds(day: date) -> tuple[date, date]:
    """First day of `day`'s month and first day of the next month."""
    first = day.replace(day=1)
    following = (
        first.replace(year=first.year + 1, month=1) if first.month == 12 else first.replace(month=first.month + 1)
    )
    return first, following


class CostLedger:
    """Records calls and answers spend queries by provider, campaign, day and month."""

    def __init__(self, engine: Engine | None = None, *, clock: Clock | None = None) -> None:
        self.engine = engine if engine is not None else in_memory_engine()
        self._clock = clock or SystemClock()
        LedgerBase.metadata.create_all(self.engine)

    @classmethod
    def from_url(cls, url: str, *, clock: Clock | None = None) -> CostLedger:
        """A ledger on the database at `url` (e.g. sqlite:///ledger.db or a PostgreSQL URL)."""
        engine = in_memory_engine() if url in ("sqlite://", "sqlite:///:memory:") else create_engine(url)
        return cls(engine, clock=clock)

    def record(
        self,
        provider: str,
        operation: str,
        cost: Decimal,
        outcome: Outcome,
        *,
        campaign_id: str | None = None,
        status_code: int | None = None,
    ) -> LedgerEntry:
        """Writes one entry in its own transaction and returns it."""
        if not provider or not operation:
            raise LedgerError(f"ledger entry needs a provider and an operation (got {provider!r}, {operation!r})")
        cost = Decimal(cost)
        if not cost.is_finite() or cost < 0:
            raise LedgerError(f"{provider} {operation}: cost must be a finite amount >= 0, got {cost}")
        now = self._clock.now().astimezone(UTC)
        row = LedgerRow(
            provider=provider,
            operation=operation,
            cost_micros=to_micros(cost),
            outcome=Outcome(outcome).value,
            campaign_id=campaign_id,
            status_code=status_code,
            occurred_at=now,
            day=now.date(),
        )
        with Session(self.engine) as session, session.begin():
            session.add(row)
            entry = _entry(row)
        return entry

    def total(
        self,
        *,
        provider: str | None = None,
        campaign_id: str | None = None,
        day: date | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> Decimal:
        """Total spend matching every filter given (`start` inclusive, `end` exclusive)."""
        query = self._filtered(
            select(func.coalesce(func.sum(LedgerRow.cost_micros), 0)), provider, campaign_id, day, start, end
        )
        with Session(self.engine) as session:
            return from_micros(int(session.scalar(query) or 0))

    def month_total(self, day: date, *, provider: str | None = None, campaign_id: str | None = None) -> Decimal:
        """Total spend in the calendar month containing `day`."""
        start, end = month_bounds(day)
        return self.total(provider=provider, campaign_id=campaign_id, start=start, end=end)

    def entries(
        self,
        *,
        provider: str | None = None,
        campaign_id: str | None = None,
        day: date | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> list[LedgerEntry]:
        """Entries matching every filter given, oldest first."""
        query = self._filtered(select(LedgerRow), provider, campaign_id, day, start, end).order_by(LedgerRow.id)
        with Session(self.engine) as session:
            return [_entry(row) for row in session.scalars(query)]

    def daily_totals(self, *, provider: str | None = None, campaign_id: str | None = None) -> dict[date, Decimal]:
        """Spend per UTC day, for the filters given."""
        query = self._filtered(
            select(LedgerRow.day, func.sum(LedgerRow.cost_micros)), provider, campaign_id, None, None, None
        )
        with Session(self.engine) as session:
            rows = session.execute(query.group_by(LedgerRow.day).order_by(LedgerRow.day)).all()
        return {row[0]: from_micros(int(row[1])) for row in rows}

    def totals_by_provider(self, *, day: date | None = None, campaign_id: str | None = None) -> dict[str, Decimal]:
        """Spend per provider, for the filters given."""
        query = self._filtered(
            select(LedgerRow.provider, func.sum(LedgerRow.cost_micros)), None, campaign_id, day, None, None
        )
        with Session(self.engine) as session:
            rows = session.execute(query.group_by(LedgerRow.provider).order_by(LedgerRow.provider)).all()
        return {row[0]: from_micros(int(row[1])) for row in rows}

    @staticmethod
    def _filtered(
        query: Select[*tuple[Any, ...]],
        provider: str | None,
        campaign_id: str | None,
        day: date | None,
        start: date | None,
        end: date | None,
    ) -> Select[*tuple[Any, ...]]:
        if provider is not None:
            query = query.where(LedgerRow.provider == provider)
        if campaign_id is not None:
            query = query.where(LedgerRow.campaign_id == campaign_id)
        if day is not None:
            query = query.where(LedgerRow.day == day)
        if start is not None:
            query = query.where(LedgerRow.day >= start)
        if end is not None:
            query = query.where(LedgerRow.day < end)
        return query


def in_memory_engine() -> Engine:
    """A private in-memory SQLite database shared by every session of this engine."""
    return create_engine("sqlite+pysqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})


def _entry(row: LedgerRow) -> LedgerEntry:
    return LedgerEntry(
        provider=row.provider,
        operation=row.operation,
        cost=from_micros(row.cost_micros),
        outcome=Outcome(row.outcome),
        campaign_id=row.campaign_id,
        status_code=row.status_code,
        occurred_at=row.occurred_at,
        day=row.day,
    )
