"""Gateway settings: per-provider endpoints, credentials (from environment variables only), policies, budgets.

`GatewaySettings.from_env(os.environ)` reads credentials and optional overrides; everything else has
defaults taken from each provider's published limits and prices.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from d0_gateway.errors import ConfigurationError
from d0_gateway.policies.budget import BudgetLimits
from d0_gateway.policies.retry import RetryPolicy

ENV_PREFIX = "LEADFACTORY_GATEWAY_"
_Default = TypeVar("_Default", bound=float | None)


@dataclass(frozen=True)
class BreakerSettings:
    failure_threshold: int = 5
    recovery_time: float = 30.0
    success_threshold: int = 2


@dataclass(frozen=True)
class ProviderSettings:
    """Everything the gateway needs to call one provider.

    `credentials` maps each credential's name (e.g. "api_key") to its value, read from the environment
    variable named in `credential_env`; it is never printed.
    """

    name: str
    base_url: str
    credential_env: Mapping[str, str]
    costs: Mapping[str, Decimal]
    rate: float
    burst: int
    cache_ttl: float | None = 3600.0
    timeout: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    breaker: BreakerSettings = field(default_factory=BreakerSettings)
    budget: BudgetLimits = field(default_factory=BudgetLimits)
    credentials: Mapping[str, str] = field(default_factory=dict, repr=False)
    optional_credentials: frozenset[str] = frozenset()

    def credential(self, key: str) -> str:
        """The credential `key`, or ConfigurationError naming the environment variable to set."""
        value = self.credentials.get(key)
        if not value:
            env = self.credential_env.get(key, "?")
            raise ConfigurationError(f"{self.name}: credential {key!r} is missing; set the environment variable {env}")
        return value

    def cost(self, operation: str) -> Decimal:
        """Dollars one `operation` call costs (0 if the provider does not charge for it)."""
        return self.costs.get(operation, Decimal(0))


def _provider(
    name: str, base_url: str, env: Mapping[str, str], costs: Mapping[str, str], **kwargs: Any
) -> ProviderSettings:
    return ProviderSettings(name, base_url, dict(env), {op: Decimal(c) for op, c in costs.items()}, **kwargs)


# Prices are list prices per call in USD (OpenAI is priced from token usage: see providers/openai.py).
DEFAULT_PROVIDERS: Mapping[str, ProviderSettings] = {
    s.name: s
    for s in (
        _provider(
            "google_places",
            "https://maps.googleapis.com",
            {"api_key": "GOOGLE_PLACES_API_KEY"},
            {"find_place": "0.017", "place_details": "0.017"},
            rate=10.0,
            burst=20,
            cache_ttl=24 * 3600.0,
        ),
        _provider(
            "pagespeed",
            "https://www.googleapis.com",
            {"api_key": "PAGESPEED_API_KEY"},
            {},
            rate=4.0,
            burst=4,
            cache_ttl=24 * 3600.0,
            timeout=60.0,
            optional_credentials=frozenset({"api_key"}),
        ),
        _provider(
            "openai",
            "https://api.openai.com",
            {"api_key": "OPENAI_API_KEY"},
            {},
            rate=5.0,
            burst=10,
            cache_ttl=None,
            timeout=60.0,
        ),
        _provider(
            "sendgrid",
            "https://api.sendgrid.com",
            {"api_key": "SENDGRID_API_KEY"},
            {"send_mail": "0.001"},
            rate=10.0,
            burst=10,
            cache_ttl=None,
        ),
        _provider(
            "stripe",
            "https://api.stripe.com",
            {"api_key": "STRIPE_SECRET_KEY", "webhook_secret": "STRIPE_WEBHOOK_SECRET"},
            {},
            rate=25.0,
            burst=25,
            cache_ttl=None,
            optional_credentials=frozenset({"webhook_secret"}),
        ),
        _provider(
            "hunter",
            "https://api.hunter.io",
            {"api_key": "HUNTER_API_KEY"},
            {"email_finder": "0.049", "domain_search": "0.049"},
            rate=15.0,
            burst=15,
            cache_ttl=7 * 24 * 3600.0,
        ),
        _provider(
            "data_axle",
            "https://api.data-axle.com",
            {"api_key": "DATA_AXLE_API_KEY"},
            {"business_match": "0.05"},
            rate=5.0,
            burst=5,
            cache_ttl=7 * 24 * 3600.0,
        ),
        _provider(
            "semrush",
            "https://api.semrush.com",
            {"api_key": "SEMRUSH_API_KEY"},
            {"domain_overview": "0.01"},
            rate=10.0,
            burst=10,
        ),
        _provider(
            "screenshotone",
            "https://api.screenshotone.com",
            {"access_key": "SCREENSHOTONE_ACCESS_KEY", "secret_key": "SCREENSHOTONE_SECRET_KEY"},
            {"capture": "0.004"},
            rate=2.0,
            burst=4,
            cache_ttl=None,
            timeout=60.0,
            optional_credentials=frozenset({"secret_key"}),
        ),
    )
}


@dataclass(frozen=True)
class GatewaySettings:
    """Settings for the whole gateway: every provider, global budgets and the ledger's database."""

    providers: Mapping[str, ProviderSettings] = field(default_factory=lambda: dict(DEFAULT_PROVIDERS))
    global_budget: BudgetLimits = field(default_factory=BudgetLimits)
    budget_warning_threshold: float = 0.8
    ledger_url: str = "sqlite://"
    cache_max_entries: int = 1024

    def provider(self, name: str) -> ProviderSettings:
        """One provider's settings, or ConfigurationError listing the known providers."""
        try:
            return self.providers[name]
        except KeyError:
            raise ConfigurationError(f"unknown provider {name!r}; known: {', '.join(sorted(self.providers))}") from None

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> GatewaySettings:
        """Credentials from each provider's environment variables, plus optional overrides:

        LEADFACTORY_GATEWAY_LEDGER_URL, LEADFACTORY_GATEWAY_DAILY_BUDGET / _MONTHLY_BUDGET (global, USD),
        LEADFACTORY_GATEWAY_<PROVIDER>_DAILY_BUDGET / _MONTHLY_BUDGET / _RATE / _BURST / _CACHE_TTL.
        """
        providers = {}
        for name, defaults in DEFAULT_PROVIDERS.items():
            prefix = f"{ENV_PREFIX}{name.upper()}_"
            credentials = {key: environ[env] for key, env in defaults.credential_env.items() if environ.get(env)}
            providers[name] = replace(
                defaults,
                credentials=credentials,
                rate=_number(environ, prefix + "RATE", defaults.rate),
                burst=int(_number(environ, prefix + "BURST", defaults.burst)),
                cache_ttl=_number(environ, prefix + "CACHE_TTL", defaults.cache_ttl),
                budget=BudgetLimits(
                    daily=_money(environ, prefix + "DAILY_BUDGET", defaults.budget.daily),
                    monthly=_money(environ, prefix + "MONTHLY_BUDGET", defaults.budget.monthly),
                ),
            )
        return cls(
            providers=providers,
            global_budget=BudgetLimits(
                daily=_money(environ, ENV_PREFIX + "DAILY_BUDGET", None),
                monthly=_money(environ, ENV_PREFIX + "MONTHLY_BUDGET", None),
            ),
            ledger_url=environ.get(ENV_PREFIX + "LEDGER_URL", "sqlite://"),
        )


def _money(environ: Mapping[str, str], name: str, default: Decimal | None) -> Decimal | None:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ConfigurationError(f"{name}={raw!r} is not an amount in dollars (e.g. 25.00)") from None
    if not value.is_finite() or value < 0:
        raise ConfigurationError(f"{name}={raw!r} must be a finite amount >= 0")
    return value


def _number(environ: Mapping[str, str], name: str, default: _Default) -> float | _Default:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise ConfigurationError(f"{name}={raw!r} must be a positive finite number")
    return value
