"""SQLAlchemy models: target universes, campaigns, targets, daily batches and the quota ledger.

Portable SQL only (SQLite by default, PostgreSQL-compatible). Timestamps are stored as naive UTC and
read back timezone-aware.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates
from sqlalchemy.types import TypeDecorator

from d1_targeting.buckets import normalize_vertical


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database (SQLite drops tzinfo, so store naive UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"refusing to store naive datetime {value.isoformat()}: pass a timezone-aware value")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base of every d1_targeting table."""

    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: JSON, list[str]: JSON}


class TargetUniverse(Base):
    """A named set of businesses to target: verticals, geography and qualification rules."""

    __tablename__ = "target_universes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    verticals: Mapped[list[str]]
    geography: Mapped[dict[str, Any]]
    qualification_rules: Mapped[dict[str, Any]]
    estimated_size: Mapped[int | None]
    actual_size: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    size_refreshed_at: Mapped[datetime | None]

    campaigns: Mapped[list[Campaign]] = relationship(back_populates="universe")


class Campaign(Base):
    """Outreach drawing targets from one universe; `priority_weight` is the operator's priority knob."""

    __tablename__ = "campaigns"
    __table_args__ = (CheckConstraint("priority_weight >= 0", name="ck_campaigns_priority_weight_non_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    universe_id: Mapped[int] = mapped_column(ForeignKey("target_universes.id"))
    priority_weight: Mapped[float] = mapped_column(Float, default=1.0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    last_scheduled_on: Mapped[date | None] = mapped_column(Date)

    universe: Mapped[TargetUniverse] = relationship(back_populates="campaigns")


class Target(Base):
    """A business that may be targeted, with what qualification and bucketing need to know.

    `vertical` is stored in canonical form ("Pest Control" -> "pest_control") so universes can select by it.
    """

    __tablename__ = "targets"
    __table_args__ = (Index("ix_targets_vertical_state", "vertical", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_name: Mapped[str] = mapped_column(String(200))
    vertical: Mapped[str] = mapped_column(String(64))
    city: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(2))
    zip_code: Mapped[str | None] = mapped_column(String(10))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    rating: Mapped[float | None] = mapped_column(Float)
    review_count: Mapped[int] = mapped_column(Integer, default=0)
    website: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(40))
    is_chain: Mapped[bool] = mapped_column(default=False)
    geo_bucket: Mapped[str | None] = mapped_column(String(40))
    vertical_bucket: Mapped[str | None] = mapped_column(String(40))

    @validates("vertical")
    def _canonical_vertical(self, _key: str, value: str) -> str:
        return normalize_vertical(value)


class DailyBatch(Base):
    """A batch of targets a campaign works on at `scheduled_at` on `batch_date`."""

    __tablename__ = "daily_batches"
    __table_args__ = (UniqueConstraint("campaign_id", "batch_date", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    batch_date: Mapped[date] = mapped_column(Date)
    sequence: Mapped[int]
    scheduled_at: Mapped[datetime]
    size: Mapped[int]

    members: Mapped[list[BatchTarget]] = relationship(back_populates="batch", order_by="BatchTarget.target_id")


class BatchTarget(Base):
    """A target in a batch; a target is batched at most once per campaign."""

    __tablename__ = "batch_targets"
    __table_args__ = (UniqueConstraint("campaign_id", "target_id"),)

    batch_id: Mapped[int] = mapped_column(ForeignKey("daily_batches.id"), primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id"), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))

    batch: Mapped[DailyBatch] = relationship(back_populates="members")


class QuotaDay(Base):
    """The quota of one day and how much of it is reserved or used."""

    __tablename__ = "quota_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    quota: Mapped[int]
    campaign_cap: Mapped[int]
    reserved: Mapped[int] = mapped_column(default=0)


class CampaignQuotaDay(Base):
    """How much of one day's quota one campaign holds."""

    __tablename__ = "campaign_quota_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(primary_key=True)
    reserved: Mapped[int] = mapped_column(default=0)


class QuotaReservation(Base):
    """Units of a day's quota held by a campaign: open until committed (used) or released."""

    __tablename__ = "quota_reservations"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    campaign_id: Mapped[int]
    count: Mapped[int]
    used: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime]
    settled_at: Mapped[datetime | None]
