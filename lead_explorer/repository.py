"""LeadRepository: every lead read and write, each write one transaction together with its audit entry."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, Select, func, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from lead_explorer.audit import AuditAction, AuditChainReport, append_audit_entry, verify_audit_chain
from lead_explorer.database import WRITE_TRANSACTION
from lead_explorer.errors import (
    DuplicateLeadError,
    EnrichmentTaskNotFoundError,
    EnrichmentTransitionError,
    LeadIdentityError,
    LeadNotFoundError,
    LeadValidationError,
    WriteConflictError,
)
from lead_explorer.models import AuditEntry, EnrichmentStatus, Lead
from lead_explorer.normalization import normalize_domain, normalize_email, normalize_text
from lead_explorer.records import AuditRecord, LeadPage, LeadRecord

T = TypeVar("T")

EDITABLE_FIELDS = ("email", "domain", "company", "contact_name", "source", "is_manual")
MAX_PAGE_SIZE = 200
_UNIQUE_FIELDS = ("email", "domain")
_MAX_ERROR_LENGTH = 1000
_ALLOWED_TRANSITIONS: dict[EnrichmentStatus, frozenset[EnrichmentStatus]] = {
    EnrichmentStatus.NOT_REQUESTED: frozenset(),
    EnrichmentStatus.PENDING: frozenset({EnrichmentStatus.RUNNING, EnrichmentStatus.FAILED}),
    # running -> pending only when a restarted server takes back a task the stopped one was running.
    EnrichmentStatus.RUNNING: frozenset(
        {EnrichmentStatus.COMPLETED, EnrichmentStatus.FAILED, EnrichmentStatus.PENDING}
    ),
    EnrichmentStatus.COMPLETED: frozenset(),
    EnrichmentStatus.FAILED: frozenset(),
}


class Clock(Protocol):
    """Anything with a timezone-aware `now()` (testing.FakeClock in tests, SystemClock in production)."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real wall clock, in UTC."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        return datetime.now(UTC)


@dataclass(frozen=True)
class LeadFilters:
    """What `list_leads` narrows to; `search` matches email, domain or company, case-insensitively."""

    search: str | None = None
    source: str | None = None
    is_manual: bool | None = None
    enrichment_status: EnrichmentStatus | None = None
    include_deleted: bool = False


