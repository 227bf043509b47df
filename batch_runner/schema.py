"""The checkpoint schema (SQLAlchemy 2 ORM): batches, their leads' states, step results by (batch, lead, step)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, ForeignKeyConstraint, Integer, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from batch_runner.money import MICRO, to_money
from d0_gateway import UtcDateTime

LEAD_STATES = ("pending", "running", "done", "failed")
BATCH_STATUSES = ("created", "running", "completed", "cancelled")


class Money(TypeDecorator[Decimal]):
    """Dollars stored exactly as integer micro-dollars (portable: no float, no driver Decimal quirks)."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        return None if value is None else int(to_money(value) / MICRO)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else to_money(Decimal(int(value)) * MICRO)


class Base(DeclarativeBase):
    """Declarative base of the checkpoint tables."""


class BatchRow(Base):
    """One batch: its pipeline, budget and estimate, approval, status and the run that currently owns it."""

    __tablename__ = "batches"

    batch_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    fingerprint: Mapped[str] = mapped_column(String(64))
    pipeline: Mapped[list[list[str]]] = mapped_column(JSON)
    total_leads: Mapped[int] = mapped_column(Integer)
    budget: Mapped[Decimal] = mapped_column(Money)
    estimated_cost: Mapped[Decimal] = mapped_column(Money)
    approved_cost: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    run_token: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class LeadRow(Base):
    """One lead of a batch and its state; `run_token` fences writes to the run that claimed it."""

    __tablename__ = "batch_leads"

    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.batch_id"), primary_key=True)
    lead_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(8), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    run_token: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StepResultRow(Base):
    """A step's result for a lead; the primary key (batch, lead, step) makes each result exist at most once."""

    __tablename__ = "step_results"
    __table_args__ = (ForeignKeyConstraint(["batch_id", "lead_id"], ["batch_leads.batch_id", "batch_leads.lead_id"]),)

    batch_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    lead_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    step: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider: Mapped[str] = mapped_column(String(64))
    call_number: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    cost: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
