import random
import re
from dataclasses import replace
from decimal import Decimal

import httpx
import pytest

from d0_gateway import (
    PROVIDER_CLIENTS,
    BudgetExceeded,
    BudgetLimits,
    BusinessIdentifiers,
    CircuitOpen,
    ConfigurationError,
    CostLedger,
    GatewaySettings,
    InMemoryCacheBackend,
    InvalidInput,
    LineItem,
    Outcome,
    PageSpeedResult,
    Priority,
    ProviderUnavailable,
    StubTransport,
    build_gateway,
    cache_key,
    sign_webhook,
)
from d0_gateway.settings import DEFAULT_PROVIDERS, BreakerSettings, _provider
from d0_gateway.stub import stub_settings

from .conftest import PLACEHOLDER_ENV


def test_every_configured_provider_has_a_client():
    assert set(PROVIDER_CLIENTS) == set(DEFAULT_PROVIDERS)


def test_credentials_come_from_their_environment_variables():
    settings = GatewaySettings.from_env({"HUNTER_API_KEY": "test-key", "STRIPE_WEBHOOK_SECRET": "whsec_test"})
    assert settings.provider("hunter").credential("api_key") == "test-key"
    assert settings.provider("stripe").credentials == {"webhook_secret": "whsec_test"}


def test_credentials_are_never_printed():
    settings = GatewaySettings.from_env({"HUNTER_API_KEY": "test-key-do-not-print"})
    assert "test-key-do-not-print" not in repr(settings)


def test_overrides_come_from_the_environment():
    settings = GatewaySettings.from_env(
        {
            "LEADFACTORY_GATEWAY_DAILY_BUDGET": "50",
            "LEADFACTORY_GATEWAY_HUNTER_MONTHLY_BUDGET": "200.50",
            "LEADFACTORY_GATEWAY_HUNTER_RATE": "2.5",
            "LEADFACTORY_GATEWAY_HUNTER_BURST": "3",
            "LEADFACTORY_GATEWAY_HUNTER_CACHE_TTL": "60",
            "LEADFACTORY_GATEWAY_LEDGER_URL": "sqlite:///ledger.db",
        }
    )
    hunter = settings.provider("hunter")
    assert settings.global_budget.daily == Decimal(50) and hunter.budget.monthly == Decimal("200.50")
    assert (hunter.rate, hunter.burst, hunter.cache_ttl, settings.ledger_url) == (2.5, 3, 60.0, "sqlite:///ledger.db")


@pytest.mark.parametrize(
    "name, value, problem",
    [
        ("LEADFACTORY_GATEWAY_DAILY_BUDGET", "lots", "not an amount in dollars"),
        ("LEADFACTORY_GATEWAY_DAILY_BUDGET", "-5", "finite amount >= 0"),
        ("LEADFACTORY_GATEWAY_OPENAI_RATE", "fast", "not a number"),
        ("LEADFACTORY_GATEWAY_OPENAI_RATE", "0", "positive finite number"),
    ],
)
def test_invalid_override_names_the_variable_and_value(name, value, problem):
    with pytest.raises(ConfigurationError, match=f"{name}='{value}'.*{problem}"):
        GatewaySettings.from_env({name: value})


def test_unknown_provider_lists_the_known_ones():
    with pytest.raises(ConfigurationError, match="unknown provider 'yelp'; known: data_axle, google_places"):
        GatewaySettings().provider("yelp")


async def test_missing_key_fails_when_the_provider_is_first_used_naming_the_variable(fake_clock):
    async with build_gateway(environ={}, clock=fake_clock) as gateway:
        with pytest.raises(ConfigurationError, match="set the environment variable SEMRUSH_API_KEY"):
            gateway.semrush  # noqa: B018 - building the client is the behaviour under test


async def test_optional_keys_may_be_missing(transport, fake_clock):
    async with build_gateway(environ={}, transport=transport, clock=fake_clock) as gateway:
        assert gateway.pagespeed.name == "pagespeed"


