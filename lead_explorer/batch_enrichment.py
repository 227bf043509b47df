"""Quick-add enrichment through batch_runner: each enrichment task runs as a one-lead batch.

`BatchRunnerEnricher` submits the lead to a `batch_runner.BatchRunner` under a batch id derived from the
task id, awaits the batch and reads the enrichment step's checkpointed result. Running the same task
again (a retry, a second worker, a restart) therefore resumes or re-reads that one batch instead of
paying the provider twice. `GatewayEnrichment` wires it to d0_gateway's Hunter client, in the gateway's
offline stub mode unless `live=True`, exactly as `bazel run //batch_runner:cli` does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from batch_runner import (
    BatchNotFoundError,
    BatchRunner,
    CheckpointStore,
    Clock,
    EnrichmentStep,
    HunterEnrichmentProvider,
    Lead,
    Pipeline,
    RunSettings,
    gateway_price_book,
    normalize_domain,
)
from d0_gateway import Gateway, build_gateway
from lead_explorer.enrichment import Enricher, EnrichmentResult
from lead_explorer.errors import EnrichmentBatchFailedError, EnrichmentBatchIncompleteError, LeadNotEnrichableError
from lead_explorer.records import LeadRecord

BATCH_ID_PREFIX = "lead-enrichment-"
ENRICHMENT_STEP = "enrichment"
GATEWAY_CAMPAIGN = "lead-explorer"
DEFAULT_TASK_BUDGET = Decimal("0.25")
"""USD one enrichment task may spend; Hunter's domain search lists at $0.049 a call in d0_gateway."""


def enrichment_batch_id(task_id: str) -> str:
    """The batch an enrichment task runs as: one id per task, so a rerun finds the same checkpoint."""
    return f"{BATCH_ID_PREFIX}{task_id}"


def batch_lead(lead: LeadRecord) -> Lead:
    """The lead as batch_runner's Lead: its id, its company (else its domain) as business name, its
    domain (else its email's domain), and its email (empty for a domain-only lead; enrichment needs none).
    """
    domain = lead.domain or (lead.email.rsplit("@", 1)[1] if lead.email else None)
    if domain is None:
        raise LeadNotEnrichableError(lead.id, "it has neither a domain nor an email")
    try:
        domain = normalize_domain(domain)
    except ValueError as error:
        raise LeadNotEnrichableError(lead.id, f"batch_runner refuses its domain: {error}") from None
    return Lead(lead_id=lead.id, business_name=lead.company or domain, domain=domain, email=lead.email or "")


def gateway_enrichment_pipeline(gateway: Gateway, *, campaign_id: str | None = GATEWAY_CAMPAIGN) -> Pipeline:
    """One step, `enrichment`: Hunter's domain search through d0_gateway, priced as `gateway_price_book`'s "hunter"."""
    provider = HunterEnrichmentProvider(gateway, campaign_id=campaign_id)
    return Pipeline([EnrichmentStep(provider, name=ENRICHMENT_STEP, price_key="hunter")])


