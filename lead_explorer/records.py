"""Immutable copies of stored rows, safe to hand across threads and out of the repository."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lead_explorer.models import AuditEntry, EnrichmentStatus, Lead


@dataclass(frozen=True)
class LeadRecord:
    """A lead as stored, detached from any session."""

    id: str
    email: str | None
    domain: str | None
    company: str | None
    contact_name: str | None
    source: str | None
    is_manual: bool
    enrichment_status: EnrichmentStatus
    enrichment_task_id: str | None
    enrichment_error: str | None
    enriched_at: datetime | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None

    @classmethod
    def from_row(cls, row: Lead) -> LeadRecord:
        """Copies a mapped Lead row."""
        return cls(
            id=row.id,
            email=row.email,
            domain=row.domain,
            company=row.company,
            contact_name=row.contact_name,
            source=row.source,
            is_manual=row.is_manual,
            enrichment_status=EnrichmentStatus(row.enrichment_status),
            enrichment_task_id=row.enrichment_task_id,
            enrichment_error=row.enrichment_error,
            enriched_at=row.enriched_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
            deleted_at=row.deleted_at,
        )

    def audit_snapshot(self) -> dict[str, Any]:
        """The lead as JSON-safe values, as audit entries record it before and after a change."""
        return {name: _json_safe(value) for name, value in self.__dict__.items()}


@dataclass(frozen=True)
class AuditRecord:
    """One audit entry, detached from any session."""

    sequence: int
    lead_id: str
    action: str
    actor: str
    occurred_at: datetime
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    previous_checksum: str
    checksum: str
    changed_fields: tuple[str, ...] = field(default=())

    @classmethod
    def from_row(cls, row: AuditEntry) -> AuditRecord:
        """Copies a mapped AuditEntry row, listing which fields differ between before and after."""
        before, after = row.before or {}, row.after or {}
        changed = tuple(sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name)))
        return cls(
            sequence=row.sequence,
            lead_id=row.lead_id,
            action=row.action,
            actor=row.actor,
            occurred_at=row.occurred_at,
            before=row.before,
            after=row.after,
            previous_checksum=row.previous_checksum,
            checksum=row.checksum,
            changed_fields=changed,
        )


@dataclass(frozen=True)
class LeadPage:
    """One page of a lead listing, with the total number of matches across all pages."""

    items: tuple[LeadRecord, ...]
    total: int
    limit: int
    offset: int


def _json_safe(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, EnrichmentStatus):
        return value.value
    return value
