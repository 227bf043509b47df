"""Quick-add enrichment through batch_runner: one-lead batches on d0_gateway's Hunter client (offline stubs,
or respx for provider answers and failures) or on testing.batches' scripted provider."""

import asyncio
import dataclasses
import itertools
import json
import random
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx
from hypothesis import given, settings
from hypothesis import strategies as st

from batch_runner import (
    BatchRunner,
    CheckpointStore,
    EnrichmentStep,
    Pipeline,
    RetryPolicy,
    RunSettings,
    gateway_price_book,
)
from d0_gateway import ConfigurationError, build_gateway
from lead_explorer import (
    BatchRunnerEnricher,
    EnrichmentBatchFailedError,
    EnrichmentBatchIncompleteError,
    EnrichmentResult,
    EnrichmentRunner,
    GatewayEnrichment,
    LeadExplorerError,
    LeadNotEnrichableError,
    OfflineEnricher,
    batch_lead,
    create_app,
    enrichment_batch_id,
    gateway_enrichment_pipeline,
)
from testing.batches import GENEROUS_BUDGET, KillSwitch, ScriptedProvider
from testing.mocks import HunterMock

LIVE_ENV = {"HUNTER_API_KEY": "test-hunter-key"}


class StaticProvider:
    """An EnrichmentProvider that answers every lead with the same data (the shape of Hunter's domain search)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data

    async def enrich(self, lead):
        return self.data


@pytest.fixture
def store():
    store = CheckpointStore.in_memory()
    yield store
    store.close()


@pytest.fixture
async def stub_gateway(fake_clock):
    async with build_gateway(stub=True, environ={}, clock=fake_clock) as gateway:
        yield gateway


@pytest.fixture
async def live_gateway(fake_clock):
    """A gateway configured for the real Hunter API, whose HTTP traffic each test routes to respx."""
    async with build_gateway(environ=LIVE_ENV, clock=fake_clock) as gateway:
        yield gateway


@pytest.fixture
def provider(fake_clock):
    return ScriptedProvider(fake_clock, label="hunter-fake")


def gateway_runner(gateway, store, clock) -> BatchRunner:
    return BatchRunner(
        store,
        gateway_enrichment_pipeline(gateway),
        price_book=gateway_price_book(gateway),
        clock=clock,
        rng=random.Random(7),
    )


def scripted_runner(provider, store, clock, *, retry: RetryPolicy | None = None) -> BatchRunner:
    settings = RunSettings(retry=retry or RetryPolicy())
    return BatchRunner(
        store, Pipeline([EnrichmentStep(provider)]), settings=settings, clock=clock, rng=random.Random(7)
    )


def client_for(app):
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://lead-explorer.test")


async def quick_add(repository, enricher, body) -> tuple[dict, dict]:
    """Quick-adds `body` through the API and returns the task's final status and the lead."""
    async with client_for(create_app(repository, enricher=enricher)) as client:
        response = await client.post("/leads/quick-add", json=body)
        assert response.status_code == 202
        status = (await client.get(response.json()["status_url"])).json()
        lead = (await client.get(f"/leads/{status['lead_id']}")).json()
    return status, lead


def full_name(contact: Mapping[str, Any]) -> str:
    return f"{contact['first_name']} {contact['last_name']}"


# -- through the API, on d0_gateway ------------------------------------------------------------------


async def test_quick_add_completes_with_the_most_confident_contact_the_stub_provider_knows_when_no_email_is_given(
    repository, store, stub_gateway, fake_clock
):
    enricher = BatchRunnerEnricher(gateway_runner(stub_gateway, store, fake_clock))
    status, lead = await quick_add(repository, enricher, {"domain": "cedar-dental.com"})
    known = await stub_gateway.hunter.domain_search("cedar-dental.com")
    best = max((email for email in known.data.emails if email.type == "personal"), key=lambda email: email.confidence)
    assert (status["status"], status["error"]) == ("completed", None)
    assert lead["contact_name"] == f"{best.first_name} {best.last_name}"
    assert lead["company"] == known.data.organization  # the offline stub names no organisation