class LeadRepository:
    """Stores leads and their audit trail through injected sessions, clock and id factory."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        clock: Clock | None = None,
        new_id: Callable[[], str] | None = None,
        max_write_attempts: int = 3,
    ) -> None:
        if max_write_attempts < 1:
            raise ValueError(f"max_write_attempts must be at least 1, got {max_write_attempts}")
        self._sessions = sessions
        self._clock = clock or SystemClock()
        self._new_id = new_id or (lambda: str(uuid.uuid4()))
        self._max_write_attempts = max_write_attempts

    # -- writes -------------------------------------------------------------------------------------

    def create_lead(
        self,
        *,
        actor: str,
        email: str | None = None,
        domain: str | None = None,
        company: str | None = None,
        contact_name: str | None = None,
        source: str | None = None,
        is_manual: bool = False,
        enrich: bool = False,
    ) -> LeadRecord:
        """Validates, normalises and stores a new lead with its `lead.created` audit entry.

        With `enrich`, the lead is stored with a pending enrichment task in the same transaction.
        """
        values = _normalized_fields(
            {
                "email": email,
                "domain": domain,
                "company": company,
                "contact_name": contact_name,
                "source": source,
                "is_manual": is_manual,
            }
        )
        _require_identity(values)
        actor = _normalized_actor(actor)

        def create(session: Session) -> LeadRecord:
            self._check_unique(session, values, exclude_id=None)
            now = self._now()
            row = Lead(id=self._new_id(), created_at=now, updated_at=now, **values)
            row.enrichment_status = EnrichmentStatus.NOT_REQUESTED.value
            if enrich:
                row.enrichment_status = EnrichmentStatus.PENDING.value
                row.enrichment_task_id = self._new_id()
            session.add(row)
            session.flush()
            record = LeadRecord.from_row(row)
            self._audit(session, record, AuditAction.CREATED, actor, before=None, now=now)
            return record

        return self._write("create lead", create)

    def update_lead(self, lead_id: str, changes: Mapping[str, Any], *, actor: str) -> LeadRecord:
        """Applies `changes` (editable fields only; None clears a field) and audits before and after."""
        unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
        if unknown:
            raise LeadValidationError(unknown[0], changes[unknown[0]], "is not an editable lead field")
        if "is_manual" in changes and changes["is_manual"] is None:
            raise LeadValidationError("is_manual", None, "must be true or false")
        values = _normalized_fields(changes)
        actor = _normalized_actor(actor)

        def update(session: Session) -> LeadRecord:
            row = self._live_row(session, lead_id)
            before = LeadRecord.from_row(row)
            remaining = {name: values.get(name, getattr(row, name)) for name in _UNIQUE_FIELDS}
            if remaining.get("email") is None and remaining.get("domain") is None:
                raise LeadIdentityError(lead_id)
            self._check_unique(session, values, exclude_id=lead_id)
            changed = {name: value for name, value in values.items() if getattr(row, name) != value}
            if not changed:
                return before
            now = self._now()
            for name, value in changed.items():
                setattr(row, name, value)
            row.updated_at = now
            session.flush()
            return self._audit(session, LeadRecord.from_row(row), AuditAction.UPDATED, actor, before=before, now=now)

        return self._write("update lead", update)

    def delete_lead(self, lead_id: str, *, actor: str) -> LeadRecord:
        """Soft-deletes a live lead: it disappears from reads, frees its email/domain, keeps its audit trail."""
        actor = _normalized_actor(actor)

        def delete(session: Session) -> LeadRecord:
            row = self._live_row(session, lead_id)
            before = LeadRecord.from_row(row)
            now = self._now()
            row.deleted_at = now
            row.updated_at = now
            session.flush()
            return self._audit(session, LeadRecord.from_row(row), AuditAction.DELETED, actor, before=before, now=now)

        return self._write("delete lead", delete)

    def request_enrichment(self, lead_id: str, *, actor: str) -> LeadRecord:
        """Marks a live lead's enrichment as pending under a new task id (returned on the record)."""
        actor = _normalized_actor(actor)

        def request(session: Session) -> LeadRecord:
            row = self._live_row(session, lead_id)
            before = LeadRecord.from_row(row)
            if before.enrichment_status in (EnrichmentStatus.PENDING, EnrichmentStatus.RUNNING):
                raise EnrichmentTransitionError(
                    str(before.enrichment_task_id), before.enrichment_status.value, EnrichmentStatus.PENDING.value
                )
            now = self._now()
            row.enrichment_status = EnrichmentStatus.PENDING.value
            row.enrichment_task_id = self._new_id()
            row.enrichment_error = None
            row.updated_at = now
            session.flush()
            return self._audit(
                session, LeadRecord.from_row(row), AuditAction.ENRICHMENT_REQUESTED, actor, before=before, now=now
            )

        return self._write("request enrichment", request)

    def start_enrichment(self, task_id: str, *, actor: str) -> LeadRecord:
        """Moves a pending task to running."""
        return self._transition(task_id, actor, AuditAction.ENRICHMENT_STARTED, status=EnrichmentStatus.RUNNING)

    def complete_enrichment(
        self, task_id: str, *, actor: str, company: str | None = None, contact_name: str | None = None
    ) -> LeadRecord:
        """Marks a task completed and fills the lead's empty company/contact from the result (never overwrites)."""
        found = _normalized_fields({"company": company, "contact_name": contact_name})
        return self._transition(
            task_id, actor, AuditAction.ENRICHMENT_COMPLETED, status=EnrichmentStatus.COMPLETED, found=found
        )

    def fail_enrichment(self, task_id: str, error: str, *, actor: str) -> LeadRecord:
        """Marks a task failed, keeping the error message on the lead."""
        return self._transition(
            task_id, actor, AuditAction.ENRICHMENT_FAILED, status=EnrichmentStatus.FAILED, error=error
        )

    def fail_unfinished_enrichments(self, reason: str, *, actor: str) -> int:
        """Fails every pending or running task (e.g. left over by a stopped server); returns how many."""
        unfinished = (EnrichmentStatus.PENDING.value, EnrichmentStatus.RUNNING.value)

        def task_ids(session: Session) -> list[str]:
            query = select(Lead.enrichment_task_id).where(Lead.enrichment_status.in_(unfinished))
            return [task for task in session.scalars(query) if task is not None]

        tasks = self._read(task_ids)
        for task_id in tasks:
            self.fail_enrichment(task_id, reason, actor=actor)
        return len(tasks)

    def requeue_unfinished_enrichments(self, *, actor: str) -> list[str]:
        """Returns every pending or running task (left by a stopped server) to pending and lists their ids,
        oldest first, so they can be run again: a task run as a batch resumes its batch, never paying twice."""
        unfinished = (EnrichmentStatus.PENDING.value, EnrichmentStatus.RUNNING.value)

        def tasks(session: Session) -> list[tuple[str, str]]:
            query = (
                select(Lead.enrichment_task_id, Lead.enrichment_status)
                .where(Lead.enrichment_status.in_(unfinished), Lead.enrichment_task_id.is_not(None))
                .order_by(Lead.updated_at, Lead.id)
            )
            return [(str(task), status) for task, status in session.execute(query)]

        found = self._read(tasks)
        for task_id, status in found:
            if status == EnrichmentStatus.RUNNING.value:
                self._transition(task_id, actor, AuditAction.ENRICHMENT_RESUMED, status=EnrichmentStatus.PENDING)
        return [task_id for task_id, _status in found]

    # -- reads --------------------------------------------------------------------------------------

    def get_lead(self, lead_id: str, *, include_deleted: bool = False) -> LeadRecord:
        """The lead with this id; raises LeadNotFoundError when unknown (or deleted, unless included)."""

        def get(session: Session) -> LeadRecord:
            row = self._row(session, lead_id, include_deleted=include_deleted)
            return LeadRecord.from_row(row)

        return self._read(get)

    def get_enrichment_task(self, task_id: str) -> LeadRecord:
        """The lead carrying this enrichment task (deleted leads included, so a task never vanishes)."""

        def get(session: Session) -> LeadRecord:
            row = session.scalars(select(Lead).where(Lead.enrichment_task_id == task_id)).first()
            if row is None:
                raise EnrichmentTaskNotFoundError(task_id)
            return LeadRecord.from_row(row)

        return self._read(get)

    def list_leads(self, filters: LeadFilters = LeadFilters(), *, limit: int = 50, offset: int = 0) -> LeadPage:
        """One page of matching leads, newest first, with the total count of matches."""
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise LeadValidationError("limit", limit, f"must be between 1 and {MAX_PAGE_SIZE}")
        if offset < 0:
            raise LeadValidationError("offset", offset, "must not be negative")
        conditions = _filter_conditions(filters)

        def page(session: Session) -> LeadPage:
            total = session.scalar(select(func.count()).select_from(Lead).where(*conditions)) or 0
            query: Select[Lead] = (
                select(Lead).where(*conditions).order_by(Lead.created_at.desc(), Lead.id).limit(limit).offset(offset)
            )
            items = tuple(LeadRecord.from_row(row) for row in session.scalars(query))
            return LeadPage(items=items, total=total, limit=limit, offset=offset)

        return self._read(page)

    def audit_trail(self, lead_id: str) -> list[AuditRecord]:
        """Every audit entry of a lead (deleted leads included), oldest first."""

        def trail(session: Session) -> list[AuditRecord]:
            self._row(session, lead_id, include_deleted=True)
            query = select(AuditEntry).where(AuditEntry.lead_id == lead_id).order_by(AuditEntry.sequence)
            return [AuditRecord.from_row(entry) for entry in session.scalars(query)]

        return self._read(trail)

    def verify_audit_chain(self, *, expected_head: str | None = None) -> AuditChainReport:
        """Checks the whole audit log's checksum chain (see lead_explorer.audit)."""
        return self._read(lambda session: verify_audit_chain(session, expected_head=expected_head))

    def ping(self) -> None:
        """Runs a trivial query; raises the driver's error when the database is unreachable."""
        self._read(lambda session: session.execute(text("SELECT 1")).scalar_one())

    # -- internals ----------------------------------------------------------------------------------

    def _now(self) -> datetime:
        return self._clock.now().astimezone(UTC)

    def _read(self, operation: Callable[[Session], T]) -> T:
        with self._sessions() as session:
            return operation(session)

    def _write(self, name: str, operation: Callable[[Session], T]) -> T:
        """Runs `operation` in one write transaction, retrying when a concurrent writer won a unique race."""
        for _attempt in range(self._max_write_attempts):
            with self._sessions() as session:
                session.connection(execution_options={WRITE_TRANSACTION: True})
                try:
                    result = operation(session)
                    session.commit()
                except IntegrityError:
                    # A concurrent write took a unique value (email, domain or the audit chain's next
                    # link) between our checks and our insert. Retrying re-runs the checks, which now see it.
                    session.rollback()
                    continue
                return result
        raise WriteConflictError(name, self._max_write_attempts)

    def _transition(
        self,
        task_id: str,
        actor: str,
        action: AuditAction,
        *,
        status: EnrichmentStatus,
        found: Mapping[str, Any] | None = None,
        error: str | None = None,
    ) -> LeadRecord:
        actor = _normalized_actor(actor)

        def transition(session: Session) -> LeadRecord:
            row = session.scalars(select(Lead).where(Lead.enrichment_task_id == task_id)).first()
            if row is None:
                raise EnrichmentTaskNotFoundError(task_id)
            before = LeadRecord.from_row(row)
            if status not in _ALLOWED_TRANSITIONS[before.enrichment_status]:
                raise EnrichmentTransitionError(task_id, before.enrichment_status.value, status.value)
            now = self._now()
            row.enrichment_status = status.value
            row.enrichment_error = _storable_error(error)
            if status is EnrichmentStatus.COMPLETED:
                row.enriched_at = now
            for name, value in (found or {}).items():
                if value is not None and getattr(row, name) is None:
                    setattr(row, name, value)
            row.updated_at = now
            session.flush()
            return self._audit(session, LeadRecord.from_row(row), action, actor, before=before, now=now)

        return self._write(action.value, transition)

    def _audit(
        self,
        session: Session,
        record: LeadRecord,
        action: AuditAction,
        actor: str,
        *,
        before: LeadRecord | None,
        now: datetime,
    ) -> LeadRecord:
        append_audit_entry(
            session,
            lead_id=record.id,
            action=action,
            actor=actor,
            occurred_at=now,
            before=before.audit_snapshot() if before else None,
            after=record.audit_snapshot(),
        )
        return record

    def _row(self, session: Session, lead_id: str, *, include_deleted: bool) -> Lead:
        row = session.get(Lead, lead_id)
        if row is None or (row.deleted_at is not None and not include_deleted):
            raise LeadNotFoundError(lead_id)
        return row

    def _live_row(self, session: Session, lead_id: str) -> Lead:
        return self._row(session, lead_id, include_deleted=False)

    def _check_unique(self, session: Session, values: Mapping[str, Any], *, exclude_id: str | None) -> None:
        for name in _UNIQUE_FIELDS:
            value = values.get(name)
            if value is None:
                continue
            column = getattr(Lead, name)
            query = select(Lead.id).where(column == value, Lead.deleted_at.is_(None))
            if exclude_id is not None:
                query = query.where(Lead.id != exclude_id)
            existing = session.scalars(query).first()
            if existing is not None:
                raise DuplicateLeadError(name, value, existing)


