"""Crash-safe checkpoints of batches in SQL (SQLite by default): every state change is one transaction.

Exactly-once results rest on three rules: a lead moves pending -> running -> done|failed only through
conditional updates; a step result is keyed by (batch, lead, step), so it is written at most once; and
every write for a lead carries the token of the run that claimed it, so a run that was superseded (a
resume after a crash) cannot write over the new one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from batch_runner.cost import ProviderPrice
from batch_runner.errors import ApprovalTooLowError, BatchConflictError, BatchNotFoundError, StaleRunError
from batch_runner.leads import Lead
from batch_runner.money import format_usd, to_money
from batch_runner.schema import Base, BatchRow, LeadRow, StepResultRow


@dataclass(frozen=True)
class BatchSnapshot:
    """A batch as checkpointed: status, lead counts by state, money, and the pipeline's (step, provider) pairs."""

    batch_id: str
    status: str
    pipeline: tuple[tuple[str, str], ...]
    total: int
    pending: int
    running: int
    done: int
    failed: int
    budget: Decimal
    estimated_cost: Decimal
    approved_cost: Decimal | None
    spent: Decimal
    created_at: datetime
    finished_at: datetime | None

    @property
    def needs_approval(self) -> bool:
        """True while the estimate is over budget and no approval covers it: such a batch does not start."""
        over_budget = self.estimated_cost > self.budget
        return over_budget and (self.approved_cost is None or self.approved_cost < self.estimated_cost)

    @property
    def finished(self) -> bool:
        """True when every lead is done or failed."""
        return self.done + self.failed == self.total


@dataclass(frozen=True)
class LeadResult:
    """A lead's outcome: its state, its step results by step name, its error if it failed."""

    lead: Lead
    state: str
    steps: Mapping[str, Mapping[str, Any]]
    error: str | None
    attempts: int


def batch_fingerprint(leads: Sequence[Lead], pipeline: Sequence[tuple[str, str]]) -> str:
    """A digest of the leads (in order) and the pipeline: the same batch id must always mean the same work."""
    document = json.dumps(
        {"leads": [lead.to_dict() for lead in leads], "pipeline": [list(pair) for pair in pipeline]}, sort_keys=True
    )
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