async def test_quick_add_with_an_email_names_the_person_the_stub_provider_lists_at_that_address(
    repository, store, stub_gateway, fake_clock
):
    known = await stub_gateway.hunter.domain_search("summit-roofing.com")
    person = known.data.emails[2]
    enricher = BatchRunnerEnricher(gateway_runner(stub_gateway, store, fake_clock))
    status, lead = await quick_add(repository, enricher, {"email": person.value.upper()})
    assert status["status"] == "completed"
    assert lead["contact_name"] == f"{person.first_name} {person.last_name}"


async def test_quick_add_takes_the_company_hunter_reports_for_the_domain(repository, store, live_gateway, fake_clock):
    enricher = BatchRunnerEnricher(gateway_runner(live_gateway, store, fake_clock))
    with respx.mock(assert_all_mocked=True) as router:
        hunter = HunterMock(router, seed="organisation")
        body = hunter.domain_search_body("globex.io", count=2)
        route = hunter.respond("GET", HunterMock.DOMAIN_SEARCH, body, params__contains={"domain": "globex.io"})
        status, lead = await quick_add(repository, enricher, {"domain": "globex.io"})
    assert (status["status"], route.call_count) == ("completed", 1)
    assert lead["company"] == body["data"]["organization"]


async def test_quick_add_fails_the_task_with_batch_runners_reason_when_hunter_rejects_the_key(
    repository, store, live_gateway, fake_clock
):
    runner = gateway_runner(live_gateway, store, fake_clock)
    with respx.mock(assert_all_mocked=True) as router:
        HunterMock(router).unauthorized("GET", HunterMock.DOMAIN_SEARCH)
        status, lead = await quick_add(repository, BatchRunnerEnricher(runner), {"domain": "initech.com"})
    (outcome,) = runner.results(enrichment_batch_id(status["task_id"]))
    assert (status["status"], outcome.state) == ("failed", "failed")
    assert status["error"].startswith("EnrichmentBatchFailedError: batch 'lead-enrichment-")
    assert status["error"].endswith(outcome.error)
    assert "step 'enrichment' failed after 1 attempt: PermanentStepError: AuthenticationError" in (outcome.error or "")
    assert (lead["company"], lead["contact_name"]) == (None, None)


async def test_quick_add_completes_after_batch_runner_retries_a_transient_provider_error(
    repository, store, provider, fake_clock
):
    provider.fail_transiently("acme.com", times=1, retry_after=2)
    enricher = BatchRunnerEnricher(scripted_runner(provider, store, fake_clock))
    status, _lead = await quick_add(repository, enricher, {"domain": "acme.com"})
    assert (status["status"], provider.calls["acme.com"]) == ("completed", 2)
    assert fake_clock.sleeps and fake_clock.sleeps[0] >= 2  # the backoff honoured retry_after on the fake clock


async def test_quick_add_fails_the_task_when_retries_run_out(repository, store, provider, fake_clock):
    provider.fail_transiently("acme.com", times=5)
    enricher = BatchRunnerEnricher(scripted_runner(provider, store, fake_clock, retry=RetryPolicy(max_attempts=2)))
    status, _lead = await quick_add(repository, enricher, {"domain": "acme.com"})
    assert status["status"] == "failed"
    assert (
        "step 'enrichment' failed after 2 attempts: RetryableStepError: hunter-fake: temporarily unavailable"
        in status["error"]
    )


async def test_task_over_its_budget_fails_without_calling_the_provider(repository, store, provider, fake_clock):
    enricher = BatchRunnerEnricher(scripted_runner(provider, store, fake_clock), budget=Decimal("0.01"))
    status, _lead = await quick_add(repository, enricher, {"domain": "acme.com"})
    assert status["status"] == "failed"
    assert status["error"].startswith("BudgetApprovalRequiredError: batch 'lead-enrichment-")
    assert "over its budget of $0.01" in status["error"]
    assert provider.calls["acme.com"] == 0


# -- idempotency: the batch id comes from the task id ------------------------------------------------


def test_batch_id_is_derived_from_the_task_id():
    assert (
        enrichment_batch_id("00000000-0000-4000-8000-000000000002")
        == "lead-enrichment-00000000-0000-4000-8000-000000000002"
    )


