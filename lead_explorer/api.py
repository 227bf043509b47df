"""The Lead Explorer HTTP API (FastAPI): lead CRUD, audit trail, quick-add with background enrichment, health."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import BackgroundTasks, FastAPI, Header, Path, Query, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from batch_runner import edge
from lead_explorer.enrichment import Enricher, EnrichmentRunner, OfflineEnricher
from lead_explorer.errors import (
    DuplicateLeadError,
    EnrichmentTaskNotFoundError,
    EnrichmentTransitionError,
    LeadIdentityError,
    LeadNotFoundError,
    LeadValidationError,
    WriteConflictError,
)
from lead_explorer.models import EnrichmentStatus
from lead_explorer.repository import MAX_PAGE_SIZE, LeadFilters, LeadRepository
from lead_explorer.schemas import (
    AuditChainOut,
    AuditEntryOut,
    DuplicateOut,
    EnrichmentTaskOut,
    ErrorOut,
    HealthOut,
    LeadCreate,
    LeadOut,
    LeadPageOut,
    LeadUpdate,
    QuickAddOut,
    QuickAddRequest,
)

DEFAULT_ACTOR = "api"
_TEXT = {"pattern": edge.TEXT_PATTERN}
MAX_OFFSET = 1_000_000_000

# Where a field named in a LeadValidationError came from, for the 422's `loc`.
_FIELD_LOCATIONS = {"actor": ("header", "X-Actor")}

Actor = Annotated[
    str | None,
    Header(
        alias="X-Actor",
        max_length=100,
        json_schema_extra=_TEXT,
        description="Who makes the change; recorded in the audit trail (UTF-8, else Latin-1).",
    ),
]
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "No such lead"}}
_DUPLICATE: dict[int | str, dict[str, Any]] = {409: {"model": DuplicateOut, "description": "Email or domain taken"}}
_BUSY: dict[int | str, dict[str, Any]] = {409: {"model": ErrorOut, "description": "Enrichment already under way"}}
_NO_TASK: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "No such enrichment task"}}
_UNAVAILABLE: dict[int | str, dict[str, Any]] = {503: {"model": HealthOut, "description": "Database unreachable"}}

LeadId = Annotated[uuid.UUID, Path(description="The lead's id (a UUID).")]


def create_app(
    repository: LeadRepository,
    *,
    enricher: Enricher | None = None,
    on_shutdown: Sequence[Callable[[], Awaitable[None]]] = (),
    resume_tasks: Sequence[str] = (),
    limits: edge.GuardLimits = edge.DEFAULT_GUARD_LIMITS,
) -> FastAPI:
    """The API over `repository`; quick-add enriches through `enricher` (OfflineEnricher by default).

    `resume_tasks` (pending enrichment tasks an earlier server left unfinished) run in the background
    once the server starts; `on_shutdown` closers (e.g. of the enricher's gateway and checkpoint store)
    run, in order, when it stops. Request bodies are bounded and timed by `limits`.
    """
    runner = EnrichmentRunner(repository, enricher or OfflineEnricher())
    resumed: set[asyncio.Task[object]] = set()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        for task_id in resume_tasks:
            task: asyncio.Task[object] = asyncio.get_running_loop().create_task(
                runner.run(task_id), name=f"enrichment:{task_id}"
            )
            resumed.add(task)
            task.add_done_callback(resumed.discard)
        try:
            yield
        finally:
            for task in list(resumed):  # an unfinished one stays running and is resumed at the next start
                task.cancel()
            await asyncio.gather(*resumed, return_exceptions=True)
            for close in on_shutdown:
                await close()

    app = FastAPI(
        title="LeadFactory Lead Explorer",
        version="1.0.0",
        description="Create, curate and audit leads. Every change is recorded in a tamper-evident audit log.",
        lifespan=lifespan,
    )
    app.state.resumed_enrichments = resumed  # the resumed tasks still running, for shutdown and tests
    _install_error_handlers(app)
    edge.install_validation_handler(app)
    edge.document_edge_responses(app)
    app.add_middleware(edge.RequestGuard, limits=limits, routes=lambda: app.router.routes)

    @app.get("/health", response_model=HealthOut, responses=_UNAVAILABLE, tags=["service"])
    def health() -> JSONResponse:
        """Reports whether the service can reach its database (503 when it cannot)."""
        try:
            repository.ping()
        except SQLAlchemyError:
            return JSONResponse(status_code=503, content={"status": "unavailable", "database": "unreachable"})
        return JSONResponse(content={"status": "ok", "database": "ok"})

    @app.post(
        "/leads", response_model=LeadOut, status_code=status.HTTP_201_CREATED, responses=_DUPLICATE, tags=["leads"]
    )
    def create_lead(body: LeadCreate, x_actor: Actor = None) -> LeadOut:
        """Creates a lead; 409 names the field when its email or domain already belongs to another lead."""
        record = repository.create_lead(actor=_actor(x_actor), **body.model_dump())
        return LeadOut.model_validate(record)

    @app.get("/leads", response_model=LeadPageOut, tags=["leads"])
    def list_leads(
        search: Annotated[
            str | None,
            Query(max_length=200, json_schema_extra=_TEXT, description="Matches email, domain or company."),
        ] = None,
        source: Annotated[str | None, Query(max_length=100, json_schema_extra=_TEXT)] = None,
        is_manual: bool | None = None,
        enrichment_status: EnrichmentStatus | None = None,
        include_deleted: bool = False,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    ) -> LeadPageOut:
        """Lists leads, newest first, with the total number of matches."""
        filters = LeadFilters(
            search=search,
            source=source,
            is_manual=is_manual,
            enrichment_status=enrichment_status,
            include_deleted=include_deleted,
        )
        try:
            page = repository.list_leads(filters, limit=limit, offset=offset)
        except LeadValidationError as error:  # a filter breaks the text rule: name the query parameter
            detail = [edge.validation_item(("query", error.field), f"{error.field}: {error.reason}")]
            return JSONResponse(status_code=422, content={"detail": detail})  # type: ignore[return-value]
        return LeadPageOut.model_validate(page)

    @app.post(
        "/leads/quick-add",
        response_model=QuickAddOut,
        status_code=status.HTTP_202_ACCEPTED,
        responses=_DUPLICATE,
        tags=["enrichment"],
    )
    def quick_add(
        body: QuickAddRequest, request: Request, background: BackgroundTasks, x_actor: Actor = None
    ) -> QuickAddOut:
        """Creates a manual lead and enriches it in the background; follow `status_url` for progress."""
        record = repository.create_lead(actor=_actor(x_actor), is_manual=True, enrich=True, **body.model_dump())
        task_id = str(record.enrichment_task_id)
        background.add_task(runner.run, task_id)
        return QuickAddOut(
            lead=LeadOut.model_validate(record),
            task_id=task_id,
            status_url=str(request.url_for("enrichment_task", task_id=task_id)),
        )

    @app.get("/leads/{lead_id}", response_model=LeadOut, responses=_NOT_FOUND, tags=["leads"])
    def get_lead(lead_id: LeadId) -> LeadOut:
        """The lead with this id (404 when unknown or deleted)."""
        return LeadOut.model_validate(repository.get_lead(str(lead_id)))

    @app.patch("/leads/{lead_id}", response_model=LeadOut, responses={**_NOT_FOUND, **_DUPLICATE}, tags=["leads"])
    def update_lead(lead_id: LeadId, body: LeadUpdate, x_actor: Actor = None) -> LeadOut:
        """Changes the fields present in the body; null clears a field."""
        changes = body.model_dump(exclude_unset=True)
        return LeadOut.model_validate(repository.update_lead(str(lead_id), changes, actor=_actor(x_actor)))

    @app.delete("/leads/{lead_id}", response_model=LeadOut, responses=_NOT_FOUND, tags=["leads"])
    def delete_lead(lead_id: LeadId, x_actor: Actor = None) -> LeadOut:
        """Soft-deletes the lead; its audit trail stays readable."""
        return LeadOut.model_validate(repository.delete_lead(str(lead_id), actor=_actor(x_actor)))

    @app.get("/leads/{lead_id}/audit", response_model=list[AuditEntryOut], responses=_NOT_FOUND, tags=["audit"])
    def audit_trail(lead_id: LeadId) -> list[AuditEntryOut]:
        """Every change made to the lead, oldest first (deleted leads included)."""
        return [AuditEntryOut.model_validate(entry) for entry in repository.audit_trail(str(lead_id))]

    @app.post(
        "/leads/{lead_id}/enrichment",
        response_model=QuickAddOut,
        status_code=status.HTTP_202_ACCEPTED,
        responses={**_NOT_FOUND, **_BUSY},
        tags=["enrichment"],
    )
    def enrich_lead(
        lead_id: LeadId, request: Request, background: BackgroundTasks, x_actor: Actor = None
    ) -> QuickAddOut:
        """Starts a new enrichment of an existing lead in the background."""
        record = repository.request_enrichment(str(lead_id), actor=_actor(x_actor))
        task_id = str(record.enrichment_task_id)
        background.add_task(runner.run, task_id)
        return QuickAddOut(
            lead=LeadOut.model_validate(record),
            task_id=task_id,
            status_url=str(request.url_for("enrichment_task", task_id=task_id)),
        )

    @app.get("/enrichment-tasks/{task_id}", response_model=EnrichmentTaskOut, responses=_NO_TASK, tags=["enrichment"])
    def enrichment_task(task_id: uuid.UUID) -> EnrichmentTaskOut:
        """Progress of an enrichment task: pending, running, completed or failed (with its error)."""
        record = repository.get_enrichment_task(str(task_id))
        return EnrichmentTaskOut(
            task_id=str(task_id),
            lead_id=record.id,
            status=record.enrichment_status,
            error=record.enrichment_error,
            enriched_at=record.enriched_at,
            updated_at=record.updated_at,
        )

    @app.get("/audit/verify", response_model=AuditChainOut, tags=["audit"])
    def verify_audit() -> AuditChainOut:
        """Recomputes the audit log's checksum chain and reports the first broken entry, if any."""
        return AuditChainOut.model_validate(repository.verify_audit_chain())

    return app


def _actor(header: str | None) -> str:
    """The X-Actor header decoded as UTF-8 (else Latin-1); the repository applies the text rule to it."""
    if header is None or not header.strip():
        return DEFAULT_ACTOR
    return edge.decode_header_text(header)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LeadValidationError)
    async def _invalid(_request: Request, error: LeadValidationError) -> JSONResponse:
        loc = _FIELD_LOCATIONS.get(error.field, ("body", error.field))
        detail = [edge.validation_item(loc, f"{error.field}: {error.reason}")]  # the value is never echoed
        return JSONResponse(status_code=422, content={"detail": detail})

    @app.exception_handler(LeadIdentityError)
    async def _identity(_request: Request, error: LeadIdentityError) -> JSONResponse:
        content = {"detail": f"{error.field}: {error.reason}", "field": error.field, "existing_id": None}
        return JSONResponse(status_code=409, content=content)

    @app.exception_handler(DuplicateLeadError)
    async def _duplicate(_request: Request, error: DuplicateLeadError) -> JSONResponse:
        content = {"detail": str(error), "field": error.field, "existing_id": error.existing_id}
        return JSONResponse(status_code=409, content=content)

    @app.exception_handler(LeadNotFoundError)
    @app.exception_handler(EnrichmentTaskNotFoundError)
    async def _not_found(_request: Request, error: Exception) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": str(error)})

    @app.exception_handler(EnrichmentTransitionError)
    async def _conflicting_state(_request: Request, error: EnrichmentTransitionError) -> JSONResponse:
        return JSONResponse(status_code=409, content={"detail": str(error)})

    @app.exception_handler(WriteConflictError)
    async def _busy(_request: Request, error: WriteConflictError) -> JSONResponse:
        return JSONResponse(status_code=503, content={"detail": str(error)}, headers={"Retry-After": "1"})