def _normalized_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    normalized: dict[str, Any] = {}
    for name, value in values.items():
        if name == "is_manual":
            if not isinstance(value, bool):
                raise LeadValidationError(name, value, "must be true or false")
            normalized[name] = value
        elif value is None or (isinstance(value, str) and not value.strip()):
            normalized[name] = None
        elif name == "email":
            normalized[name] = normalize_email(value)
        elif name == "domain":
            normalized[name] = normalize_domain(value)
        else:
            normalized[name] = normalize_text(value, name, max_length=100 if name == "source" else 200)
    return normalized


def _storable_error(error: str | None) -> str | None:
    """An enricher's error message as text every database accepts (no NUL), cut to the column's size."""
    if error is None:
        return None
    return error.replace("\x00", "\ufffd")[:_MAX_ERROR_LENGTH]


def _require_identity(values: Mapping[str, Any]) -> None:
    if values.get("email") is None and values.get("domain") is None:
        raise LeadValidationError("email", None, "a lead needs an email or a domain; both are empty")


def _normalized_actor(actor: str) -> str:
    value = normalize_text(actor, "actor", max_length=100)
    if value is None:
        raise LeadValidationError("actor", actor, "must name who makes the change")
    return value


def _filter_conditions(filters: LeadFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if not filters.include_deleted:
        conditions.append(Lead.deleted_at.is_(None))
    source = normalize_text(filters.source, "source", max_length=100)
    if source is not None:
        conditions.append(Lead.source == source)
    if filters.is_manual is not None:
        conditions.append(Lead.is_manual == filters.is_manual)
    if filters.enrichment_status is not None:
        conditions.append(Lead.enrichment_status == filters.enrichment_status.value)
    search = normalize_text(filters.search, "search", max_length=200)
    if search is not None:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(
            or_(
                Lead.email.ilike(pattern, escape="\\"),
                Lead.domain.ilike(pattern, escape="\\"),
                Lead.company.ilike(pattern, escape="\\"),
            )
        )
    return conditions