async def test_running_the_same_task_twice_calls_the_provider_once_and_returns_the_same_result(
    repository, store, provider, fake_clock
):
    runner = scripted_runner(provider, store, fake_clock)
    enricher = BatchRunnerEnricher(runner, fallback=OfflineEnricher())
    lead = repository.create_lead(actor="t", email="jane.doe@acme-widgets.com", enrich=True)
    first = await enricher.enrich(lead)
    second = await enricher.enrich(lead)
    batch_id = enrichment_batch_id(lead.enrichment_task_id)
    assert first == second == EnrichmentResult(company="Acme Widgets", contact_name="Jane Doe")
    assert provider.calls["acme-widgets.com"] == 1
    assert [batch.batch_id for batch in runner.list_batches()] == [batch_id]
    assert store.step_result_count(batch_id) == 1


async def test_concurrent_runs_of_one_task_share_one_batch_run(repository, store, provider, fake_clock):
    enricher = BatchRunnerEnricher(scripted_runner(provider, store, fake_clock))
    lead = repository.create_lead(actor="t", domain="acme.com", enrich=True)
    results = await asyncio.gather(enricher.enrich(lead), enricher.enrich(lead))
    assert results[0] == results[1]
    assert provider.calls["acme.com"] == 1


async def test_an_interrupted_task_resumes_its_batch_without_calling_the_provider_again(
    repository, store, provider, fake_clock
):
    kill = KillSwitch(provider, at_call=1, before=False)
    runner = scripted_runner(kill, store, fake_clock)
    enricher = BatchRunnerEnricher(runner)
    lead = repository.create_lead(actor="t", domain="acme.com", enrich=True)
    interrupted = asyncio.create_task(enricher.enrich(lead))
    kill.task = interrupted
    with pytest.raises(asyncio.CancelledError):
        await interrupted
    batch_id = enrichment_batch_id(lead.enrichment_task_id)
    assert (kill.fired, runner.status(batch_id).status) == (True, "running")
    await enricher.enrich(lead)
    assert runner.status(batch_id).status == "completed"
    assert provider.calls["acme.com"] == 1


async def test_a_restart_adopts_the_paid_result_of_a_task_whose_batch_completed_before_the_server_died(
    repository, store, provider, fake_clock
):
    lead = repository.create_lead(actor="t", email="jane.doe@acme-widgets.com", enrich=True)
    task_id = lead.enrichment_task_id
    running = repository.start_enrichment(task_id, actor="t")
    await BatchRunnerEnricher(scripted_runner(provider, store, fake_clock)).enrich(running)  # paid, then kill -9
    spent = store.get_batch(enrichment_batch_id(task_id)).spent
    resumed = repository.requeue_unfinished_enrichments(actor="server-start")
    enricher = BatchRunnerEnricher(scripted_runner(provider, store, fake_clock), fallback=OfflineEnricher())
    app = create_app(repository, enricher=enricher, resume_tasks=resumed)
    async with app.router.lifespan_context(app):
        await asyncio.gather(*list(app.state.resumed_enrichments))
    after = repository.get_lead(lead.id)
    assert (resumed, after.enrichment_status.value, after.contact_name) == ([task_id], "completed", "Jane Doe")
    assert provider.calls["acme-widgets.com"] == 1
    assert store.get_batch(enrichment_batch_id(task_id)).spent == spent


async def test_a_restart_resumes_a_task_whose_batch_was_interrupted_and_pays_once(
    repository, store, provider, fake_clock
):
    kill = KillSwitch(provider, at_call=1, before=True)
    lead = repository.create_lead(actor="t", domain="acme.com", enrich=True)
    running = repository.start_enrichment(lead.enrichment_task_id, actor="t")
    interrupted = asyncio.create_task(BatchRunnerEnricher(scripted_runner(kill, store, fake_clock)).enrich(running))
    kill.task = interrupted
    with pytest.raises(asyncio.CancelledError):
        await interrupted
    resumed = repository.requeue_unfinished_enrichments(actor="server-start")
    app = create_app(
        repository, enricher=BatchRunnerEnricher(scripted_runner(provider, store, fake_clock)), resume_tasks=resumed
    )
    async with app.router.lifespan_context(app):
        await asyncio.gather(*list(app.state.resumed_enrichments))
    assert repository.get_lead(lead.id).enrichment_status.value == "completed"
    assert provider.calls["acme.com"] == 1


async def test_a_rerun_keeps_the_lead_as_first_submitted_when_it_was_edited_since(
    repository, store, provider, fake_clock
):
    runner = scripted_runner(provider, store, fake_clock)
    enricher = BatchRunnerEnricher(runner)
    lead = repository.create_lead(actor="t", domain="acme.com", enrich=True)
    await enricher.enrich(lead)
    await enricher.enrich(dataclasses.replace(lead, company="Renamed Inc"))
    (outcome,) = runner.results(enrichment_batch_id(lead.enrichment_task_id))
    assert (outcome.lead.business_name, provider.calls["acme.com"]) == ("acme.com", 1)


