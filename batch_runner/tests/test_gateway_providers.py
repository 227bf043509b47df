from decimal import Decimal

import pytest
import respx

from batch_runner import (
    BatchRunner,
    CheckpointStore,
    HunterEnrichmentProvider,
    PageSpeedAssessmentProvider,
    PermanentStepError,
    RetryableStepError,
    RunSettings,
    gateway_pipeline,
    gateway_price_book,
    step_error,
)
from d0_gateway import BudgetExceeded, CircuitOpen, InvalidInput, build_gateway
from testing.batches import GENEROUS_BUDGET, make_leads
from testing.mocks import HunterMock, PageSpeedMock

LIVE_ENV = {"HUNTER_API_KEY": "test-hunter-key"}


@pytest.fixture
async def stub_gateway(fake_clock):
    async with build_gateway(stub=True, environ={}, clock=fake_clock) as gateway:
        yield gateway


@pytest.fixture
async def live_gateway(fake_clock):
    """A gateway configured as for production, whose HTTP traffic the test routes to respx."""
    async with build_gateway(environ=LIVE_ENV, clock=fake_clock) as gateway:
        yield gateway


async def test_enrichment_reports_what_hunter_knows_about_the_leads_domain(stub_gateway):
    lead = make_leads(1, seed="hunter")[0]
    data = await HunterEnrichmentProvider(stub_gateway).enrich(lead)
    assert data["source"] == "hunter"
    assert data["contacts"] and all(contact["email"].endswith("@" + lead.domain) for contact in data["contacts"])
    assert data["contacts_known"] == len(data["contacts"])


async def test_enrichment_result_names_each_field_and_each_contacts_details(stub_gateway):
    data = await HunterEnrichmentProvider(stub_gateway).enrich(make_leads(1, seed="hunter")[0])
    assert set(data) == {
        "source",
        "organization",
        "email_pattern",
        "webmail",
        "disposable",
        "accept_all",
        "contacts_known",
        "contacts",
    }
    assert {tuple(sorted(contact)) for contact in data["contacts"]} == {
        ("confidence", "email", "first_name", "last_name", "position", "type")
    }


async def test_assessment_result_names_the_source_url_scores_and_analysis_time(stub_gateway):
    data = await PageSpeedAssessmentProvider(stub_gateway).assess("https://acme-plumbing.com")
    assert set(data) == {"source", "url", "scores", "analyzed_at"}
    assert data["analyzed_at"]


async def test_assessment_reports_lighthouse_scores_for_the_url(stub_gateway):
    data = await PageSpeedAssessmentProvider(stub_gateway).assess("https://acme-plumbing.com")
    assert (data["source"], data["url"]) == ("pagespeed", "https://acme-plumbing.com")
    assert set(data["scores"]) >= {"performance", "seo", "accessibility"}
    assert all(0 <= score <= 100 for score in data["scores"].values())


async def test_batch_through_the_stub_gateway_spends_exactly_its_preview(stub_gateway, fake_clock):
    runner = BatchRunner(
        CheckpointStore.in_memory(),
        gateway_pipeline(stub_gateway, campaign_id="c-1"),
        price_book=gateway_price_book(stub_gateway),
        settings=RunSettings(max_concurrency=3),
        clock=fake_clock,
    )
    runner.create_batch("b1", make_leads(4, seed="gateway-batch"), budget=GENEROUS_BUDGET)
    final = await runner.run("b1")
    assert (final.status, final.done) == ("completed", 4)
    assert final.spent == final.estimated_cost == Decimal("0.049") * 4  # Hunter domain search; PageSpeed is free
    assert {result.steps["website_assessment"]["source"] for result in runner.results("b1")} == {"pagespeed"}


def test_price_book_takes_the_gateways_list_prices(stub_gateway):
    book = gateway_price_book(stub_gateway)
    assert (book.price("hunter").unit_price, book.price("pagespeed").unit_price) == (Decimal("0.049"), Decimal("0"))


async def test_hunter_rate_limit_becomes_a_retryable_step_error_with_its_wait(live_gateway):
    lead = make_leads(1, seed="limited")[0]
    with respx.mock(assert_all_mocked=True) as router:
        HunterMock(router).rate_limited("GET", HunterMock.DOMAIN_SEARCH, retry_after=7)
        with pytest.raises(RetryableStepError) as caught:
            await HunterEnrichmentProvider(live_gateway).enrich(lead)
    assert caught.value.retry_after == 7
    assert "hunter" in str(caught.value)


async def test_hunter_rejecting_the_key_fails_the_lead_at_once(live_gateway):
    lead = make_leads(1, seed="denied")[0]
    with respx.mock(assert_all_mocked=True) as router:
        route = HunterMock(router).unauthorized("GET", HunterMock.DOMAIN_SEARCH)
        with pytest.raises(PermanentStepError, match="AuthenticationError"):
            await HunterEnrichmentProvider(live_gateway).enrich(lead)
    assert route.call_count == 1


async def test_pagespeed_outage_becomes_a_retryable_step_error(live_gateway):
    with respx.mock(assert_all_mocked=True) as router:
        PageSpeedMock(router).unavailable("GET", PageSpeedMock.RUN)
        with pytest.raises(RetryableStepError):
            await PageSpeedAssessmentProvider(live_gateway).assess("https://acme-plumbing.com")


async def test_pagespeed_rejecting_the_url_fails_the_lead_at_once(live_gateway):
    with pytest.raises(PermanentStepError, match="InvalidInput"):
        await PageSpeedAssessmentProvider(live_gateway).assess("ftp://acme-plumbing.com")


@pytest.mark.parametrize(
    "error, kind",
    [
        (CircuitOpen("hunter", retry_after=12.5), RetryableStepError),
        (
            BudgetExceeded("hunter", "provider", "daily", Decimal("5"), Decimal("5"), Decimal("0.049")),
            PermanentStepError,
        ),
        (InvalidInput("hunter domain_search: bad domain"), PermanentStepError),
    ],
)
def test_gateway_errors_map_to_retryable_only_when_transient(error, kind):
    assert type(step_error(error)) is kind


def test_open_circuit_is_retried_after_its_probe_delay():
    error = step_error(CircuitOpen("pagespeed", retry_after=12.5))
    assert isinstance(error, RetryableStepError) and error.retry_after == 12.5
