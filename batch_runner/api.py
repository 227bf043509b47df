"""HTTP API (FastAPI) over a BatchRunner: preview, create, approve, start, list, status, cancel, results, SSE.

    app = create_app(runner)   # `bazel run //batch_runner:server` serves it; routes are under /batches

Errors are JSON `{"error": <type>, "detail": <message>}` with 404 (unknown batch), 409 (conflict, not
running, an approval below the estimate, repeated leads) or 402 (over budget without approval). Invalid
input gets 422 in FastAPI's `HTTPValidationError` shape,
`{"detail": [{"type", "loc", "msg"}], "error": <type>, "problems": [...]}` (`problems`: the rows of
rejected leads), never echoing the input. Bodies are limited in size and read time (413, 408; see
batch_runner.edge), and amounts are at most cost.MAX_AMOUNT_USD. Every status is in the OpenAPI document.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import FastAPI, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from batch_runner import edge
from batch_runner.checkpoint import BatchSnapshot
from batch_runner.cost import MAX_AMOUNT_USD, CostPreview
from batch_runner.errors import (
    ApprovalTooLowError,
    BatchConflictError,
    BatchNotFoundError,
    BatchRunnerError,
    BudgetApprovalRequiredError,
    DuplicateLeadsError,
    InvalidBatchError,
    LeadInputError,
)
from batch_runner.leads import MAX_FIELD_LENGTHS, MAX_LEADS_PER_REQUEST, Lead, validate_leads
from batch_runner.runner import BatchRunner

_STATUS_BY_ERROR: tuple[tuple[type[BatchRunnerError], int], ...] = (
    (BatchNotFoundError, 404),
    (BudgetApprovalRequiredError, 402),
    (BatchConflictError, 409),
    (DuplicateLeadsError, 409),
    (LeadInputError, 422),
    (ApprovalTooLowError, 409),
    (InvalidBatchError, 422),
)


_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"
_AMOUNT_PATTERN = r"^(?:[0-9]{1,6}(?:\.[0-9]{1,6})?|1000000(?:\.0{1,6})?)$"


def _amount(value: Any) -> Any:
    """Budgets and approvals: a JSON number, or a decimal string like "25.00"; finite, 0 to MAX_AMOUNT_USD."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise ValueError("must be an amount of dollars (a number or a decimal string)")
    if isinstance(value, str) and not re.fullmatch(_AMOUNT_PATTERN, value):
        raise ValueError(f'must be a decimal amount of dollars between 0 and {MAX_AMOUNT_USD}, like "25.00"')
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a finite amount of dollars")
    amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not Decimal(0) <= amount <= MAX_AMOUNT_USD:
        raise ValueError(f"must be between 0 and {MAX_AMOUNT_USD} USD")
    return amount


UsdAmount = Annotated[
    Decimal,
    BeforeValidator(_amount),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": int(MAX_AMOUNT_USD)},
                {"type": "string", "pattern": _AMOUNT_PATTERN},
            ],
            "description": f"US dollars, 0 to {MAX_AMOUNT_USD} (a number or a decimal string)",
        }
    ),
]


class LeadIn(BaseModel):
    """A lead as sent by a client; validated like a CSV row (row numbers start at 0)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    lead_id: str = Field(pattern=_ID_PATTERN, max_length=64)
    business_name: str = Field(
        max_length=MAX_FIELD_LENGTHS["business_name"], json_schema_extra={"pattern": edge.REQUIRED_TEXT_PATTERN}
    )
    domain: str = Field(max_length=253, json_schema_extra={"format": "hostname"}, examples=["acme-widgets.com"])
    email: str = Field(
        max_length=MAX_FIELD_LENGTHS["email"], json_schema_extra={"format": "email", **edge.NOT_SPECIAL_USE_SCHEMA}
    )


_LEADS = Field(min_length=1, max_length=MAX_LEADS_PER_REQUEST)


class PreviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    leads: list[LeadIn] = _LEADS
    budget_usd: UsdAmount | None = None


class CreateBatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    batch_id: str = Field(pattern=_ID_PATTERN, max_length=64)
    leads: list[LeadIn] = _LEADS
    budget_usd: UsdAmount


class ApproveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_cost_usd: UsdAmount


class LeadProblemOut(BaseModel):
    """One rejected lead: its row (0-based in a request), the column and why."""

    line: int
    column: str
    reason: str


class BatchErrorOut(BaseModel):
    """A request the batch's state refuses: unknown batch (404), conflict (409), approval needed (402).

    A 409 for leads that repeat one another (DuplicateLeadsError) lists them in `problems`."""

    error: str
    detail: str
    problems: list[LeadProblemOut] | None = None


class ValidationItemOut(BaseModel):
    """One invalid part of a request: where (`loc`), what was wrong (`msg`), and the error `type`."""

    loc: list[str | int]
    msg: str
    type: str


class BatchValidationErrorOut(BaseModel):
    """422: FastAPI's HTTPValidationError shape; `error` names the check, `problems` lists rejected leads."""

    detail: list[ValidationItemOut]
    error: str | None = None
    problems: list[LeadProblemOut] | None = None


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


class LeadOut(BaseModel):
    lead_id: str
    business_name: str
    domain: str
    email: str


class LeadResultOut(BaseModel):
    lead: LeadOut
    state: str
    steps: dict[str, dict[str, Any]]
    error: str | None
    attempts: int


