"""The base client's pipeline: every policy in its place, proven against the Google Places mock factory."""

import random
from decimal import Decimal
from typing import Any

import httpx
import pytest

from d0_gateway import (
    BudgetExceeded,
    BudgetGuard,
    BudgetLimits,
    CircuitBreaker,
    CircuitOpen,
    CostLedger,
    FindPlaceResponse,
    GatewayClient,
    NotFound,
    Outcome,
    Policies,
    Priority,
    ProviderCall,
    ProviderResponseError,
    ProviderUnavailable,
    QuotaExhausted,
    RateLimited,
    RateLimiter,
    ResponseCache,
    RetryPolicy,
)
from d0_gateway.responses import ErrorKind, parse_model

FIND = "/maps/api/place/findplacefromtext/json"


def find_call(method="GET", **kwargs):
    options: dict[str, Any] = {
        "params": {"input": "Acme Plumbing", "key": "test-key"},
        "estimated_cost": Decimal("0.017"),
    }
    options.update(kwargs)
    return ProviderCall("find_place", method, FIND, **options)


def parse(response):
    return parse_model(FindPlaceResponse, response, "google_places", "find_place")


@pytest.fixture
def ledger(fake_clock):
    return CostLedger(clock=fake_clock)


@pytest.fixture
async def make_client(transport, fake_clock, ledger):
    clients = []

    def make(**policies):
        policies.setdefault("ledger", ledger)
        client = GatewayClient(
            "google_places",
            "https://maps.googleapis.com",
            policies=Policies(**policies),
            transport=transport,
            clock=fake_clock,
            rng=random.Random(1),
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


async def test_success_returns_the_parsed_body_and_records_its_cost(make_client, places, ledger):
    places.find_place(count=2)
    result = await make_client().execute(find_call(campaign_id="c-9"), parse)
    assert len(result.value.candidates) == 2
    assert result.cost == Decimal("0.017") and result.cached is False
    [entry] = ledger.entries()
    assert (entry.outcome, entry.cost, entry.campaign_id, entry.status_code) == (
        Outcome.SUCCESS,
        Decimal("0.017"),
        "c-9",
        200,
    )


async def test_cost_function_prices_the_parsed_value(make_client, places):
    places.find_place(count=3)
    result = await make_client().execute(find_call(), parse, lambda found: Decimal("0.01") * len(found.candidates))
    assert result.cost == Decimal("0.03")


async def test_unavailable_then_success_is_retried_after_a_backoff_on_the_clock(make_client, places, fake_clock):
    route = places.sequence("GET", FIND, httpx.Response(503), httpx.Response(200, json=places.find_place_body()))
    result = await make_client(retry=RetryPolicy(max_attempts=3, base_delay=1, jitter=0)).execute(find_call(), parse)
    assert result.value.status == "OK"
    assert route.call_count == 2
    assert fake_clock.sleeps == [1]


async def test_rate_limited_response_is_retried_after_its_retry_after(make_client, places, fake_clock):
    places.sequence(
        "GET",
        FIND,
        httpx.Response(429, headers={"Retry-After": "3"}),
        httpx.Response(200, json=places.find_place_body()),
    )
    await make_client(retry=RetryPolicy(max_attempts=2)).execute(find_call(), parse)
    assert fake_clock.sleeps == [3]


@pytest.mark.parametrize("register", ["timeout", "connection_error"])
async def test_transport_failures_become_provider_unavailable_after_the_last_attempt(
    make_client, places, ledger, register
):
    route = getattr(places, register)("GET", FIND)
    with pytest.raises(ProviderUnavailable, match="google_places find_place"):
        await make_client(retry=RetryPolicy(max_attempts=3, base_delay=0.1)).execute(find_call(), parse)
    assert route.call_count == 3
    assert [e.outcome for e in ledger.entries()] == [Outcome.FAILED]
    assert ledger.total() == 0


async def test_not_found_is_not_retried(make_client, places):
    route = places.not_found("GET", FIND)
    with pytest.raises(NotFound):
        await make_client(retry=RetryPolicy(max_attempts=3)).execute(find_call(), parse)
    assert route.call_count == 1


async def test_non_idempotent_call_is_not_retried(make_client, places):
    route = places.unavailable("POST", FIND)
    with pytest.raises(ProviderUnavailable):
        await make_client(retry=RetryPolicy(max_attempts=3)).execute(find_call(method="POST"), parse)
    assert route.call_count == 1


async def test_non_idempotent_call_marked_retry_safe_is_retried(make_client, places):
    route = places.sequence("POST", FIND, httpx.Response(502), httpx.Response(200, json=places.find_place_body()))
    await make_client(retry=RetryPolicy(max_attempts=3)).execute(find_call(method="POST", retry_safe=True), parse)
    assert route.call_count == 2


async def test_open_breaker_fails_fast_without_touching_the_network(make_client, places, fake_clock, ledger):
    route = places.unavailable("GET", FIND)
    client = make_client(breaker=CircuitBreaker(fake_clock, provider="google_places", failure_threshold=2))
    for _ in range(2):
        with pytest.raises(ProviderUnavailable):
            await client.execute(find_call(), parse)
    with pytest.raises(CircuitOpen):
        await client.execute(find_call(), parse)
    assert route.call_count == 2
    assert ledger.entries()[-1].outcome is Outcome.CIRCUIT_OPEN


async def test_client_errors_do_not_trip_the_breaker(make_client, places, fake_clock):
    places.unauthorized("GET", FIND)
    breaker = CircuitBreaker(fake_clock, failure_threshold=1)
    with pytest.raises(Exception, match="HTTP 401"):
        await make_client(breaker=breaker).execute(find_call(), parse)
    assert breaker.state.value == "closed"


async def test_garbage_body_trips_the_breaker_and_names_the_field(make_client, places, fake_clock):
    places.malformed("GET", FIND)
    breaker = CircuitBreaker(fake_clock, failure_threshold=1)
    with pytest.raises(ProviderResponseError, match="google_places find_place .*field 'body'"):
        await make_client(breaker=breaker).execute(find_call(), parse)
    assert breaker.state.value == "open"


async def test_budget_blocks_before_any_request_is_sent(make_client, places, fake_clock, ledger):
    route = places.find_place()
    ledger.record("google_places", "find_place", Decimal("1"), Outcome.SUCCESS)
    budget = BudgetGuard(ledger, fake_clock, provider_limits={"google_places": BudgetLimits(daily=Decimal("1"))})
    with pytest.raises(BudgetExceeded):
        await make_client(budget=budget).execute(find_call(), parse)
    assert route.call_count == 0
    assert ledger.entries()[-1].outcome is Outcome.BLOCKED_BUDGET


async def test_identical_idempotent_call_is_served_from_the_cache_for_free(make_client, places, fake_clock, ledger):
    route = places.find_place()
    client = make_client(cache=ResponseCache(60, fake_clock))
    first = await client.execute(find_call(), parse)
    second = await client.execute(find_call(), parse)
    assert second.value == first.value and second.cached is True
    assert route.call_count == 1
    assert [(e.outcome, e.cost) for e in ledger.entries()] == [
        (Outcome.SUCCESS, Decimal("0.017")),
        (Outcome.CACHE_HIT, 0),
    ]


async def test_failed_calls_are_not_cached(make_client, places, fake_clock):
    route = places.sequence(
        "GET",
        FIND,
        httpx.Response(404, json=places.error_body(404)),
        httpx.Response(200, json=places.find_place_body()),
    )
    client = make_client(cache=ResponseCache(60, fake_clock))
    with pytest.raises(NotFound):
        await client.execute(find_call(), parse)
    assert (await client.execute(find_call(), parse)).cached is False
    assert route.call_count == 2


async def test_non_idempotent_calls_bypass_the_cache(make_client, places, fake_clock):
    route = places.respond("POST", FIND, places.find_place_body())
    client = make_client(cache=ResponseCache(60, fake_clock))
    await client.execute(find_call(method="POST"), parse)
    await client.execute(find_call(method="POST"), parse)
    assert route.call_count == 2


async def test_rate_limiter_fail_fast_refuses_without_a_request_and_frees_the_probe(
    make_client, places, fake_clock, ledger
):
    route = places.find_place()
    limiter = RateLimiter(rate=1, burst=1, clock=fake_clock, provider="google_places")
    breaker = CircuitBreaker(fake_clock, failure_threshold=1, success_threshold=1, recovery_time=1)
    breaker.admit()
    breaker.record_failure()
    fake_clock.advance(1)
    limiter.try_acquire()
    client = make_client(rate_limiter=limiter, breaker=breaker)
    with pytest.raises(RateLimited) as caught:
        await client.execute(find_call(fail_fast=True), parse)
    assert caught.value.local and route.call_count == 0
    assert ledger.entries()[-1].outcome is Outcome.RATE_LIMITED
    fake_clock.advance(1)
    await client.execute(find_call(), parse)
    assert breaker.state.value == "closed"


async def test_rate_limiter_spaces_requests_on_the_clock(make_client, places, fake_clock):
    places.find_place()
    client = make_client(rate_limiter=RateLimiter(rate=2, burst=1, clock=fake_clock))
    for _ in range(3):
        await client.execute(find_call(), parse)
    assert fake_clock.sleeps == [pytest.approx(0.5), pytest.approx(0.5)]


async def test_client_closes_its_connections_as_a_context_manager(transport, fake_clock):
    async with GatewayClient("x", "https://x.example", transport=transport, clock=fake_clock) as client:
        assert client.http.is_closed is False
    assert client.http.is_closed is True


def test_call_idempotence_defaults_from_the_method():
    assert find_call().is_idempotent is True
    assert find_call(method="POST").is_idempotent is False
    assert find_call(method="POST", idempotent=True).is_idempotent is True


async def test_a_cached_answer_is_served_free_even_when_the_budget_is_spent(make_client, places, fake_clock, ledger):
    route = places.find_place()
    budget = BudgetGuard(ledger, fake_clock, provider_limits={"google_places": BudgetLimits(daily=Decimal("0.017"))})
    client = make_client(cache=ResponseCache(60, fake_clock), budget=budget)
    first = await client.execute(find_call(), parse)
    assert (await client.execute(find_call(), parse)).value == first.value
    with pytest.raises(BudgetExceeded):
        await client.execute(find_call(params={"input": "Other Business", "key": "test-key"}), parse)
    assert route.call_count == 1


async def test_a_client_without_a_retry_policy_makes_a_single_attempt(make_client, places):
    route = places.unavailable("GET", FIND)
    with pytest.raises(ProviderUnavailable):
        await make_client().execute(find_call(), parse)
    assert route.call_count == 1


def test_a_client_waits_thirty_seconds_for_a_provider_by_default(transport, fake_clock):
    client = GatewayClient("x", "https://x.example", transport=transport, clock=fake_clock)
    assert client.http.timeout.read == 30.0 and client.http.timeout.connect == 30.0


def test_a_client_sends_the_headers_it_was_given_on_every_request(transport, fake_clock):
    client = GatewayClient("x", "https://x.example", transport=transport, clock=fake_clock, headers={"X-Team": "lf"})
    assert client.http.build_request("GET", "/a").headers["X-Team"] == "lf"


async def test_a_cache_hit_is_recorded_free_with_the_cached_status_and_campaign(
    make_client, places, fake_clock, ledger
):
    places.find_place()
    client = make_client(cache=ResponseCache(60, fake_clock))
    await client.execute(find_call(campaign_id="c-1"), parse)
    await client.execute(find_call(campaign_id="c-1"), parse)
    hit = ledger.entries()[-1]
    assert (hit.outcome, hit.cost, hit.status_code, hit.campaign_id, hit.operation, hit.provider) == (
        Outcome.CACHE_HIT,
        0,
        200,
        "c-1",
        "find_place",
        "google_places",
    )


async def test_a_failed_call_is_recorded_free_with_the_providers_status(make_client, places, ledger):
    places.not_found("GET", FIND)
    with pytest.raises(NotFound):
        await make_client().execute(find_call(campaign_id="c-2"), parse)
    [entry] = ledger.entries()
    assert (entry.outcome, entry.cost, entry.status_code, entry.campaign_id) == (Outcome.FAILED, 0, 404, "c-2")


async def test_a_provider_rate_limit_is_recorded_with_its_429(make_client, places, ledger):
    places.rate_limited("GET", FIND)
    with pytest.raises(RateLimited):
        await make_client().execute(find_call(), parse)
    [entry] = ledger.entries()
    assert (entry.outcome, entry.cost, entry.status_code) == (Outcome.RATE_LIMITED, 0, 429)


async def test_a_budget_block_is_recorded_free_without_a_status(make_client, places, fake_clock, ledger):
    places.find_place()
    budget = BudgetGuard(ledger, fake_clock, provider_limits={"google_places": BudgetLimits(daily=Decimal(0))})
    with pytest.raises(BudgetExceeded):
        await make_client(budget=budget).execute(find_call(), parse)
    [entry] = ledger.entries()
    assert (entry.outcome, entry.cost, entry.status_code) == (Outcome.BLOCKED_BUDGET, 0, None)


async def test_a_critical_call_passes_a_spent_budget_when_the_call_says_so(make_client, places, fake_clock, ledger):
    route = places.find_place()
    budget = BudgetGuard(ledger, fake_clock, provider_limits={"google_places": BudgetLimits(daily=Decimal(0))})
    await make_client(budget=budget).execute(find_call(priority=Priority.CRITICAL), parse)
    assert route.call_count == 1


async def test_the_budget_is_checked_with_the_calls_estimate(make_client, places, fake_clock, ledger):
    places.find_place()
    budget = BudgetGuard(ledger, fake_clock, provider_limits={"google_places": BudgetLimits(daily=Decimal("0.02"))})
    with pytest.raises(BudgetExceeded) as caught:
        await make_client(budget=budget).execute(find_call(estimated_cost=Decimal("0.03")), parse)
    assert (caught.value.provider, caught.value.estimate) == ("google_places", Decimal("0.03"))


async def test_an_open_circuit_is_recorded_free_without_a_status(make_client, places, fake_clock, ledger):
    places.find_place()
    breaker = CircuitBreaker(fake_clock, failure_threshold=1)
    breaker.admit()
    breaker.record_failure()
    with pytest.raises(CircuitOpen):
        await make_client(breaker=breaker).execute(find_call(), parse)
    [entry] = ledger.entries()
    assert (entry.outcome, entry.cost, entry.status_code) == (Outcome.CIRCUIT_OPEN, 0, None)


async def test_a_success_closes_a_half_open_breaker(make_client, places, fake_clock):
    places.find_place()
    breaker = CircuitBreaker(fake_clock, failure_threshold=1, success_threshold=1, recovery_time=1)
    breaker.admit()
    breaker.record_failure()
    fake_clock.advance(1)
    await make_client(breaker=breaker).execute(find_call(), parse)
    assert breaker.state.value == "closed"


async def test_an_exhausted_quota_gives_the_breaker_no_verdict(transport, places, fake_clock):
    places.error("GET", FIND, 429)
    breaker = CircuitBreaker(fake_clock, failure_threshold=1, success_threshold=1, recovery_time=1)
    breaker.admit()
    breaker.record_failure()
    fake_clock.advance(1)
    async with GatewayClient(
        "google_places",
        "https://maps.googleapis.com",
        policies=Policies(breaker=breaker),
        transport=transport,
        clock=fake_clock,
        classify_error=lambda response: ErrorKind.QUOTA_EXHAUSTED,
    ) as client:
        with pytest.raises(QuotaExhausted):
            await client.execute(find_call(), parse)
    assert breaker.state.value == "half_open"
    breaker.admit()  # the probe's slot was given back


async def test_a_provider_rate_limit_counts_as_a_breaker_failure(make_client, places, fake_clock):
    places.rate_limited("GET", FIND)
    breaker = CircuitBreaker(fake_clock, failure_threshold=1)
    with pytest.raises(RateLimited):
        await make_client(breaker=breaker).execute(find_call(), parse)
    assert breaker.state.value == "open"


async def test_a_failed_call_is_not_cached_and_a_later_success_is(make_client, places, fake_clock):
    route = places.sequence("GET", FIND, httpx.Response(503), httpx.Response(200, json=places.find_place_body()))
    client = make_client(cache=ResponseCache(60, fake_clock))
    with pytest.raises(ProviderUnavailable):
        await client.execute(find_call(), parse)
    await client.execute(find_call(), parse)
    assert (await client.execute(find_call(), parse)).cached is True
    assert route.call_count == 2


async def test_a_post_marked_idempotent_is_cached(make_client, places, fake_clock):
    route = places.respond("POST", FIND, places.find_place_body())
    client = make_client(cache=ResponseCache(60, fake_clock))
    await client.execute(find_call(method="POST", idempotent=True), parse)
    assert (await client.execute(find_call(method="POST", idempotent=True), parse)).cached is True
    assert route.call_count == 1


async def test_a_timeout_message_names_the_timeout_kind(make_client, places):
    places.timeout("GET", FIND)
    with pytest.raises(ProviderUnavailable) as caught:
        await make_client().execute(find_call(), parse)
    assert caught.value.reason == "timed out (ReadTimeout)"


async def test_a_connection_failure_message_names_the_error(make_client, places):
    places.connection_error("GET", FIND)
    with pytest.raises(ProviderUnavailable) as caught:
        await make_client().execute(find_call(), parse)
    assert caught.value.reason == "connection failed (ConnectError: mocked connection refused)"
    assert str(caught.value).startswith("google_places find_place: ")
