from decimal import Decimal

import httpx
import pytest
from hypothesis import given, settings

from d0_gateway import (
    AuthenticationError,
    InvalidInput,
    InvalidRequest,
    NotFound,
    ProviderResponseError,
    ProviderUnavailable,
    QuotaExhausted,
    RateLimited,
)
from d0_gateway.providers.hunter import EmailFinderResponse
from testing.mocks.strategies import hunter_email_finder_bodies


async def test_email_finder_returns_the_address_and_sends_name_domain_and_key(gateway, hunter_mock):
    route = hunter_mock.email_finder("acme-plumbing.com")
    found = await gateway.hunter.email_finder("Acme-Plumbing.com", "Ana", "Lopez")
    assert found.email.endswith("@acme-plumbing.com") and 0 <= found.score <= 100
    assert found.verification.status == "valid" and found.sources
    params = route.calls.last.request.url.params
    assert (params["domain"], params["first_name"], params["last_name"], params["api_key"]) == (
        "acme-plumbing.com",
        "Ana",
        "Lopez",
        "test-key",
    )


async def test_a_found_email_is_billed_and_a_miss_is_free(gateway, hunter_mock):
    hunter_mock.sequence(
        "GET",
        hunter_mock.EMAIL_FINDER,
        httpx.Response(200, json=hunter_mock.email_finder_body(found=True)),
        httpx.Response(200, json=hunter_mock.email_finder_body(found=False)),
    )
    await gateway.hunter.email_finder("example.com", "Ana", "Lopez", campaign_id="hit")
    missed = await gateway.hunter.email_finder("example.com", "Ben", "Carter", campaign_id="miss")
    assert missed.email is None
    assert gateway.ledger.total(campaign_id="hit") == gateway.settings.provider("hunter").cost("email_finder")
    assert gateway.ledger.total(campaign_id="miss") == 0


async def test_domain_search_returns_addresses_and_paging(gateway, hunter_mock):
    route = hunter_mock.domain_search("acme.com", count=4)
    result = await gateway.hunter.domain_search("acme.com", limit=4, email_type="personal")
    assert len(result.data.emails) == 4 and all(e.value.endswith("@acme.com") for e in result.data.emails)
    assert result.meta.results == 4
    params = route.calls.last.request.url.params
    assert (params["limit"], params["offset"], params["type"]) == ("4", "0", "personal")


async def test_domain_search_with_no_addresses_is_free(gateway, hunter_mock):
    hunter_mock.domain_search("quiet.com", count=0)
    await gateway.hunter.domain_search("quiet.com")
    assert gateway.ledger.total(provider="hunter") == 0


async def test_identical_lookup_is_served_from_the_cache(gateway, hunter_mock):
    route = hunter_mock.email_finder()
    first = await gateway.hunter.email_finder("example.com", "Ana", "Lopez")
    assert await gateway.hunter.email_finder("example.com", "Ana", "Lopez") == first
    assert route.call_count == 1


@pytest.mark.parametrize(
    "status, error, message",
    [
        (401, AuthenticationError, "authentication_failed: No user found for the API key supplied"),
        (400, InvalidRequest, "wrong_params: You are missing the domain parameter"),
        (404, NotFound, "not_found"),
    ],
)
async def test_errors_carry_hunters_id_and_details(gateway, hunter_mock, status, error, message):
    hunter_mock.error("GET", hunter_mock.EMAIL_FINDER, status)
    with pytest.raises(error, match=message):
        await gateway.hunter.email_finder("example.com", "Ana", "Lopez")


async def test_rate_limited_is_retried_then_reported_with_retry_after(gateway, hunter_mock, fake_clock):
    route = hunter_mock.rate_limited("GET", hunter_mock.DOMAIN_SEARCH, retry_after=1.5)
    with pytest.raises(RateLimited) as caught:
        await gateway.hunter.domain_search("example.com")
    assert caught.value.retry_after == 1.5
    assert route.call_count == 3 and fake_clock.sleeps.count(1.5) == 2


@pytest.mark.parametrize("register", ["unavailable", "timeout"])
async def test_email_finder_is_retried_then_provider_unavailable_when_hunter_fails(gateway, hunter_mock, register):
    route = getattr(hunter_mock, register)("GET", hunter_mock.EMAIL_FINDER)
    with pytest.raises(ProviderUnavailable):
        await gateway.hunter.email_finder("example.com", "Ana", "Lopez")
    assert route.call_count == 3


@pytest.mark.parametrize("register", ["unavailable", "timeout"])
async def test_domain_search_is_retried_then_provider_unavailable_when_hunter_fails(gateway, hunter_mock, register):
    route = getattr(hunter_mock, register)("GET", hunter_mock.DOMAIN_SEARCH)
    with pytest.raises(ProviderUnavailable):
        await gateway.hunter.domain_search("example.com")
    assert route.call_count == 3


