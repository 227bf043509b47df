import asyncio

import httpx
import pytest

from lead_explorer import (
    EnrichmentResult,
    EnrichmentRunner,
    EnrichmentStatus,
    OfflineEnricher,
    create_app,
)


class GatedEnricher:
    """Signals when enrichment starts and finishes only when the test opens the gate."""

    def __init__(self, result: EnrichmentResult) -> None:
        self.started = asyncio.Event()
        self.gate = asyncio.Event()
        self.result = result

    async def enrich(self, lead):
        self.started.set()
        await self.gate.wait()
        return self.result


class FailingEnricher:
    async def enrich(self, lead):
        raise TimeoutError("provider did not answer in 30 s")


class ReturnsUnstorable:
    async def enrich(self, lead):
        return EnrichmentResult(company="bad\x00name")


def client_for(app):
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://lead-explorer.test")


async def test_quick_add_creates_a_manual_lead_and_enrichment_completes_in_the_background(client):
    response = await client.post("/leads/quick-add", json={"email": "jane.doe@acme-widgets.com"})
    assert response.status_code == 202
    body = response.json()
    assert (body["lead"]["is_manual"], body["lead"]["source"], body["lead"]["enrichment_status"]) == (
        True,
        "quick-add",
        "pending",
    )
    status = (await client.get(body["status_url"])).json()
    assert (status["status"], status["lead_id"], status["error"]) == ("completed", body["lead"]["id"], None)
    lead = (await client.get(f"/leads/{body['lead']['id']}")).json()
    assert (lead["company"], lead["contact_name"]) == ("Acme Widgets", "Jane Doe")


async def test_status_endpoint_reports_running_while_the_enricher_works(repository):
    enricher = GatedEnricher(EnrichmentResult(company="Found Co"))
    async with client_for(create_app(repository, enricher=enricher)) as client:
        posting = asyncio.create_task(client.post("/leads/quick-add", json={"domain": "acme.com"}))
        await asyncio.wait_for(enricher.started.wait(), timeout=5)
        task_id = repository.list_leads().items[0].enrichment_task_id
        running = (await client.get(f"/enrichment-tasks/{task_id}")).json()
        enricher.gate.set()
        await posting
        finished = (await client.get(f"/enrichment-tasks/{task_id}")).json()
    assert (running["status"], finished["status"]) == ("running", "completed")


async def test_enricher_failure_is_reported_as_failed_with_its_error(repository):
    async with client_for(create_app(repository, enricher=FailingEnricher())) as client:
        body = (await client.post("/leads/quick-add", json={"domain": "acme.com"})).json()
        status = (await client.get(body["status_url"])).json()
    assert status["status"] == "failed"
    assert status["error"] == "TimeoutError: provider did not answer in 30 s"


async def test_enricher_result_that_cannot_be_stored_fails_the_task_and_keeps_the_lead_clean(repository):
    lead = repository.create_lead(actor="t", domain="acme.com", enrich=True)
    finished = await EnrichmentRunner(repository, ReturnsUnstorable()).run(lead.enrichment_task_id)
    assert finished.enrichment_status is EnrichmentStatus.FAILED
    assert "unusable data: company: contains a NUL character" in (finished.enrichment_error or "")
    assert finished.company is None


async def test_quick_add_validates_like_create(client):
    response = await client.post("/leads/quick-add", json={"email": "nope"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "email"]


async def test_quick_add_duplicate_gets_409(client):
    await client.post("/leads", json={"email": "a@acme.com"})
    response = await client.post("/leads/quick-add", json={"email": "A@acme.com"})
    assert (response.status_code, response.json()["field"]) == (409, "email")


async def test_an_existing_lead_can_be_enriched_again_after_completion(client):
    lead = (await client.post("/leads", json={"email": "sam.lee@initech.com"})).json()
    response = await client.post(f"/leads/{lead['id']}/enrichment")
    assert response.status_code == 202
    status = (await client.get(response.json()["status_url"])).json()
    assert status["status"] == "completed"
    assert (await client.get(f"/leads/{lead['id']}")).json()["company"] == "Initech"


async def test_enriching_while_a_task_is_pending_gets_409(client, repository):
    lead = repository.create_lead(actor="t", domain="acme.com", enrich=True)
    response = await client.post(f"/leads/{lead.id}/enrichment")
    assert response.status_code == 409
    assert response.json() == {
        "detail": f"enrichment task {lead.enrichment_task_id!r} is pending; it cannot become pending"
    }


async def test_unknown_enrichment_task_gets_404(client):
    response = await client.get("/enrichment-tasks/00000000-0000-4000-8000-999999999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "no enrichment task with id '00000000-0000-4000-8000-999999999999'"}


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"email": "jane.doe@acme-widgets.com"}, EnrichmentResult(company="Acme Widgets", contact_name="Jane Doe")),
        ({"domain": "globex.io", "email": "info@globex.io"}, EnrichmentResult(company="Globex")),
        ({"email": "john.smith@gmail.com"}, EnrichmentResult(contact_name="John Smith")),
        ({"domain": "xn--bcher-kva.de"}, EnrichmentResult()),
        ({"email": "x1.y2@z.com"}, EnrichmentResult(company="Z")),
        ({"domain": "big--blue-sky.com"}, EnrichmentResult(company="Big Blue Sky")),
        ({"email": "mary-jane.o_neil@yahoo.com"}, EnrichmentResult(contact_name="Mary Jane O Neil")),
        ({"email": "sales@initech.com"}, EnrichmentResult(company="Initech")),
        ({"email": "ann.lee@xn--bcher-kva.de"}, EnrichmentResult(contact_name="Ann Lee")),
    ],
)
async def test_offline_enricher_infers_company_from_domain_and_contact_from_a_first_last_mailbox(
    repository, fields, expected
):
    lead = repository.create_lead(actor="t", **fields)
    assert await OfflineEnricher().enrich(lead) == expected


async def test_enricher_that_returns_nothing_completes_the_task_and_keeps_the_lead_unchanged(repository):
    lead = repository.create_lead(actor="t", domain="acme.com", company="Curated", enrich=True)

    class FindsNothing:
        async def enrich(self, lead):
            return EnrichmentResult()

    finished = await EnrichmentRunner(repository, FindsNothing()).run(lead.enrichment_task_id)
    assert (finished.enrichment_status, finished.company, finished.enrichment_error) == (
        EnrichmentStatus.COMPLETED,
        "Curated",
        None,
    )
    assert [entry.actor for entry in repository.audit_trail(lead.id)][1:] == ["enrichment", "enrichment"]
