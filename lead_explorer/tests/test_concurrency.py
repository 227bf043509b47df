import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from lead_explorer import (
    DuplicateLeadError,
    LeadRepository,
    create_database_engine,
    create_schema,
    session_factory,
)


@pytest.fixture
def file_repository(tmp_path):
    engine = create_database_engine(f"sqlite:///{tmp_path / 'leads.sqlite3'}")
    create_schema(engine)
    yield LeadRepository(session_factory(engine))
    engine.dispose()


def race(count, action):
    """Runs `action(index)` on `count` threads released at the same moment; returns results or errors."""
    barrier = threading.Barrier(count)

    def run(index):
        barrier.wait(timeout=10)
        try:
            return action(index)
        except DuplicateLeadError as error:
            return error

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


async def test_two_concurrent_api_creates_of_one_email_end_with_one_row_and_one_409(client):
    responses = await asyncio.gather(
        client.post("/leads", json={"email": "race@acme.com"}),
        client.post("/leads", json={"email": "RACE@acme.com", "company": "Acme"}),
    )
    assert sorted(response.status_code for response in responses) == [201, 409]
    conflict = next(response for response in responses if response.status_code == 409)
    assert conflict.json()["field"] == "email"
    assert (await client.get("/leads")).json()["total"] == 1


def test_threads_racing_to_create_one_domain_on_a_file_database_store_it_once(file_repository):
    outcomes = race(4, lambda index: file_repository.create_lead(actor=f"t{index}", domain="race.example.com"))
    errors = [outcome for outcome in outcomes if isinstance(outcome, DuplicateLeadError)]
    assert (len(outcomes) - len(errors), len(errors)) == (1, 3)
    assert {error.field for error in errors} == {"domain"}
    assert file_repository.list_leads().total == 1


def test_threads_writing_different_leads_keep_one_unforked_audit_chain(file_repository):
    outcomes = race(4, lambda index: file_repository.create_lead(actor="t", email=f"lead{index}@acme.com"))
    for lead in outcomes:
        file_repository.update_lead(lead.id, {"company": "Acme"}, actor="t")
    report = file_repository.verify_audit_chain()
    assert (report.valid, report.entries_checked) == (True, 8)