async def test_enriching_a_lead_again_is_a_new_task_and_a_new_batch(repository, store, provider, fake_clock):
    runner = scripted_runner(provider, store, fake_clock)
    async with client_for(create_app(repository, enricher=BatchRunnerEnricher(runner))) as client:
        first = (await client.post("/leads/quick-add", json={"domain": "acme.com"})).json()
        again = (await client.post(f"/leads/{first['lead']['id']}/enrichment")).json()
        final = (await client.get(again["status_url"])).json()
    assert final["status"] == "completed" and again["task_id"] != first["task_id"]
    assert sorted(batch.batch_id for batch in runner.list_batches()) == sorted(
        enrichment_batch_id(task) for task in (first["task_id"], again["task_id"])
    )
    assert provider.calls["acme.com"] == 2


async def test_a_task_already_completed_by_lead_explorer_is_not_run_again(repository, store, provider, fake_clock):
    enricher = BatchRunnerEnricher(scripted_runner(provider, store, fake_clock))
    lead = repository.create_lead(actor="t", domain="acme.com", enrich=True)
    runner = EnrichmentRunner(repository, enricher)
    await runner.run(lead.enrichment_task_id)
    with pytest.raises(LeadExplorerError, match="completed"):
        await runner.run(lead.enrichment_task_id)
    assert provider.calls["acme.com"] == 1


# -- what reaches batch_runner, and what comes back -------------------------------------------------


async def test_a_cancelled_batch_leaves_the_task_resumable(repository, store, provider, fake_clock):
    runner = scripted_runner(provider, store, fake_clock)
    enricher = BatchRunnerEnricher(runner)
    lead = repository.create_lead(actor="t", domain="acme.com", enrich=True)
    gate = provider.hold("acme.com")
    attempt = asyncio.create_task(enricher.enrich(lead))
    while provider.in_flight == 0:
        await asyncio.sleep(0)
    runner.cancel(enrichment_batch_id(lead.enrichment_task_id))
    with pytest.raises(EnrichmentBatchIncompleteError, match="still pending; run the task again to resume") as caught:
        await attempt
    assert (caught.value.batch_id, caught.value.state) == (enrichment_batch_id(lead.enrichment_task_id), "pending")
    gate.set()
    assert await enricher.enrich(lead) == EnrichmentResult()


def test_batch_lead_uses_the_email_domain_and_names_the_business_by_its_domain_when_no_company_is_known(repository):
    lead = repository.create_lead(actor="t", email="Sam.Lee@Initech.com")
    submitted = batch_lead(lead)
    assert (submitted.lead_id, submitted.business_name, submitted.domain, submitted.email) == (
        lead.id,
        "initech.com",
        "initech.com",
        "sam.lee@initech.com",
    )


def test_batch_lead_prefers_the_curated_company_and_domain(repository):
    lead = repository.create_lead(actor="t", email="info@globex.io", domain="globex.com", company="Globex Corp")
    assert (batch_lead(lead).business_name, batch_lead(lead).domain) == ("Globex Corp", "globex.com")


def test_batch_lead_refuses_a_lead_without_domain_or_email(repository):
    lead = dataclasses.replace(repository.create_lead(actor="t", domain="acme.com"), domain=None)
    with pytest.raises(LeadNotEnrichableError, match="neither a domain nor an email") as caught:
        batch_lead(lead)
    assert (caught.value.lead_id, caught.value.reason) == (lead.id, "it has neither a domain nor an email")


def test_batch_lead_names_a_domain_batch_runner_refuses(repository):
    lead = dataclasses.replace(repository.create_lead(actor="t", domain="acme.com"), domain="acme.123")
    with pytest.raises(
        LeadNotEnrichableError, match="batch_runner refuses its domain: .*all-numeric top-level domain '123'"
    ):
        batch_lead(lead)


async def test_a_lead_without_an_enrichment_task_is_refused(repository, store, provider, fake_clock):
    enricher = BatchRunnerEnricher(scripted_runner(provider, store, fake_clock))
    with pytest.raises(LeadNotEnrichableError, match="has no enrichment task"):
        await enricher.enrich(repository.create_lead(actor="t", domain="acme.com"))