_ERROR_STATUSES = {
    404: "No such batch",
    409: "Conflicts with the batch's leads, state or estimate",
    402: "Over budget without approval",
}


def _responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    documented: dict[int | str, dict[str, Any]] = {
        status: {"model": BatchErrorOut, "description": _ERROR_STATUSES[status]} for status in statuses
    }
    documented[422] = {"model": BatchValidationErrorOut, "description": "Invalid input; nothing was created or spent"}
    return documented


_SSE_EVENT = {
    "type": "object",
    "description": "One server-sent event: `status`, `started`, `lead_done`, `lead_failed`, `finished`, `cancelled`",
    "properties": {"event": {"type": "string"}, "data": {"type": "string"}},
    "required": ["event", "data"],
}
BatchId = Annotated[str, Path(description="The batch's id.", max_length=64)]


def create_app(runner: BatchRunner, *, limits: edge.GuardLimits = edge.DEFAULT_GUARD_LIMITS) -> FastAPI:
    """The batch API bound to `runner` (whose store, clock and providers it uses); bodies bounded by `limits`."""
    app = FastAPI(title="LeadFactory batch runner", version="1.0")
    edge.document_edge_responses(app)
    app.add_middleware(edge.RequestGuard, limits=limits, routes=lambda: app.router.routes)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        body = edge.validation_error_body(error.errors())
        return JSONResponse({**body, "error": "RequestValidationError"}, status_code=422)

    @app.exception_handler(BatchRunnerError)
    async def _batch_error(request: Request, error: BatchRunnerError) -> JSONResponse:
        status = next((code for kind, code in _STATUS_BY_ERROR if isinstance(error, kind)), 400)
        message = edge.printable_message(str(error), max_length=2000)
        body: dict[str, Any] = {"error": type(error).__name__}
        if isinstance(error, LeadInputError):
            body["problems"] = [
                {"line": p.line, "column": p.column, "reason": edge.printable_message(p.reason)} for p in error.problems
            ]
        if status != 422:
            return JSONResponse({**body, "detail": message}, status_code=status)
        if isinstance(error, LeadInputError):
            body["detail"] = [
                edge.validation_item(["body", "leads", p.line, p.column], f"{p.column}: {p.reason}")
                for p in error.problems
            ]
        else:
            body["detail"] = [edge.validation_item(["body"], message)]
        return JSONResponse(body, status_code=422)

    def batch_out(batch_id: str) -> BatchOut:
        return BatchOut.of(runner.status(batch_id), runner.is_active(batch_id))

    @app.post("/batches/preview", responses=_responses(409))
    async def preview(request: PreviewRequest) -> PreviewOut:
        """Validates the leads and estimates the batch's cost; nothing is created or spent."""
        leads = _leads(request.leads)
        return PreviewOut.of(runner.preview(len(leads)), request.budget_usd)

    @app.post("/batches", status_code=201, responses=_responses(409))
    async def create(request: CreateBatchRequest) -> BatchOut:
        """Creates the batch (idempotent for the same id and leads); it starts only when asked to."""
        runner.create_batch(request.batch_id, _leads(request.leads), budget=request.budget_usd)
        return batch_out(request.batch_id)

    @app.get("/batches")
    async def list_batches() -> list[BatchOut]:
        return [BatchOut.of(snapshot, runner.is_active(snapshot.batch_id)) for snapshot in runner.list_batches()]

    @app.get("/batches/{batch_id}", responses=_responses(404))
    async def status(batch_id: BatchId) -> BatchOut:
        return batch_out(batch_id)

    @app.get("/batches/{batch_id}/results", responses=_responses(404))
    async def results(batch_id: BatchId) -> list[LeadResultOut]:
        return [
            LeadResultOut(
                lead=LeadOut(**result.lead.to_dict()),
                state=result.state,
                steps={name: dict(data) for name, data in result.steps.items()},
                error=result.error,
                attempts=result.attempts,
            )
            for result in runner.results(batch_id)
        ]

    @app.post("/batches/{batch_id}/approve", responses=_responses(404, 409))
    async def approve(batch_id: BatchId, request: ApproveRequest) -> BatchOut:
        """Approves spending up to max_cost_usd (at least the estimate) on an over-budget batch."""
        runner.approve(batch_id, request.max_cost_usd)
        return batch_out(batch_id)

    @app.post("/batches/{batch_id}/start", status_code=202, responses=_responses(404, 409, 402))
    async def start(batch_id: BatchId) -> BatchOut:
        """Starts or resumes the batch in the background (402 while it needs an approval)."""
        runner.start(batch_id)
        return batch_out(batch_id)

    @app.post("/batches/{batch_id}/cancel", status_code=202, responses=_responses(404, 409))
    async def cancel(batch_id: BatchId) -> BatchOut:
        """Stops the batch: no new lead starts; leads in flight go back to pending."""
        snapshot = runner.status(batch_id)
        if not runner.cancel(batch_id):
            raise BatchConflictError(f"batch {batch_id!r} is not running (status {snapshot.status!r})")
        return batch_out(batch_id)

    @app.get(
        "/batches/{batch_id}/events",
        response_class=StreamingResponse,
        responses={**_responses(404), 200: {"content": {"text/event-stream": {"schema": _SSE_EVENT}}}},
    )
    async def events(batch_id: BatchId) -> StreamingResponse:
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
