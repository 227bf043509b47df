"""d0_gateway's clients as batch providers: Hunter domain search for enrichment, PageSpeed for website assessment.

The gateway applies its own policies (rate limits, circuit breaker, cache, cost ledger, daily budgets)
to every call. Errors come back as the step errors the runner understands: a rate limit, an
unavailable provider or an open circuit is retryable (with the provider's `retry_after`); anything
else (bad input, auth, not found, a gateway budget reached) fails the lead at once.

    async with build_gateway(stub=True) as gateway:          # stub=True: offline, for demos and the CLI
        pipeline = gateway_pipeline(gateway, campaign_id="weekly-2026-01")
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from batch_runner.cost import PriceBook, ProviderPrice
from batch_runner.errors import PermanentStepError, RetryableStepError, StepError
from batch_runner.leads import Lead
from batch_runner.steps import EnrichmentStep, Pipeline, WebsiteAssessmentStep
from d0_gateway import CircuitOpen, Gateway, GatewayError, ProviderUnavailable, RateLimited

_RETRYABLE = (RateLimited, ProviderUnavailable, CircuitOpen)


def step_error(error: GatewayError) -> StepError:
    """The runner's view of a gateway error: retryable for transient failures, permanent otherwise."""
    if isinstance(error, _RETRYABLE):
        return RetryableStepError(str(error), retry_after=error.retry_after)
    return PermanentStepError(f"{type(error).__name__}: {error}")


class HunterEnrichmentProvider:
    """Enriches a lead with what Hunter knows about its domain: organization, email pattern, contacts."""

    def __init__(self, gateway: Gateway, *, campaign_id: str | None = None, max_contacts: int = 10) -> None:
        self._gateway = gateway
        self._campaign_id = campaign_id
        self._max_contacts = max_contacts

    async def enrich(self, lead: Lead) -> Mapping[str, Any]:
        try:
            found = await self._gateway.hunter.domain_search(
                lead.domain, limit=self._max_contacts, campaign_id=self._campaign_id
            )
        except GatewayError as error:
            raise step_error(error) from error
        data = found.data
        return {
            "source": "hunter",
            "organization": data.organization,
            "email_pattern": data.pattern,
            "webmail": data.webmail,
            "disposable": data.disposable,
            "accept_all": data.accept_all,
            "contacts_known": found.meta.results,
            "contacts": [
                {
                    "email": email.value,
                    "type": email.type,
                    "confidence": email.confidence,
                    "first_name": email.first_name,
                    "last_name": email.last_name,
                    "position": email.position,
                }
                for email in data.emails
            ],
        }


class PageSpeedAssessmentProvider:
    """Assesses a website with Lighthouse (via PageSpeed Insights): performance, accessibility, best practices, SEO."""

    def __init__(self, gateway: Gateway, *, campaign_id: str | None = None) -> None:
        self._gateway = gateway
        self._campaign_id = campaign_id

    async def assess(self, url: str) -> Mapping[str, Any]:
        try:
            result = await self._gateway.pagespeed.run(url, campaign_id=self._campaign_id)
        except GatewayError as error:
            raise step_error(error) from error
        return {
            "source": "pagespeed",
            "url": url,
            "scores": result.scores,
            "analyzed_at": result.analysis_utc_timestamp,
        }


def gateway_pipeline(gateway: Gateway, *, campaign_id: str | None = None) -> Pipeline:
    """The standard pipeline (enrichment, then website assessment) on d0_gateway; priced by `gateway_price_book`."""
    return Pipeline(
        [
            EnrichmentStep(HunterEnrichmentProvider(gateway, campaign_id=campaign_id), price_key="hunter"),
            WebsiteAssessmentStep(PageSpeedAssessmentProvider(gateway, campaign_id=campaign_id), price_key="pagespeed"),
        ]
    )


def gateway_price_book(gateway: Gateway) -> PriceBook:
    """The gateway's own list prices for the calls `gateway_pipeline` makes (d0_gateway has no volume tiers)."""
    providers = gateway.settings.providers
    return PriceBook.of(
        [
            ProviderPrice("hunter", providers["hunter"].cost("domain_search")),
            ProviderPrice("pagespeed", providers["pagespeed"].cost("run")),
        ]
    )