def test_enricher_refuses_a_pipeline_without_its_step_and_a_negative_budget(store, provider, fake_clock):
    runner = scripted_runner(provider, store, fake_clock)
    with pytest.raises(ValueError, match="no step 'assessment'; its steps are \\['enrichment'\\]"):
        BatchRunnerEnricher(runner, step="assessment")
    with pytest.raises(ValueError, match="budget must be >= 0"):
        BatchRunnerEnricher(runner, budget=Decimal("-1"))


@pytest.mark.parametrize(
    "data, email, expected",
    [
        (
            {
                "organization": " Initech ",
                "contacts": [{"email": "Sam@initech.com", "first_name": "Sam", "last_name": "Lee"}],
            },
            "sam@initech.com",
            EnrichmentResult(company="Initech", contact_name="Sam Lee"),
        ),
        (
            {"organization": "Google", "webmail": True, "contacts": []},
            "someone@gmail.com",
            EnrichmentResult(),
        ),
        (
            {"contacts": [{"email": "x@acme.com", "first_name": "Xavier", "last_name": "Ng", "type": "personal"}]},
            "jane@acme.com",
            EnrichmentResult(),
        ),
        (
            {
                "contacts": [
                    {
                        "email": "info@acme.com",
                        "type": "generic",
                        "confidence": 99,
                        "first_name": "Front",
                        "last_name": "Desk",
                    },
                    {
                        "email": "ana@acme.com",
                        "type": "personal",
                        "confidence": 70,
                        "first_name": "Ana",
                        "last_name": "Li",
                    },
                    {
                        "email": "bo@acme.com",
                        "type": "personal",
                        "confidence": 90,
                        "first_name": "Bo",
                        "last_name": None,
                    },
                ]
            },
            None,
            EnrichmentResult(contact_name="Bo"),
        ),
        ({"provider": "other", "organization": 42, "contacts": "none"}, None, EnrichmentResult()),
    ],
    ids=["email-match", "webmail", "unlisted-email", "most-confident-personal", "unexpected-shape"],
)
async def test_step_result_maps_organisation_and_contact(repository, store, fake_clock, data, email, expected):
    runner = scripted_runner(StaticProvider(data), store, fake_clock)
    lead = repository.create_lead(actor="t", email=email, domain="acme.com", enrich=True)
    assert await BatchRunnerEnricher(runner).enrich(lead) == expected


async def test_fallback_fills_only_what_the_provider_did_not_find(repository, store, fake_clock):
    data = {"organization": "Acme Holdings", "contacts": []}
    enricher = BatchRunnerEnricher(scripted_runner(StaticProvider(data), store, fake_clock), fallback=OfflineEnricher())
    lead = repository.create_lead(actor="t", email="jane.doe@acme-widgets.com", enrich=True)
    assert await enricher.enrich(lead) == EnrichmentResult(company="Acme Holdings", contact_name="Jane Doe")


async def test_fallback_is_not_asked_when_the_provider_found_everything(repository, store, fake_clock):
    class MustNotBeCalled:
        async def enrich(self, lead):
            raise AssertionError("fallback called although nothing was missing")

    data = {
        "organization": "Initech",
        "contacts": [{"email": "sam@initech.com", "first_name": "Sam", "last_name": "Lee"}],
    }
    enricher = BatchRunnerEnricher(scripted_runner(StaticProvider(data), store, fake_clock), fallback=MustNotBeCalled())
    lead = repository.create_lead(actor="t", email="sam@initech.com", enrich=True)
    assert await enricher.enrich(lead) == EnrichmentResult(company="Initech", contact_name="Sam Lee")


async def test_failed_lead_is_reported_with_batch_runners_error_even_with_a_fallback(
    repository, store, provider, fake_clock
):
    provider.fail_permanently("acme.com", "domain is parked")
    enricher = BatchRunnerEnricher(scripted_runner(provider, store, fake_clock), fallback=OfflineEnricher())
    lead = repository.create_lead(actor="t", domain="acme.com", enrich=True)
    with pytest.raises(EnrichmentBatchFailedError) as caught:
        await enricher.enrich(lead)
    assert caught.value.reason == (
        "step 'enrichment' failed after 1 attempt: PermanentStepError: hunter-fake: domain is parked (acme.com)"
    )
    assert caught.value.batch_id == enrichment_batch_id(lead.enrichment_task_id)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)
