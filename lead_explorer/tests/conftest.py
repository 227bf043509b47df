"""Fixtures for lead_explorer's tests: an in-memory database, a repository on a fake clock, and an API client."""

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, insert

from lead_explorer import (
    AuditEntry,
    LeadRecord,
    LeadRepository,
    create_app,
    create_database_engine,
    create_schema,
    session_factory,
)
from testing import FakeClock
from testing.leads import SequentialIds


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = create_database_engine("sqlite://")
    create_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def ids() -> SequentialIds:
    return SequentialIds()


@pytest.fixture
def repository(engine: Engine, fake_clock: FakeClock, ids: SequentialIds) -> LeadRepository:
    return LeadRepository(session_factory(engine), clock=fake_clock, new_id=ids)


@pytest.fixture
def app(repository: LeadRepository) -> FastAPI:
    return create_app(repository)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://lead-explorer.test") as client:
        yield client


@pytest.fixture
def colliding_audit_log(repository: LeadRepository, engine: Engine, fake_clock: FakeClock) -> LeadRecord:
    """One stored lead, and a forged audit log whose newest checksum is already some entry's predecessor,
    so every further write collides with the log (as with a concurrent writer) until it is given up."""
    existing = repository.create_lead(actor="alice", email="a@acme.com")
    forged = {"lead_id": existing.id, "action": "x", "actor": "x", "occurred_at": fake_clock.now()}
    with engine.begin() as connection:
        connection.execute(
            insert(AuditEntry).values(sequence=7, previous_checksum="a" * 64, checksum="b" * 64, **forged)
        )
        connection.execute(
            insert(AuditEntry).values(sequence=3, previous_checksum="b" * 64, checksum="c" * 64, **forged)
        )
    return existing
