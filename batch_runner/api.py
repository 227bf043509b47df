"""HTTP API (FastAPI) over a BatchRunner: preview, create, approve, start, list, status, cancel, results, SSE.

    app = create_app(runner)   # serve with uvicorn; every route is under /batches

Errors are JSON `{"error": <type>, "detail": <message>, "problems": [...]}` with 404 (unknown batch),
409 (conflict, not running), 402 (over budget without approval) or 422 (bad leads, approval too low).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from batch_runner.checkpoint import BatchSnapshot
from batch_runner.cost import CostPreview
from batch_runner.errors import (
    ApprovalTooLowError,
    BatchConflictError,
    BatchNotFoundError,
    BatchRunnerError,
    BudgetApprovalRequiredError,
    InvalidBatchError,
    LeadInputError,
)
from batch_runner.leads import Lead, validate_leads
from batch_runner.runner import BatchRunner

_STATUS_BY_ERROR: tuple[tuple[type[BatchRunnerError], int], ...] = (
    (BatchNotFoundError, 404),
    (BudgetApprovalRequiredError, 402),
    (BatchConflictError, 409),
    (LeadInputError, 422),
    (ApprovalTooLowError, 422),
    (InvalidBatchError, 422),
)


class LeadIn(BaseModel):
    """A lead as sent by a client; validated like a CSV row (row numbers start at 0)."""

    lead_id: str
    business_name: str
    domain: str
    email: str


class PreviewRequest(BaseModel):
    leads: list[LeadIn]
    budget_usd: Decimal | None = Field(default=None, ge=0)


class CreateBatchRequest(BaseModel):
    batch_id: str
    leads: list[LeadIn]
    budget_usd: Decimal = Field(ge=0)


class ApproveRequest(BaseModel):
    max_cost_usd: Decimal = Field(ge=0)


class ProviderCostOut(BaseModel):
    provider: str
    calls: int
    list_cost_usd: Decimal
    discount_usd: Decimal
    cost_usd: Decimal


class PreviewOut(BaseModel):
    lead_count: int
    providers: list[ProviderCostOut]
    total_usd: Decimal
    over_budget: bool | None

    @classmethod
    def of(cls, preview: CostPreview, budget: Decimal | None) -> PreviewOut:
        rows = [
            ProviderCostOut(
                provider=row.provider,
                calls=row.calls,
                list_cost_usd=row.list_cost,
                discount_usd=row.discount,
                cost_usd=row.cost,
            )
            for row in preview.providers
        ]
        over = None if budget is None else preview.over_budget(budget)
        return cls(lead_count=preview.lead_count, providers=rows, total_usd=preview.total, over_budget=over)


class BatchOut(BaseModel):
    batch_id: str
    status: str
    active: bool
    total: int
    pending: int
    running: int
    done: int
    failed: int
    budget_usd: Decimal
    estimated_cost_usd: Decimal
    approved_cost_usd: Decimal | None
    spent_usd: Decimal
    needs_approval: bool
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, snapshot: BatchSnapshot, active: bool) -> BatchOut:
        return cls(
            batch_id=snapshot.batch_id,
            status=snapshot.status,
            active=active,
            total=snapshot.total,
            pending=snapshot.pending,
            running=snapshot.running,
            done=snapshot.done,
            failed=snapshot.failed,
            budget_usd=snapshot.budget,
            estimated_cost_usd=snapshot.estimated_cost,
            approved_cost_usd=snapshot.approved_cost,
            spent_usd=snapshot.spent,
            needs_approval=snapshot.needs_approval,
            created_at=snapshot.created_at,
            finished_at=snapshot.finished_at,
        )


class LeadResultOut(BaseModel):
    lead: LeadIn
    state: str
    steps: dict[str, dict[str, Any]]
    error: str | None
    attempts: int


def create_app(runner: BatchRunner) -> FastAPI:
    """The batch API bound to `runner` (whose store, clock and providers it uses)."""
    app = FastAPI(title="LeadFactory batch runner", version="1.0")

    @app.exception_handler(BatchRunnerError)
    async def _batch_error(request: Request, error: BatchRunnerError) -> JSONResponse:
        status = next((code for kind, code in _STATUS_BY_ERROR if isinstance(error, kind)), 400)
        body: dict[str, Any] = {"error": type(error).__name__, "detail": str(error)}
        if isinstance(error, LeadInputError):
            body["problems"] = [{"line": p.line, "column": p.column, "reason": p.reason} for p in error.problems]
        return JSONResponse(body, status_code=status)

    def batch_out(batch_id: str) -> BatchOut:
        return BatchOut.of(runner.status(batch_id), runner.is_active(batch_id))

    @app.post("/batches/preview")
    async def preview(request: PreviewRequest) -> PreviewOut:
        """Validates the leads and estimates the batch's cost; nothing is created or spent."""
        leads = _leads(request.leads)
        return PreviewOut.of(runner.preview(len(leads)), request.budget_usd)

    @app.post("/batches", status_code=201)
    async def create(request: CreateBatchRequest) -> BatchOut:
        """Creates the batch (idempotent for the same id and leads); it starts only when asked to."""
        runner.create_batch(request.batch_id, _leads(request.leads), budget=request.budget_usd)
        return batch_out(request.batch_id)

    @app.get("/batches")
    async def list_batches() -> list[BatchOut]:
        return [BatchOut.of(snapshot, runner.is_active(snapshot.batch_id)) for snapshot in runner.list_batches()]

    @app.get("/batches/{batch_id}")
    async def status(batch_id: str) -> BatchOut:
        return batch_out(batch_id)

    @app.get("/batches/{batch_id}/results")
    async def results(batch_id: str) -> list[LeadResultOut]:
        return [
            LeadResultOut(
                lead=LeadIn(**result.lead.to_dict()),
                state=result.state,
                steps={name: dict(data) for name, data in result.steps.items()},
                error=result.error,
                attempts=result.attempts,
            )
            for result in runner.results(batch_id)
        ]

    @app.post("/batches/{batch_id}/approve")
    async def approve(batch_id: str, request: ApproveRequest) -> BatchOut:
        """Approves spending up to max_cost_usd (at least the estimate) on an over-budget batch."""
        runner.approve(batch_id, request.max_cost_usd)
        return batch_out(batch_id)

    @app.post("/batches/{batch_id}/start", status_code=202)
    async def start(batch_id: str) -> BatchOut:
        """Starts or resumes the batch in the background (402 while it needs an approval)."""
        runner.start(batch_id)
        return batch_out(batch_id)

    @app.post("/batches/{batch_id}/cancel", status_code=202)
    async def cancel(batch_id: str) -> BatchOut:
        """Stops the batch: no new lead starts; leads in flight go back to pending."""
        snapshot = runner.status(batch_id)
        if not runner.cancel(batch_id):
            raise BatchConflictError(f"batch {batch_id!r} is not running (status {snapshot.status!r})")
        return batch_out(batch_id)

    @app.get("/batches/{batch_id}/events")
    async def events(batch_id: str) -> StreamingResponse:
        """Server-sent events: the batch's status now, then its progress events until the run ends."""
        subscription = runner.progress.subscribe(batch_id)
        try:
            first = batch_out(batch_id)
        except BatchNotFoundError:
            subscription.close()
            raise
        if not first.active:
            subscription.close()

        async def stream() -> AsyncIterator[str]:
            try:
                yield _sse("status", first.model_dump(mode="json"))
                async for event in subscription:
                    yield _sse(event.kind, event.to_dict())
            finally:
                subscription.close()  # also when the client goes away mid-stream

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    return app


def _leads(leads: list[LeadIn]) -> list[Lead]:
    return validate_leads((lead.model_dump() for lead in leads), source="request body 'leads'", first_line=0)


def _sse(kind: str, data: dict[str, Any]) -> str:
    return f"event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"