_contact = st.fixed_dictionaries(
    {},
    optional={
        "email": st.sampled_from(["owner@acme.com", "OWNER@acme.com", "other@acme.com"]) | _json,
        "type": st.sampled_from(["personal", "generic"]) | _json,
        "confidence": st.integers(0, 100) | _json,
        "first_name": st.text(max_size=10) | _json,
        "last_name": st.text(max_size=10) | _json,
    },
)
_step_data = st.fixed_dictionaries(
    {},
    optional={
        "organization": st.text(max_size=20) | _json,
        "webmail": _json,
        "contacts": st.lists(_contact, max_size=4) | _json,
    },
)


def test_any_step_result_maps_to_text_or_nothing_and_names_only_the_leads_own_contact(repository, fake_clock):
    """Whatever JSON the step checkpointed, the result is text or None; a named contact is at the lead's email."""
    template = repository.create_lead(actor="t", domain="acme.com", enrich=True)
    provider = StaticProvider({})
    store = CheckpointStore.in_memory()
    enricher = BatchRunnerEnricher(scripted_runner(provider, store, fake_clock))
    task_numbers = itertools.count(1)

    @settings(max_examples=40, deadline=None)  # ~20 ms per batch run
    @given(data=_step_data, email=st.sampled_from(["owner@acme.com", None]))
    def check(data, email):
        provider.data = data
        lead = dataclasses.replace(template, email=email, enrichment_task_id=f"property-{next(task_numbers)}")
        found = loop.run(enricher.enrich(lead))
        assert all(value is None or isinstance(value, str) for value in (found.company, found.contact_name))
        if email is not None and found.contact_name is not None:
            contacts = data["contacts"]
            assert any(isinstance(c, dict) and str(c.get("email")).lower() == email for c in contacts), json.dumps(data)

    with asyncio.Runner() as loop:
        try:
            check()
        finally:
            store.close()


# -- GatewayEnrichment: what the server builds ------------------------------------------------------


async def test_gateway_enrichment_runs_quick_adds_on_the_offline_stubs_by_default(repository, store, fake_clock):
    enrichment = GatewayEnrichment(store, environ={}, clock=fake_clock, fallback=OfflineEnricher())
    try:
        status, lead = await quick_add(repository, enrichment.enricher, {"email": "ana@acme-widgets.com"})
        (batch,) = enrichment.enricher.runner.list_batches()
    finally:
        await enrichment.aclose()
    assert "d0_gateway offline stubs" in enrichment.describe()
    assert status["status"] == "completed"
    assert (lead["company"], lead["contact_name"]) == ("Acme Widgets", "Ana Lopez")  # company: the fallback's rules
    assert batch.spent == Decimal("0.049")  # one Hunter domain search at d0_gateway's list price


def test_gateway_enrichment_live_needs_the_hunter_key(store):
    with pytest.raises(ConfigurationError, match="HUNTER_API_KEY"):
        GatewayEnrichment(store, live=True, environ={})


async def test_gateway_enrichment_live_describes_the_live_api(store):
    enrichment = GatewayEnrichment(store, live=True, environ=LIVE_ENV)
    try:
        assert enrichment.describe() == "batch_runner, Hunter domain search via live Hunter API"
    finally:
        await enrichment.aclose()


def test_every_task_id_the_repository_issues_makes_a_valid_batch_id(repository, store, provider, fake_clock):
    runner = scripted_runner(provider, store, fake_clock)
    task_id = str(uuid.uuid4())  # LeadRepository's default id factory
    lead = batch_lead(repository.create_lead(actor="t", domain="acme.com"))
    assert runner.create_batch(enrichment_batch_id(task_id), [lead], budget=GENEROUS_BUDGET).batch_id.endswith(task_id)


async def test_gateway_enrichment_fails_a_task_over_the_budget_it_was_given(repository, store, fake_clock):
    enrichment = GatewayEnrichment(store, environ={}, clock=fake_clock, budget=Decimal("0.01"))
    try:
        status, _lead = await quick_add(repository, enrichment.enricher, {"domain": "acme.com"})
    finally:
        await enrichment.aclose()
    assert status["status"] == "failed"
    assert "over its budget of $0.01" in status["error"]