async def test_a_provider_with_settings_but_no_client_is_reported(fake_clock):
    settings = GatewaySettings(
        providers={**DEFAULT_PROVIDERS, "yelp": replace(DEFAULT_PROVIDERS["hunter"], name="yelp")}
    )
    async with build_gateway(settings, clock=fake_clock) as gateway:
        with pytest.raises(ConfigurationError) as caught:
            gateway.client("yelp")
    assert str(caught.value) == (
        "provider 'yelp' has settings but no client; known: data_axle, google_places, hunter, openai, pagespeed, "
        "screenshotone, semrush, sendgrid, stripe"
    )


async def test_clients_are_built_once_and_closed_with_the_gateway(settings, transport, fake_clock):
    gateway = build_gateway(settings, transport=transport, clock=fake_clock)
    hunter = gateway.hunter
    assert gateway.client("hunter") is hunter
    await gateway.aclose()
    assert hunter.client.http.is_closed


async def test_budget_from_settings_blocks_calls_across_the_gateway(settings, transport, fake_clock, hunter_mock):
    route = hunter_mock.email_finder()
    limited = replace(settings, global_budget=replace(settings.global_budget, daily=Decimal("0.01")))
    ledger = CostLedger(clock=fake_clock)
    ledger.record("openai", "chat", Decimal("0.01"), Outcome.SUCCESS)
    async with build_gateway(limited, transport=transport, clock=fake_clock, ledger=ledger) as gateway:
        with pytest.raises(BudgetExceeded, match="daily global budget"):
            await gateway.hunter.email_finder("example.com", "Ana", "Lopez")
    assert route.call_count == 0


async def test_stub_mode_serves_every_provider_offline_without_keys(fake_clock, stripe_mock):
    async with build_gateway(stub=True, environ={}, clock=fake_clock, rng=random.Random(0)) as gateway:
        found = await gateway.google_places.find_place("Blue Door Bakery Austin")
        place_id = found.candidates[0].place_id
        assert place_id is not None
        details = await gateway.google_places.place_details(place_id)
        assert details.place_id == place_id and details.website
        assert (await gateway.pagespeed.run("https://acme.example/")).scores["performance"] is not None
        usage = (await gateway.openai.chat([{"role": "user", "content": "hello"}])).usage
        assert usage is not None and usage.total_tokens > 0
        message = gateway.sendgrid.message(
            to=[{"email": "a@example.com"}], sender={"email": "b@example.com"}, subject="s", text="t"
        )
        assert (await gateway.sendgrid.send(message)).message_id
        session = await gateway.stripe.create_checkout_session(
            [LineItem(name="Audit", unit_amount=19900, quantity=2)],
            success_url="https://x.example/s",
            cancel_url="https://x.example/c",
            metadata={"lead": "7"},
        )
        assert (session.amount_total, session.metadata) == (39800, {"lead": "7"})
        assert (await gateway.hunter.email_finder("acme.com", "Ana", "Lopez")).email == "ana.lopez@acme.com"
        assert (await gateway.hunter.domain_search("acme.com")).data.emails
        match = await gateway.data_axle.business_match(BusinessIdentifiers(name="Acme", postal_code="78701"))
        assert match.document is not None and match.document.attributes.name == "Acme"
        assert (await gateway.semrush.domain_overview("acme.com", database="uk")).database == "uk"
        shot = await gateway.screenshotone.capture(
            gateway.screenshotone.options(url="https://acme.example/", format="webp")
        )
        assert shot.content_type == "image/webp"
        payload = stripe_mock.event_payload()
        header = sign_webhook(payload, "stub-stripe-webhook_secret", int(fake_clock.now().timestamp()))
        assert gateway.stripe.verify_webhook(payload, header).type == "checkout.session.completed"
        assert {e.provider for e in gateway.ledger.entries()} == set(DEFAULT_PROVIDERS)


async def test_stub_answers_are_the_same_for_the_same_request(fake_clock):
    async with (
        build_gateway(stub=True, environ={}, clock=fake_clock) as first,
        build_gateway(stub=True, environ={}, clock=fake_clock) as second,
    ):
        assert await first.google_places.find_place("Acme") == await second.google_places.find_place("Acme")


async def test_stub_transport_reports_an_unknown_host():
    async with httpx.AsyncClient(transport=StubTransport()) as client:
        response = await client.get("https://api.unknown.example/v1")
    assert response.status_code == 404 and "api.unknown.example" in response.json()["error"]["message"]


