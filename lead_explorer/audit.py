"""The audit log's checksum chain: each entry's checksum is sha256(previous checksum + canonical JSON of the entry).

Editing, deleting or reordering any entry breaks the chain and `verify_audit_chain` reports where. Dropping
entries from the *end* of the log is only detectable against a head checksum kept elsewhere
(`expected_head`), as with any hash chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lead_explorer.models import AuditEntry

GENESIS_CHECKSUM = "0" * 64


class AuditAction(StrEnum):
    """What a change did to a lead."""

    CREATED = "lead.created"
    UPDATED = "lead.updated"
    DELETED = "lead.deleted"
    ENRICHMENT_REQUESTED = "enrichment.requested"
    ENRICHMENT_STARTED = "enrichment.started"
    ENRICHMENT_COMPLETED = "enrichment.completed"
    ENRICHMENT_FAILED = "enrichment.failed"
    ENRICHMENT_RESUMED = "enrichment.resumed"


@dataclass(frozen=True)
class AuditChainReport:
    """The outcome of checking the chain: `valid`, how many entries were read, and the first broken one."""

    valid: bool
    entries_checked: int
    head_checksum: str
    broken_at_sequence: int | None = None
    reason: str | None = None


def canonical_json(value: Any) -> str:
    """Key-sorted, whitespace-free JSON: the same entry always serialises to the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def entry_checksum(previous_checksum: str, payload: Mapping[str, Any]) -> str:
    """sha256 hex of the previous checksum followed by the entry's canonical JSON."""
    return hashlib.sha256((previous_checksum + canonical_json(payload)).encode("utf-8")).hexdigest()


def entry_payload(entry: AuditEntry) -> dict[str, Any]:
    """The fields of an entry that its checksum covers (everything except the checksums themselves)."""
    return {
        "sequence": entry.sequence,
        "lead_id": entry.lead_id,
        "action": entry.action,
        "actor": entry.actor,
        "occurred_at": _utc_iso(entry.occurred_at),
        "before": entry.before,
        "after": entry.after,
    }


def append_audit_entry(
    session: Session,
    *,
    lead_id: str,
    action: AuditAction,
    actor: str,
    occurred_at: datetime,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> AuditEntry:
    """Adds the next entry of the chain to `session` (in the caller's transaction) and flushes it."""
    last = session.execute(
        select(AuditEntry.sequence, AuditEntry.checksum).order_by(AuditEntry.sequence.desc()).limit(1)
    ).first()
    sequence, previous = (last.sequence + 1, last.checksum) if last else (1, GENESIS_CHECKSUM)
    entry = AuditEntry(
        sequence=sequence,
        lead_id=lead_id,
        action=action.value,
        actor=actor,
        occurred_at=occurred_at.astimezone(UTC),
        before=dict(before) if before is not None else None,
        after=dict(after) if after is not None else None,
        previous_checksum=previous,
    )
    entry.checksum = entry_checksum(previous, entry_payload(entry))
    session.add(entry)
    session.flush()
    return entry


def verify_audit_chain(
    session: Session, *, expected_head: str | None = None, batch_size: int = 500
) -> AuditChainReport:
    """Recomputes every checksum in sequence order; reports the first entry that does not link or match."""
    previous = GENESIS_CHECKSUM
    checked = 0
    rows = session.execute(
        select(AuditEntry).order_by(AuditEntry.sequence).execution_options(yield_per=batch_size)
    ).scalars()
    for entry in rows:
        expected_sequence = checked + 1
        if entry.sequence != expected_sequence:
            return _broken(
                checked, previous, entry.sequence, f"expected sequence {expected_sequence}: entries are missing"
            )
        if entry.previous_checksum != previous:
            return _broken(checked, previous, entry.sequence, "previous_checksum does not match the entry before it")
        if entry_checksum(previous, entry_payload(entry)) != entry.checksum:
            return _broken(checked, previous, entry.sequence, "checksum does not match the entry's contents")
        previous = entry.checksum
        checked += 1
    if expected_head is not None and expected_head != previous:
        return _broken(checked, previous, None, f"head checksum is {previous}, expected {expected_head}")
    return AuditChainReport(valid=True, entries_checked=checked, head_checksum=previous)


def _broken(checked: int, head: str, sequence: int | None, reason: str) -> AuditChainReport:
    return AuditChainReport(
        valid=False, entries_checked=checked, head_checksum=head, broken_at_sequence=sequence, reason=reason
    )


def _utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