class BatchRunnerEnricher:
    """An Enricher that runs each task as a one-lead batch of `runner` and maps its enrichment result.

    The step's result is read as Hunter's domain search (see batch_runner.HunterEnrichmentProvider):
    `organization` becomes the company (not for webmail domains), and the contact is the person
    behind the lead's email, or, for a lead without an email, the most confident personal contact.
    What the provider did not find is asked of `fallback`, if given. A lead that fails in its batch
    raises EnrichmentBatchFailedError carrying batch_runner's error message.
    """

    def __init__(
        self,
        runner: BatchRunner,
        *,
        budget: Decimal = DEFAULT_TASK_BUDGET,
        step: str = ENRICHMENT_STEP,
        fallback: Enricher | None = None,
    ) -> None:
        steps = [name for name, _provider in runner.pipeline.signature]
        if step not in steps:
            raise ValueError(f"the runner's pipeline has no step {step!r}; its steps are {steps}")
        if budget < 0:
            raise ValueError(f"budget must be >= 0 USD, got {budget}")
        self.runner = runner
        self._budget = budget
        self._step = step
        self._fallback = fallback

    async def enrich(self, lead: LeadRecord) -> EnrichmentResult:
        """Runs (or resumes, or re-reads) the task's batch and returns what its enrichment step found."""
        if lead.enrichment_task_id is None:
            raise LeadNotEnrichableError(lead.id, "it has no enrichment task (request an enrichment first)")
        batch_id = enrichment_batch_id(lead.enrichment_task_id)
        try:
            self.runner.status(batch_id)
        except BatchNotFoundError:
            # First run of this task. A rerun keeps the lead as first submitted, even if it was edited since.
            self.runner.create_batch(batch_id, [batch_lead(lead)], budget=self._budget)
        await self.runner.run(batch_id)
        (outcome,) = self.runner.results(batch_id)
        if outcome.state == "failed":
            raise EnrichmentBatchFailedError(batch_id, outcome.error or "no reason was recorded")
        if outcome.state != "done":
            raise EnrichmentBatchIncompleteError(batch_id, outcome.state)
        found = _found_in(outcome.steps[self._step], lead.email)
        if self._fallback is None or (found.company is not None and found.contact_name is not None):
            return found
        extra = await self._fallback.enrich(lead)
        return EnrichmentResult(
            company=found.company if found.company is not None else extra.company,
            contact_name=found.contact_name if found.contact_name is not None else extra.contact_name,
        )


class GatewayEnrichment:
    """A BatchRunnerEnricher on d0_gateway's Hunter client, with the gateway and checkpoint store it owns.

    `live=False` (the default) serves Hunter from d0_gateway's offline stubs; `live=True` calls the real
    API and needs HUNTER_API_KEY in `environ` (ConfigurationError, naming the variable, if it is unset).
    `aclose()` closes the gateway and the store.
    """

    def __init__(
        self,
        store: CheckpointStore,
        *,
        live: bool = False,
        environ: Mapping[str, str] | None = None,
        clock: Clock | None = None,
        settings: RunSettings | None = None,
        budget: Decimal = DEFAULT_TASK_BUDGET,
        fallback: Enricher | None = None,
        campaign_id: str | None = GATEWAY_CAMPAIGN,
    ) -> None:
        self.live = live
        self.store = store
        self.gateway = build_gateway(stub=not live, environ=environ, clock=clock)
        self.gateway.client("hunter")  # fails now, not on the first quick-add, when credentials are missing
        runner = BatchRunner(
            store,
            gateway_enrichment_pipeline(self.gateway, campaign_id=campaign_id),
            price_book=gateway_price_book(self.gateway),
            settings=settings,
            clock=clock,
        )
        self.enricher = BatchRunnerEnricher(runner, budget=budget, fallback=fallback)

    def describe(self) -> str:
        """One line for the server's start-up output."""
        mode = "live Hunter API" if self.live else "d0_gateway offline stubs"
        return f"batch_runner, Hunter domain search via {mode}"

    async def aclose(self) -> None:
        """Closes the gateway's HTTP clients and the checkpoint store's connections."""
        try:
            await self.gateway.aclose()
        finally:
            self.store.close()


def _found_in(data: Mapping[str, Any], email: str | None) -> EnrichmentResult:
    organization = data.get("organization")
    company = None
    if isinstance(organization, str) and organization.strip() and data.get("webmail") is not True:
        company = organization.strip()
    listed = data.get("contacts")
    contacts = [contact for contact in listed if isinstance(contact, Mapping)] if isinstance(listed, list) else []
    return EnrichmentResult(company=company, contact_name=_contact_name(contacts, email))


def _contact_name(contacts: Sequence[Mapping[str, Any]], email: str | None) -> str | None:
    if email is not None:
        candidates = [contact for contact in contacts if str(contact.get("email") or "").lower() == email.lower()]
    else:
        personal = [contact for contact in contacts if contact.get("type") == "personal"]
        candidates = sorted(personal, key=_confidence, reverse=True)
    for contact in candidates:
        parts = [contact.get(key) for key in ("first_name", "last_name")]
        name = " ".join(part.strip() for part in parts if isinstance(part, str) and part.strip())
        if name:
            return name
    return None


def _confidence(contact: Mapping[str, Any]) -> int:
    value = contact.get("confidence")
    return value if isinstance(value, int) and not isinstance(value, bool) else -1