def test_placeholder_environment_covers_every_credential(settings):
    assert all(p.credentials.keys() == p.credential_env.keys() for p in settings.providers.values())


# Offline stub: every answer is derived from the request, in the provider's real shape.


async def stub_get(address, **params):
    async with httpx.AsyncClient(transport=StubTransport()) as client:
        return await client.get(address, params=params)


async def stub_post(address, **kwargs):
    async with httpx.AsyncClient(transport=StubTransport()) as client:
        return await client.post(address, **kwargs)


async def test_stub_places_differ_between_queries_when_the_requests_differ():
    answers = [
        (await stub_get("https://maps.googleapis.com/maps/api/place/findplacefromtext/json", input=query)).json()
        for query in ("Acme Plumbing Austin", "Cedar Dental Denver")
    ]
    ids = [answer["candidates"][0]["place_id"] for answer in answers]
    assert ids[0] != ids[1]
    assert all(re.fullmatch(r"ChIJ[0-9a-f]{12}stub", place_id) for place_id in ids)


async def test_stub_place_details_describe_the_place_id_asked_for_with_consistent_contacts():
    response = await stub_get("https://maps.googleapis.com/maps/api/place/details/json", place_id="ChIJabc")
    body = response.json()
    place = body["result"]
    assert (response.status_code, body["status"], place["place_id"]) == (200, "OK", "ChIJabc")
    local = re.fullmatch(r"\(512\) 555-(\d{4})", place["formatted_phone_number"])
    assert local is not None
    assert place["international_phone_number"] == f"+1 512-555-{local.group(1)}"
    assert place["website"] == f"https://{place['name'].lower().replace(' ', '')}.example.com"
    assert re.fullmatch(r"[1-9]\d\d .+, [A-Z][a-z]+, [A-Z]{2} \d{5}, USA", place["formatted_address"])
    assert place["url"].startswith("https://maps.google.com/?cid=")
    assert place["opening_hours"]["open_now"] is True
    assert place["address_components"][0]["short_name"] == "US"


async def test_stub_place_is_a_plausible_operating_business_when_found():
    body = (await stub_get("https://maps.googleapis.com/maps/api/place/findplacefromtext/json", input="x")).json()
    place = body["candidates"][0]
    assert (body["status"], place["business_status"]) == ("OK", "OPERATIONAL")
    assert 3.0 <= place["rating"] <= 4.9 and 0 <= place["user_ratings_total"] < 500
    assert 30 <= place["geometry"]["location"]["lat"] < 40 and -104 < place["geometry"]["location"]["lng"] <= -97
    assert "establishment" in place["types"]


async def test_stub_pagespeed_scores_exactly_the_categories_asked_for_when_given():
    response = await stub_get(
        "https://www.googleapis.com/pagespeedonline/v5/runPagespeed",
        url="https://acme.example/",
        category=["PERFORMANCE", "BEST_PRACTICES"],
    )
    body = response.json()
    result = body["lighthouseResult"]
    assert (body["id"], result["requestedUrl"], result["finalUrl"]) == ("https://acme.example/",) * 3
    assert sorted(result["categories"]) == ["best-practices", "performance"]
    assert result["categories"]["best-practices"]["title"] == "Best Practices"
    assert all(0.4 <= c["score"] < 1.0 for c in result["categories"].values())
    assert result["audits"]["first-contentful-paint"]["score"] == 0.9


async def test_stub_pagespeed_scores_performance_when_no_category_is_asked_for():
    body = (
        await stub_get("https://www.googleapis.com/pagespeedonline/v5/runPagespeed", url="https://a.example/")
    ).json()
    assert list(body["lighthouseResult"]["categories"]) == ["performance"]
    assert body["kind"] == "pagespeedonline#result"


async def test_stub_openai_reports_usage_from_the_prompt_and_max_tokens_when_chatting():
    sent = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "x" * 40}], "max_tokens": 5}
    body = (await stub_post("https://api.openai.com/v1/chat/completions", json=sent)).json()
    assert body["model"] == "gpt-4o-mini" and body["object"] == "chat.completion"
    assert body["usage"] == {"prompt_tokens": 11, "completion_tokens": 5, "total_tokens": 16}
    assert body["choices"][0]["message"]["role"] == "assistant"
    assert body["choices"][0]["finish_reason"] == "stop"


