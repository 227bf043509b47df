"""d0_gateway: LeadFactory's single door to external providers, with retries, rate limits, a circuit
breaker, a response cache, a cost ledger and budget guardrails applied to every call.

Typical use (API keys come from environment variables; `stub=True` serves every provider offline):

    from d0_gateway import build_gateway

    async with build_gateway(stub=True) as gateway:
        found = await gateway.google_places.find_place("Blue Door Bakery Austin", campaign_id="c-42")
        details = await gateway.google_places.place_details(found.candidates[0].place_id)
        spent_today = gateway.ledger.total(campaign_id="c-42", day=gateway.clock.now().date())

Every failure is a GatewayError: AuthenticationError, NotFound, InvalidRequest, RateLimited (with
`retry_after`), QuotaExhausted (never retried), ProviderUnavailable, ProviderResponseError (names provider,
endpoint and field), CircuitOpen, BudgetExceeded, InvalidInput (bad arguments, nothing sent),
ConfigurationError.
"""

from d0_gateway.client import CallResult, GatewayClient, Policies, ProviderCall
from d0_gateway.clock import Clock, SystemClock
from d0_gateway.errors import (
    AuthenticationError,
    BudgetExceeded,
    CircuitOpen,
    ConfigurationError,
    GatewayError,
    InvalidInput,
    InvalidRequest,
    NotFound,
    ProviderError,
    ProviderResponseError,
    ProviderUnavailable,
    QuotaExhausted,
    RateLimited,
    WebhookSignatureError,
)
from d0_gateway.policies.budget import BudgetGuard, BudgetLimits, BudgetWarning, Priority
from d0_gateway.policies.cache import CacheBackend, InMemoryCacheBackend, ResponseCache, cache_key
from d0_gateway.policies.circuit_breaker import LEGAL_TRANSITIONS, BreakerState, CircuitBreaker
from d0_gateway.policies.cost_ledger import CostLedger, LedgerEntry, LedgerError, Outcome
from d0_gateway.policies.rate_limiter import RateLimiter
from d0_gateway.policies.retry import Retrier, RetryPolicy, exponential_backoff
from d0_gateway.providers.data_axle import (
    BusinessIdentifiers,
    BusinessMatch,
    DataAxleClient,
    PlaceAttributes,
    PlaceRecord,
)
from d0_gateway.providers.google_places import FindPlaceResponse, GooglePlacesClient, PlaceCandidate, PlaceDetails
from d0_gateway.providers.hunter import DomainSearchResponse, EmailFinderData, HunterClient
from d0_gateway.providers.openai import ChatCompletion, OpenAIClient, TokenPrice
from d0_gateway.providers.pagespeed import PageSpeedClient, PageSpeedResult
from d0_gateway.providers.screenshotone import Screenshot, ScreenshotOneClient, ScreenshotOptions
from d0_gateway.providers.semrush import DomainOverview, SemrushClient
from d0_gateway.providers.sendgrid import EmailAddress, MailMessage, MailSendResult, SendGridClient
from d0_gateway.providers.stripe import (
    CheckoutSession,
    LineItem,
    StripeClient,
    StripeEvent,
    sign_webhook,
    verify_webhook,
)
from d0_gateway.registry import PROVIDER_CLIENTS, Gateway, build_gateway
from d0_gateway.responses import ErrorKind
from d0_gateway.settings import BreakerSettings, GatewaySettings, ProviderSettings
from d0_gateway.sql_types import UtcDateTime
from d0_gateway.stub import StubTransport, stub_settings

__all__ = [
    "LEGAL_TRANSITIONS",
    "PROVIDER_CLIENTS",
    "AuthenticationError",
    "BreakerSettings",
    "BreakerState",
    "BudgetExceeded",
    "BudgetGuard",
    "BudgetLimits",
    "BudgetWarning",
    "BusinessIdentifiers",
    "BusinessMatch",
    "CacheBackend",
    "CallResult",
    "ChatCompletion",
    "CheckoutSession",
    "CircuitBreaker",
    "CircuitOpen",
    "Clock",
    "ConfigurationError",
    "CostLedger",
    "DataAxleClient",
    "DomainOverview",
    "DomainSearchResponse",
    "EmailAddress",
    "ErrorKind",
    "EmailFinderData",
    "FindPlaceResponse",
    "Gateway",
    "GatewayClient",
    "GatewayError",
    "GatewaySettings",
    "GooglePlacesClient",
    "HunterClient",
    "InMemoryCacheBackend",
    "InvalidInput",
    "InvalidRequest",
    "LedgerEntry",
    "LedgerError",
    "LineItem",
    "MailMessage",
    "MailSendResult",
    "NotFound",
    "OpenAIClient",
    "Outcome",
    "PageSpeedClient",
    "PageSpeedResult",
    "PlaceCandidate",
    "PlaceDetails",
    "PlaceAttributes",
    "PlaceRecord",
    "Policies",
    "Priority",
    "ProviderCall",
    "ProviderError",
    "ProviderResponseError",
    "ProviderSettings",
    "ProviderUnavailable",
    "QuotaExhausted",
    "RateLimited",
    "RateLimiter",
    "ResponseCache",
    "Retrier",
    "RetryPolicy",
    "Screenshot",
    "ScreenshotOneClient",
    "ScreenshotOptions",
    "SemrushClient",
    "SendGridClient",
    "StripeClient",
    "StripeEvent",
    "StubTransport",
    "SystemClock",
    "TokenPrice",
    "UtcDateTime",
    "WebhookSignatureError",
    "build_gateway",
    "cache_key",
    "exponential_backoff",
    "sign_webhook",
    "stub_settings",
    "verify_webhook",
]
