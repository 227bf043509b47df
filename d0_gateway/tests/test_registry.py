import random
from dataclasses import replace
from decimal import Decimal

import httpx
import pytest

from d0_gateway import (
    PROVIDER_CLIENTS,
    BudgetExceeded,
    BusinessIdentifiers,
    ConfigurationError,
    CostLedger,
    GatewaySettings,
    LineItem,
    Outcome,
    StubTransport,
    build_gateway,
    sign_webhook,
)
from d0_gateway.settings import DEFAULT_PROVIDERS


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
        with pytest.raises(ConfigurationError, match="'yelp' has settings but no client"):
            gateway.client("yelp")


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