async def test_stub_openai_caps_the_reply_at_24_tokens_when_max_tokens_is_larger():
    sent = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 512}
    body = (await stub_post("https://api.openai.com/v1/chat/completions", json=sent)).json()
    assert body["usage"]["completion_tokens"] == 24


async def test_stub_sendgrid_accepts_with_a_message_id_when_sending():
    response = await stub_post("https://api.sendgrid.com/v3/mail/send", json={"subject": "s"})
    assert response.status_code == 202
    assert re.fullmatch(r"stub[0-9a-f]{16}", response.headers["X-Message-Id"])


async def test_stub_stripe_session_totals_and_echoes_the_form_when_created():
    form = {
        "mode": "payment",
        "line_items[0][quantity]": "2",
        "line_items[0][price_data][currency]": "eur",
        "line_items[0][price_data][unit_amount]": "1500",
        "line_items[1][price_data][unit_amount]": "700",
        "customer_email": "a@example.com",
        "metadata[lead]": "7",
    }
    body = (await stub_post("https://api.stripe.com/v1/checkout/sessions", data=form)).json()
    assert body["amount_total"] == 2 * 1500 + 700
    assert (body["currency"], body["customer_email"], body["metadata"]) == ("eur", "a@example.com", {"lead": "7"})
    assert body["url"] == f"https://checkout.stripe.com/c/pay/{body['id']}"
    assert body["id"].startswith("cs_test_stub")
    assert (body["status"], body["payment_status"], body["mode"], body["livemode"]) == (
        "open",
        "unpaid",
        "payment",
        False,
    )


async def test_stub_stripe_session_defaults_to_a_usd_payment_when_the_form_says_neither():
    form = {"line_items[0][price_data][unit_amount]": "100"}
    body = (await stub_post("https://api.stripe.com/v1/checkout/sessions", data=form)).json()
    assert (body["mode"], body["currency"], body["amount_total"], body["customer_email"]) == (
        "payment",
        "usd",
        100,
        None,
    )


async def test_stub_hunter_finds_first_dot_last_at_the_domain_when_asked_for_a_person():
    body = (
        await stub_get("https://api.hunter.io/v2/email-finder", domain="acme.com", first_name="Ana", last_name="Lopez")
    ).json()
    data = body["data"]
    assert (data["email"], data["domain"], data["first_name"], data["last_name"]) == (
        "ana.lopez@acme.com",
        "acme.com",
        "Ana",
        "Lopez",
    )
    assert 70 <= data["score"] < 100
    assert data["verification"]["status"] == "valid"


async def test_stub_hunter_domain_search_lists_people_at_the_domain_within_limit_and_offset():
    body = (await stub_get("https://api.hunter.io/v2/domain-search", domain="acme.com", limit=5, offset=2)).json()
    assert body["meta"] == {"results": 4, "limit": 5, "offset": 2}
    emails = body["data"]["emails"]
    assert [e["value"] for e in emails] == ["ana@acme.com", "ben@acme.com", "chloe@acme.com", "dev@acme.com"]
    assert [e["confidence"] for e in emails] == [80, 81, 82, 83]
    assert body["data"]["domain"] == "acme.com" and body["data"]["pattern"] == "{first}"


async def test_stub_hunter_domain_search_defaults_to_ten_from_the_start_when_not_paged():
    body = (await stub_get("https://api.hunter.io/v2/domain-search", domain="acme.com")).json()
    assert (body["meta"]["limit"], body["meta"]["offset"]) == (10, 0)