class CheckpointStore:
    """Reads and writes batch checkpoints; each public method is one transaction (all or nothing)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        Base.metadata.create_all(engine)

    @classmethod
    def open(cls, path: str | Path) -> CheckpointStore:
        """A store on the SQLite file at `path` (created with its schema if missing).

        The file is in WAL mode with synchronous=NORMAL: a killed process loses no committed transaction;
        a power loss may lose the last few, in order, which a resume then simply redoes.
        """
        engine = create_engine(f"sqlite:///{Path(path)}")
        _configure_sqlite(engine, "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL")
        return cls(engine)

    @classmethod
    def in_memory(cls) -> CheckpointStore:
        """A store in a private in-memory SQLite database (one shared connection), for tests and previews."""
        engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
        _configure_sqlite(engine)
        return cls(engine)

    def close(self) -> None:
        """Releases the database connections."""
        self.engine.dispose()

    def create_batch(
        self,
        batch_id: str,
        leads: Sequence[Lead],
        pipeline: Sequence[tuple[str, str]],
        *,
        budget: Decimal,
        estimated_cost: Decimal,
        now: datetime,
    ) -> BatchSnapshot:
        """Checkpoints a new batch with all leads pending; the same id with the same leads and pipeline is a no-op."""
        fingerprint = batch_fingerprint(leads, pipeline)
        with self._sessions.begin() as session:
            existing = session.get(BatchRow, batch_id)
            if existing is not None:
                if existing.fingerprint != fingerprint:
                    raise BatchConflictError(
                        f"batch {batch_id!r} already exists with different leads or pipeline; use a new batch id"
                    )
            else:
                session.add(
                    BatchRow(
                        batch_id=batch_id,
                        status="created",
                        fingerprint=fingerprint,
                        pipeline=[list(pair) for pair in pipeline],
                        total_leads=len(leads),
                        budget=budget,
                        estimated_cost=estimated_cost,
                        created_at=now,
                        updated_at=now,
                    )
                )
                session.flush()
                session.add_all(
                    LeadRow(
                        batch_id=batch_id,
                        lead_id=lead.lead_id,
                        position=position,
                        payload=lead.to_dict(),
                        state="pending",
                        attempts=0,
                        updated_at=now,
                    )
                    for position, lead in enumerate(leads)
                )
            session.flush()
            return self._snapshot(session, batch_id)

    def get_batch(self, batch_id: str) -> BatchSnapshot:
        """The batch's current checkpoint; raises BatchNotFoundError."""
        with self._sessions.begin() as session:
            return self._snapshot(session, batch_id)

    def list_batches(self) -> list[BatchSnapshot]:
        """Every checkpointed batch, newest first."""
        with self._sessions.begin() as session:
            ids = session.scalars(
                select(BatchRow.batch_id).order_by(BatchRow.created_at.desc(), BatchRow.batch_id)
            ).all()
            return [self._snapshot(session, batch_id) for batch_id in ids]

    def approve(self, batch_id: str, max_cost: Decimal, *, now: datetime) -> BatchSnapshot:
        """Approves spending up to `max_cost` on the batch; an approval below the estimate is refused."""
        with self._sessions.begin() as session:
            batch = self._batch(session, batch_id)
            if max_cost < batch.estimated_cost:
                raise ApprovalTooLowError(
                    f"approval of {format_usd(max_cost)} for batch {batch_id!r} is below its estimated cost of "
                    f"{format_usd(batch.estimated_cost)}"
                )
            batch.approved_cost = max_cost
            batch.updated_at = now
            session.flush()
            return self._snapshot(session, batch_id)

    def begin_run(self, batch_id: str, run_token: str, *, now: datetime) -> list[Lead]:
        """Makes `run_token` the batch's owner, returns a crashed run's running leads to pending, lists pending."""
        with self._sessions.begin() as session:
            batch = self._batch(session, batch_id)
            batch.run_token = run_token
            batch.status = "running"
            batch.updated_at = now
            batch.finished_at = None
            session.execute(
                update(LeadRow)
                .where(LeadRow.batch_id == batch_id, LeadRow.state == "running")
                .values(state="pending", run_token=None, updated_at=now)
            )
            rows = session.scalars(
                select(LeadRow)
                .where(LeadRow.batch_id == batch_id, LeadRow.state == "pending")
                .order_by(LeadRow.position)
            ).all()
            return [Lead.from_dict(row.payload) for row in rows]

    def claim_lead(
        self, batch_id: str, lead_id: str, run_token: str, *, now: datetime
    ) -> dict[str, dict[str, Any]] | None:
        """Moves a pending lead to running for `run_token` and returns its step results so far; None if not pending."""
        with self._sessions.begin() as session:
            claimed = session.execute(
                update(LeadRow)
                .where(LeadRow.batch_id == batch_id, LeadRow.lead_id == lead_id, LeadRow.state == "pending")
                .values(state="running", run_token=run_token, attempts=LeadRow.attempts + 1, updated_at=now)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return None
            rows = session.scalars(
                select(StepResultRow).where(StepResultRow.batch_id == batch_id, StepResultRow.lead_id == lead_id)
            ).all()
            return {row.step: dict(row.data) for row in rows}

    def record_step(
        self,
        batch_id: str,
        lead_id: str,
        run_token: str,
        *,
        step: str,
        price: ProviderPrice,
        data: Mapping[str, Any],
        now: datetime,
    ) -> Decimal:
        """Stores a step's result once and charges the provider's marginal price; returns the cost charged."""
        with self._sessions.begin() as session:
            self._owned_lead(session, batch_id, lead_id, run_token)
            existing = session.get(StepResultRow, (batch_id, lead_id, step))
            if existing is not None:
                return existing.cost
            calls_so_far = session.scalar(
                select(func.count())
                .select_from(StepResultRow)
                .where(StepResultRow.batch_id == batch_id, StepResultRow.provider == price.provider)
            )
            call_number = int(calls_so_far or 0) + 1
            cost = price.price_of_call(call_number)
            session.add(
                StepResultRow(
                    batch_id=batch_id,
                    lead_id=lead_id,
                    step=step,
                    provider=price.provider,
                    call_number=call_number,
                    data=dict(data),
                    cost=cost,
                    created_at=now,
                )
            )
            return cost

    def finish_lead(self, batch_id: str, lead_id: str, run_token: str, *, error: str | None, now: datetime) -> None:
        """Marks a running lead done (error None) or failed with `error`; StaleRunError if another run owns it."""
        with self._sessions.begin() as session:
            lead = self._owned_lead(session, batch_id, lead_id, run_token)
            lead.state = "done" if error is None else "failed"
            lead.error = error
            lead.updated_at = now

    def release_lead(self, batch_id: str, lead_id: str, run_token: str, *, now: datetime) -> None:
        """Returns a running lead to pending (its step results are kept), as a cancelled run does."""
        with self._sessions.begin() as session:
            lead = self._owned_lead(session, batch_id, lead_id, run_token)
            lead.state = "pending"
            lead.run_token = None
            lead.updated_at = now

    def end_run(self, batch_id: str, run_token: str, *, now: datetime) -> BatchSnapshot:
        """Closes the run: the batch is completed when every lead is done or failed, else cancelled (resumable)."""
        with self._sessions.begin() as session:
            batch = self._batch(session, batch_id)
            if batch.run_token != run_token:
                raise StaleRunError(f"run {run_token!r} no longer owns batch {batch_id!r}")
            snapshot = self._snapshot(session, batch_id)
            batch.status = "completed" if snapshot.finished else "cancelled"
            batch.updated_at = now
            batch.finished_at = now
            session.flush()
            return self._snapshot(session, batch_id)

    def results(self, batch_id: str) -> list[LeadResult]:
        """Every lead of the batch in input order, with its state, step results and error."""
        with self._sessions.begin() as session:
            self._batch(session, batch_id)
            leads = session.scalars(
                select(LeadRow).where(LeadRow.batch_id == batch_id).order_by(LeadRow.position)
            ).all()
            steps: dict[str, dict[str, dict[str, Any]]] = {}
            for row in session.scalars(select(StepResultRow).where(StepResultRow.batch_id == batch_id)):
                steps.setdefault(row.lead_id, {})[row.step] = dict(row.data)
            return [
                LeadResult(Lead.from_dict(row.payload), row.state, steps.get(row.lead_id, {}), row.error, row.attempts)
                for row in leads
            ]

    def step_result_count(self, batch_id: str) -> int:
        """How many step results the batch has checkpointed (each (lead, step) at most once)."""
        with self._sessions.begin() as session:
            count = session.scalar(
                select(func.count()).select_from(StepResultRow).where(StepResultRow.batch_id == batch_id)
            )
            return int(count or 0)

    def _batch(self, session: Session, batch_id: str) -> BatchRow:
        batch = session.get(BatchRow, batch_id)
        if batch is None:
            raise BatchNotFoundError(batch_id)
        return batch

    def _owned_lead(self, session: Session, batch_id: str, lead_id: str, run_token: str) -> LeadRow:
        lead = session.get(LeadRow, (batch_id, lead_id))
        if lead is None or lead.state != "running" or lead.run_token != run_token:
            raise StaleRunError(f"lead {lead_id!r} of batch {batch_id!r} is not running under run {run_token!r}")
        return lead

    def _snapshot(self, session: Session, batch_id: str) -> BatchSnapshot:
        batch = self._batch(session, batch_id)
        counts = dict(
            session.execute(
                select(LeadRow.state, func.count()).where(LeadRow.batch_id == batch_id).group_by(LeadRow.state)
            ).all()
        )
        spent = session.scalar(select(func.sum(StepResultRow.cost)).where(StepResultRow.batch_id == batch_id))
        return BatchSnapshot(
            batch_id=batch.batch_id,
            status=batch.status,
            pipeline=tuple((step, provider) for step, provider in batch.pipeline),
            total=batch.total_leads,
            pending=counts.get("pending", 0),
            running=counts.get("running", 0),
            done=counts.get("done", 0),
            failed=counts.get("failed", 0),
            budget=batch.budget,
            estimated_cost=batch.estimated_cost,
            approved_cost=batch.approved_cost,
            spent=to_money(spent or 0),
            created_at=batch.created_at,
            finished_at=batch.finished_at,
        )


def _configure_sqlite(engine: Engine, *pragmas: str) -> None:
    """Turns on foreign-key enforcement (off by default in SQLite), plus `pragmas`, on every new connection."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in ("PRAGMA foreign_keys=ON", *pragmas):
            cursor.execute(pragma)
        cursor.close()
