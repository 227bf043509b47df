"""SQLAlchemy 2.x tables: leads (soft-deletable, unique live email/domain) and their tamper-evident audit log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from d0_gateway import UtcDateTime


class EnrichmentStatus(StrEnum):
    """Where a lead's enrichment stands."""

    NOT_REQUESTED = "not_requested"
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class Base(DeclarativeBase):
    """Declarative base of lead_explorer's tables."""


_LIVE = text("deleted_at IS NULL")


class Lead(Base):
    """A business contact being curated; email and domain are unique among leads that are not deleted."""

    __tablename__ = "leads"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254))
    domain: Mapped[str | None] = mapped_column(String(253))
    company: Mapped[str | None] = mapped_column(String(200))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(100), index=True)
    is_manual: Mapped[bool] = mapped_column(Boolean, default=False)
    enrichment_status: Mapped[str] = mapped_column(String(20), default=EnrichmentStatus.NOT_REQUESTED.value)
    enrichment_task_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    enrichment_error: Mapped[str | None] = mapped_column(String(1000))
    enriched_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (
        Index("uq_leads_live_email", "email", unique=True, sqlite_where=_LIVE, postgresql_where=_LIVE),
        Index("uq_leads_live_domain", "domain", unique=True, sqlite_where=_LIVE, postgresql_where=_LIVE),
    )


class AuditEntry(Base):
    """One change to one lead. `sequence` and `previous_checksum` are unique, so the chain can never fork."""

    __tablename__ = "lead_audit_log"

    sequence: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    lead_id: Mapped[str] = mapped_column(String(36), ForeignKey("leads.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(100))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    previous_checksum: Mapped[str] = mapped_column(String(64), unique=True)
    checksum: Mapped[str] = mapped_column(String(64), unique=True)