async def test_stub_data_axle_keeps_the_identifiers_given_and_fills_the_rest_when_matching():
    identifiers = {"name": "Acme", "street": "1 Main St", "postal_code": "78701"}
    body = (await stub_post("https://api.data-axle.com/v1/places/match", json={"identifiers": identifiers})).json()
    record = body["document"]
    attributes = record["attributes"]
    assert (attributes["name"], attributes["street"], attributes["postal_code"]) == ("Acme", "1 Main St", "78701")
    assert attributes["city"] and re.fullmatch(r"[A-Z]{2}", attributes["state"])
    assert re.fullmatch(r"512555\d{4}", attributes["phone"])
    assert 1 <= attributes["employee_count"] <= 200 and attributes["sales_volume"] >= 100_000
    assert re.fullmatch(r"\d{9}", record["infogroup_id"]) and 0.9 <= record["score"] < 1.0


async def test_stub_semrush_answers_one_row_for_the_domain_and_database_asked_for():
    response = await stub_get("https://api.semrush.com/", domain="acme.com", database="uk")
    header, row = response.text.strip().split("\r\n")
    values = dict(zip(header.split(";"), row.split(";"), strict=True))
    assert (values["Database"], values["Domain"]) == ("uk", "acme.com")
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert int(values["Rank"]) >= 1000


async def test_stub_screenshotone_answers_a_png_in_the_format_asked_for():
    response = await stub_get("https://api.screenshotone.com/take", format="jpeg")
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_stub_settings_use_placeholder_credentials_named_after_provider_and_key():
    stubbed = stub_settings(GatewaySettings())
    assert stubbed.provider("screenshotone").credentials == {
        "access_key": "stub-screenshotone-access_key",
        "secret_key": "stub-screenshotone-secret_key",
    }


def test_settings_keep_every_default_when_the_environment_sets_nothing():
    settings = GatewaySettings.from_env({})
    hunter = settings.provider("hunter")
    assert (hunter.rate, hunter.burst, hunter.cache_ttl) == (15.0, 15, 7 * 24 * 3600.0)
    assert hunter.budget.daily is None and hunter.budget.monthly is None
    assert settings.global_budget.daily is None and settings.global_budget.monthly is None
    assert settings.ledger_url == "sqlite://"
    assert settings.provider("openai").cache_ttl is None


@pytest.mark.parametrize("blank", ["LEADFACTORY_GATEWAY_HUNTER_RATE", "LEADFACTORY_GATEWAY_HUNTER_DAILY_BUDGET"])
def test_a_blank_override_keeps_the_default_when_set_to_the_empty_string(blank):
    hunter = GatewaySettings.from_env({blank: ""}).provider("hunter")
    assert (hunter.rate, hunter.budget.daily) == (15.0, None)


def test_provider_daily_budget_and_global_monthly_budget_come_from_the_environment():
    settings = GatewaySettings.from_env(
        {"LEADFACTORY_GATEWAY_SEMRUSH_DAILY_BUDGET": "3.5", "LEADFACTORY_GATEWAY_MONTHLY_BUDGET": "900"}
    )
    assert settings.provider("semrush").budget.daily == Decimal("3.5")
    assert settings.global_budget.monthly == Decimal(900)
    assert settings.provider("hunter").budget.daily is None


def test_a_burst_override_is_a_whole_number_of_tokens():
    burst = GatewaySettings.from_env({"LEADFACTORY_GATEWAY_HUNTER_BURST": "7.9"}).provider("hunter").burst
    assert burst == 7 and isinstance(burst, int)


def test_a_credential_set_to_the_empty_string_counts_as_missing():
    settings = GatewaySettings.from_env({"HUNTER_API_KEY": ""})
    with pytest.raises(
        ConfigurationError,
        match=r"^hunter: credential 'api_key' is missing; set the environment variable HUNTER_API_KEY$",
    ):
        settings.provider("hunter").credential("api_key")


def test_an_unknown_credential_is_reported_without_a_variable_name():
    with pytest.raises(ConfigurationError, match=r"credential 'token' is missing; set the environment variable \?$"):
        GatewaySettings.from_env({}).provider("hunter").credential("token")


def test_an_operation_the_provider_does_not_charge_for_costs_nothing():
    assert GatewaySettings.from_env({}).provider("hunter").cost("account") == Decimal(0)