async def test_confidence_out_of_range_names_the_field(gateway, hunter_mock):
    body = hunter_mock.domain_search_body(count=2)
    body["data"]["emails"][1]["confidence"] = 140
    hunter_mock.respond("GET", hunter_mock.DOMAIN_SEARCH, body)
    with pytest.raises(ProviderResponseError, match="hunter domain_search .*field 'data.emails.1.confidence'"):
        await gateway.hunter.domain_search("example.com")


@pytest.mark.parametrize("domain", ["", "localhost", "https://acme.com/", "acme .com"])
async def test_a_domain_that_is_not_a_bare_domain_is_rejected(gateway, domain):
    with pytest.raises(InvalidInput, match="domain"):
        await gateway.hunter.email_finder(domain, "Ana", "Lopez")


@pytest.mark.parametrize("limit, offset", [(0, 0), (101, 0), (10, -1)])
async def test_paging_out_of_range_is_rejected(gateway, limit, offset):
    with pytest.raises(InvalidInput, match="limit must be 1-100"):
        await gateway.hunter.domain_search("acme.com", limit=limit, offset=offset)


@settings(max_examples=30)
@given(body=hunter_email_finder_bodies())
def test_every_valid_email_finder_body_parses_found_or_not(body):
    data = EmailFinderResponse.model_validate(body).data
    assert (data.email is None) == (body["data"]["email"] is None)


async def test_spent_monthly_usage_is_quota_exhausted_and_sent_once_when_hunter_answers_429(gateway, hunter_mock):
    route = hunter_mock.usage_limit_reached("GET", hunter_mock.EMAIL_FINDER)
    with pytest.raises(QuotaExhausted, match="You have reached your usage limit") as caught:
        await gateway.hunter.email_finder("acme.com", "Ada", "Lovelace")
    assert (caught.value.status, route.call_count) == (429, 1)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"limit": 0}, "limit must be 1-100 and offset >= 0, got limit=0, offset=0"),
        ({"limit": 101}, "limit must be 1-100 and offset >= 0, got limit=101, offset=0"),
        ({"offset": -1}, "limit must be 1-100 and offset >= 0, got limit=10, offset=-1"),
    ],
)
async def test_domain_search_paging_out_of_range_is_refused_with_the_whole_reason(gateway, kwargs, message):
    with pytest.raises(InvalidInput, match=rf"^hunter domain_search: {message}$"):
        await gateway.hunter.domain_search("acme.com", **kwargs)


@pytest.mark.parametrize("kwargs", [{"limit": 1}, {"limit": 100}, {"offset": 0}])
async def test_domain_search_paging_at_its_bounds_is_sent(gateway, hunter_mock, kwargs):
    route = hunter_mock.domain_search("acme.com")
    await gateway.hunter.domain_search("acme.com", **kwargs)
    params = route.calls.last.request.url.params
    assert {key: int(params[key]) for key in kwargs} == kwargs


@pytest.mark.parametrize("domain", ["acme", "acme.com/about", "acme .com"])
async def test_a_domain_that_is_not_bare_is_refused_with_the_whole_reason(gateway, domain):
    with pytest.raises(
        InvalidInput, match=rf"^hunter email_finder: domain must be a bare domain such as example.com, got '{domain}'$"
    ):
        await gateway.hunter.email_finder(domain, "Ana", "Lopez")


async def test_blank_name_is_refused_naming_the_argument(gateway):
    with pytest.raises(InvalidInput, match=r"^hunter email_finder: last_name must be non-empty text, got ' '$"):
        await gateway.hunter.email_finder("acme.com", "Ana", " ")


async def test_error_reason_lists_every_hunter_error_as_id_and_details(gateway, hunter_mock):
    errors = [
        {"id": "wrong_params", "code": 400, "details": "A"},
        {"id": "invalid_domain", "code": 400, "details": "B"},
    ]
    hunter_mock.error("GET", hunter_mock.EMAIL_FINDER, 400, {"errors": errors})
    with pytest.raises(InvalidRequest) as caught:
        await gateway.hunter.email_finder("acme.com", "Ana", "Lopez")
    assert caught.value.reason == "wrong_params: A; invalid_domain: B"


async def test_domain_search_asks_for_ten_from_the_start_of_any_type_by_default(gateway, hunter_mock):
    route = hunter_mock.domain_search("acme.com")
    await gateway.hunter.domain_search("ACME.com")
    params = route.calls.last.request.url.params
    assert (params["domain"], params["limit"], params["offset"], params["api_key"]) == (
        "acme.com",
        "10",
        "0",
        "test-key",
    )
    assert "type" not in params


async def test_domain_search_asks_for_one_type_of_address_when_given(gateway, hunter_mock):
    route = hunter_mock.domain_search("acme.com")
    await gateway.hunter.domain_search("acme.com", email_type="generic")
    assert route.calls.last.request.url.params["type"] == "generic"


async def test_a_domain_search_with_addresses_is_billed_its_price(gateway, hunter_mock):
    hunter_mock.domain_search("acme.com", count=2)
    await gateway.hunter.domain_search("acme.com", campaign_id="c-3")
    assert gateway.ledger.total(campaign_id="c-3") == Decimal("0.049")