@pytest.mark.parametrize(
    "name, value, problem",
    [
        ("LEADFACTORY_GATEWAY_DAILY_BUDGET", "Infinity", "must be a finite amount >= 0"),
        ("LEADFACTORY_GATEWAY_HUNTER_CACHE_TTL", "inf", "must be a positive finite number"),
        ("LEADFACTORY_GATEWAY_HUNTER_RATE", "-1", "must be a positive finite number"),
        ("LEADFACTORY_GATEWAY_HUNTER_RATE", "nan", "must be a positive finite number"),
    ],
)
def test_an_override_that_is_not_a_usable_amount_is_refused_naming_it(name, value, problem):
    with pytest.raises(ConfigurationError, match=rf"^{name}='{value}' {problem}$"):
        GatewaySettings.from_env({name: value})


def test_a_zero_budget_override_is_accepted_as_spend_nothing():
    assert GatewaySettings.from_env({"LEADFACTORY_GATEWAY_DAILY_BUDGET": "0"}).global_budget.daily == Decimal(0)


def test_a_provider_default_is_built_with_exact_decimal_prices_and_its_own_variables():
    env = {"api_key": "ACME_API_KEY"}
    built = _provider("acme", "https://api.acme.example", env, {"lookup": "0.017"}, rate=2.0, burst=3)
    assert (built.name, built.base_url, built.credential_env) == ("acme", "https://api.acme.example", env)
    assert built.costs == {"lookup": Decimal("0.017")} and built.credential_env is not env
    assert (built.rate, built.burst) == (2.0, 3)


# What build_gateway wires from settings into each provider's policies.


async def test_default_breaker_opens_after_five_failed_requests_when_built_from_settings(gateway, hunter_mock):
    route = hunter_mock.unavailable("GET", hunter_mock.EMAIL_FINDER)
    with pytest.raises(ProviderUnavailable):
        await gateway.hunter.email_finder("acme.com", "Ana", "Lopez")
    assert route.call_count == 3
    with pytest.raises(CircuitOpen, match="hunter: circuit breaker open"):
        await gateway.hunter.email_finder("acme.com", "Ana", "Lopez")
    assert route.call_count == 5


async def test_breaker_thresholds_come_from_the_providers_settings(settings, transport, fake_clock, hunter_mock):
    hunter = replace(settings.provider("hunter"), breaker=BreakerSettings(failure_threshold=1, recovery_time=5.0))
    configured = replace(settings, providers={**settings.providers, "hunter": hunter})
    route = hunter_mock.unavailable("GET", hunter_mock.EMAIL_FINDER)
    async with build_gateway(configured, transport=transport, clock=fake_clock) as gateway:
        with pytest.raises(CircuitOpen) as caught:
            await gateway.hunter.email_finder("acme.com", "Ana", "Lopez")
    assert route.call_count == 1
    assert caught.value.retry_after == pytest.approx(5.0 - sum(fake_clock.sleeps))


async def test_rate_and_burst_come_from_the_environment_when_built(transport, fake_clock, hunter_mock):
    hunter_mock.email_finder()
    environ = {**PLACEHOLDER_ENV, "LEADFACTORY_GATEWAY_HUNTER_RATE": "0.5", "LEADFACTORY_GATEWAY_HUNTER_BURST": "1"}
    async with build_gateway(environ=environ, transport=transport, clock=fake_clock) as gateway:
        await gateway.hunter.email_finder("acme.com", "Ana", "Lopez")
        await gateway.hunter.email_finder("acme.com", "Ben", "Carter")
    assert fake_clock.sleeps == [pytest.approx(2.0)]


async def test_answers_are_cached_for_the_providers_ttl_when_built(gateway, hunter_mock, fake_clock):
    route = hunter_mock.email_finder()
    await gateway.hunter.email_finder("acme.com", "Ana", "Lopez")
    fake_clock.advance(7 * 24 * 3600 - 1)
    await gateway.hunter.email_finder("acme.com", "Ana", "Lopez")
    assert route.call_count == 1
    fake_clock.advance(1)
    await gateway.hunter.email_finder("acme.com", "Ana", "Lopez")
    assert route.call_count == 2


async def test_a_provider_without_a_cache_ttl_is_never_cached(gateway, openai_mock):
    route = openai_mock.chat()
    for _ in range(2):
        await gateway.openai.chat([{"role": "user", "content": "hello"}])
    assert route.call_count == 2


async def test_each_provider_gets_its_timeout_from_settings(gateway):
    assert gateway.pagespeed.client.http.timeout.read == 60.0
    assert gateway.hunter.client.http.timeout.read == 30.0


def test_the_shared_cache_holds_as_many_entries_as_settings_say(fake_clock):
    gateway = build_gateway(replace(GatewaySettings(), cache_max_entries=3), clock=fake_clock)
    assert isinstance(gateway.cache_backend, InMemoryCacheBackend)
    assert gateway.cache_backend.max_entries == 3


async def test_budget_warnings_use_the_settings_threshold_and_reach_the_listener(
    settings, transport, fake_clock, hunter_mock
):
    hunter_mock.email_finder()
    hunter = replace(settings.provider("hunter"), budget=BudgetLimits(daily=Decimal("0.1")))
    configured = replace(settings, providers={**settings.providers, "hunter": hunter}, budget_warning_threshold=0.9)
    warnings = []
    async with build_gateway(
        configured, transport=transport, clock=fake_clock, on_budget_warning=warnings.append
    ) as gateway:
        await gateway.hunter.email_finder("acme.com", "Ana", "Lopez")
        assert warnings == []
        await gateway.hunter.email_finder("acme.com", "Ben", "Carter")
    assert [(w.provider, w.scope, w.period, w.threshold) for w in warnings] == [("hunter", "provider", "daily", 0.9)]


async def test_closing_the_gateway_closes_every_client_built(settings, transport, fake_clock):
    gateway = build_gateway(settings, transport=transport, clock=fake_clock)
    clients = [gateway.hunter, gateway.semrush]
    await gateway.aclose()
    assert all(client.client.http.is_closed for client in clients)
    assert gateway.client("hunter") is not clients[0]
    await gateway.aclose()


async def test_each_typed_property_returns_that_providers_client(gateway):
    names = [
        "google_places",
        "pagespeed",
        "openai",
        "sendgrid",
        "stripe",
        "hunter",
        "data_axle",
        "semrush",
        "screenshotone",
    ]
    assert [getattr(gateway, name).name for name in names] == names


# Every operation passes its campaign and priority to the pipeline and is recorded under its own name.
OPERATIONS = {
    ("google_places", "find_place"): lambda g, **kw: g.google_places.find_place("Acme Plumbing Austin", **kw),
    ("google_places", "place_details"): lambda g, **kw: g.google_places.place_details("ChIJabc", **kw),
    ("pagespeed", "run"): lambda g, **kw: g.pagespeed.run("https://acme.example/", **kw),
    ("openai", "chat"): lambda g, **kw: g.openai.chat([{"role": "user", "content": "hello"}], **kw),
    ("sendgrid", "send_mail"): lambda g, **kw: g.sendgrid.send(
        g.sendgrid.message(to=[{"email": "a@example.com"}], sender={"email": "b@example.com"}, subject="s", text="t"),
        **kw,
    ),
    ("stripe", "create_checkout_session"): lambda g, **kw: g.stripe.create_checkout_session(
        [LineItem(name="Audit", unit_amount=19900)],
        success_url="https://x.example/s",
        cancel_url="https://x.example/c",
        **kw,
    ),
    ("hunter", "email_finder"): lambda g, **kw: g.hunter.email_finder("acme.com", "Ana", "Lopez", **kw),
    ("hunter", "domain_search"): lambda g, **kw: g.hunter.domain_search("acme.com", **kw),
    ("data_axle", "business_match"): lambda g, **kw: g.data_axle.business_match(
        BusinessIdentifiers(name="Acme", postal_code="78701"), **kw
    ),
    ("semrush", "domain_overview"): lambda g, **kw: g.semrush.domain_overview("acme.com", **kw),
    ("screenshotone", "capture"): lambda g, **kw: g.screenshotone.capture(
        g.screenshotone.options(url="https://acme.example/"), **kw
    ),
}


@pytest.fixture
async def spent_gateway(fake_clock):
    """A stub gateway whose global daily budget is zero: only critical calls may go ahead."""
    settings = replace(GatewaySettings(), global_budget=BudgetLimits(daily=Decimal(0)))
    async with build_gateway(settings, stub=True, clock=fake_clock, rng=random.Random(0)) as gateway:
        yield gateway


@pytest.mark.parametrize("provider, operation", list(OPERATIONS))
async def test_a_critical_call_goes_past_a_spent_budget_recorded_under_its_operation(
    spent_gateway, provider, operation
):
    await OPERATIONS[provider, operation](spent_gateway, campaign_id="c-7", priority=Priority.CRITICAL)
    [entry] = spent_gateway.ledger.entries(campaign_id="c-7")
    assert (entry.provider, entry.operation, entry.outcome) == (provider, operation, Outcome.SUCCESS)


@pytest.mark.parametrize("provider, operation", list(OPERATIONS))
async def test_a_normal_call_is_blocked_by_a_spent_budget_recorded_under_its_operation(
    spent_gateway, provider, operation
):
    with pytest.raises(BudgetExceeded, match=rf"^{provider}: daily global budget of \$0 reached"):
        await OPERATIONS[provider, operation](spent_gateway, campaign_id="c-8")
    [entry] = spent_gateway.ledger.entries(campaign_id="c-8")
    assert (entry.provider, entry.operation, entry.outcome) == (provider, operation, Outcome.BLOCKED_BUDGET)


async def test_stub_pagespeed_dates_its_analysis_and_names_its_lighthouse_version():
    body = (
        await stub_get("https://www.googleapis.com/pagespeedonline/v5/runPagespeed", url="https://a.example/")
    ).json()
    result = PageSpeedResult.model_validate(body)
    assert result.analysis_utc_timestamp == result.lighthouse_result.fetch_time == "2026-01-05T09:00:00.000Z"
    assert re.fullmatch(r"\d+\.\d+\.\d+", result.lighthouse_result.lighthouse_version or "")


async def test_stub_pagespeed_analyses_example_com_when_no_url_is_given():
    body = (await stub_get("https://www.googleapis.com/pagespeedonline/v5/runPagespeed")).json()
    assert body["id"] == body["lighthouseResult"]["requestedUrl"] == "https://example.com/"


async def test_hunter_domain_search_refuses_a_domain_that_is_not_bare_naming_the_operation(gateway):
    with pytest.raises(InvalidInput) as caught:
        await gateway.hunter.domain_search("acme")
    assert str(caught.value) == "hunter domain_search: domain must be a bare domain such as example.com, got 'acme'"


async def test_injected_ledger_and_cache_backend_are_the_ones_the_gateway_uses(
    settings, transport, fake_clock, hunter_mock
):
    route = hunter_mock.email_finder()
    ledger = CostLedger(clock=fake_clock)
    backend = InMemoryCacheBackend(8)
    async with build_gateway(
        settings, transport=transport, clock=fake_clock, ledger=ledger, cache_backend=backend
    ) as gateway:
        await gateway.hunter.email_finder("acme.com", "Ana", "Lopez")
    assert (gateway.ledger, gateway.cache_backend) == (ledger, backend)
    assert ledger.totals_by_provider() == {"hunter": Decimal("0.049")}
    assert len(backend) == 1
    assert backend.get(cache_key(route.calls.last.request, namespace="hunter")) is not None


async def test_injected_rng_makes_the_retry_backoff_repeatable(settings, transport, fake_clock, hunter_mock):
    hunter_mock.unavailable("GET", hunter_mock.EMAIL_FINDER)
    backoffs = []
    for _ in range(2):
        fake_clock.sleeps.clear()
        async with build_gateway(settings, transport=transport, clock=fake_clock, rng=random.Random(11)) as gateway:
            with pytest.raises(ProviderUnavailable):
                await gateway.hunter.email_finder("acme.com", "Ana", "Lopez")
        backoffs.append(list(fake_clock.sleeps))
    assert len(backoffs[0]) == 2
    assert backoffs[0] == backoffs[1]


async def test_settings_come_from_the_process_environment_when_none_are_given(transport, fake_clock, monkeypatch):
    monkeypatch.setenv("HUNTER_API_KEY", "from-the-process")
    async with build_gateway(transport=transport, clock=fake_clock) as gateway:
        assert gateway.hunter.settings.credential("api_key") == "from-the-process"
