"""Quick-add enrichment: the `Enricher` protocol, an offline default, and the runner that records progress.

Enrichment runs through an injected `Enricher`: the server's default, `BatchRunnerEnricher`
(batch_enrichment.py), submits each task to batch_runner; `OfflineEnricher` works in-process with no
provider (see lead_explorer/README.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from starlette.concurrency import run_in_threadpool

from lead_explorer.errors import LeadValidationError
from lead_explorer.records import LeadRecord
from lead_explorer.repository import LeadRepository

ENRICHMENT_ACTOR = "enrichment"

# Mailbox providers whose domain says nothing about the sender's company.
_PERSONAL_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.de",
        "mail.com",
        "yandex.ru",
    }
)


@dataclass(frozen=True)
class EnrichmentResult:
    """What an enricher found; None means "nothing found" and never overwrites a curated value."""

    company: str | None = None
    contact_name: str | None = None


class Enricher(Protocol):
    """Looks a lead up somewhere and reports what it found; raising marks the task failed with the error."""

    async def enrich(self, lead: LeadRecord) -> EnrichmentResult: ...


class OfflineEnricher:
    """Infers a company name from the lead's domain and a contact name from a "first.last" mailbox, offline."""

    async def enrich(self, lead: LeadRecord) -> EnrichmentResult:
        """Never fails and never calls out: useful defaults for a single-machine setup and for demos."""
        return EnrichmentResult(company=_company_from(lead), contact_name=_contact_from(lead.email))


class EnrichmentRunner:
    """Runs one enrichment task through an Enricher, recording running/completed/failed on the lead."""

    def __init__(self, repository: LeadRepository, enricher: Enricher) -> None:
        self._repository = repository
        self._enricher = enricher

    async def run(self, task_id: str) -> LeadRecord:
        """Runs the task to its end and returns the lead as it stands afterwards."""
        lead = await run_in_threadpool(self._repository.start_enrichment, task_id, actor=ENRICHMENT_ACTOR)
        try:
            result = await self._enricher.enrich(lead)
        except Exception as error:  # noqa: BLE001 - any enricher failure is recorded on the lead, not lost
            return await self._fail(task_id, f"{type(error).__name__}: {error}")
        try:
            return await run_in_threadpool(
                self._repository.complete_enrichment,
                task_id,
                actor=ENRICHMENT_ACTOR,
                company=result.company,
                contact_name=result.contact_name,
            )
        except LeadValidationError as error:
            return await self._fail(task_id, f"the enricher returned unusable data: {error}")

    async def _fail(self, task_id: str, message: str) -> LeadRecord:
        return await run_in_threadpool(self._repository.fail_enrichment, task_id, message, actor=ENRICHMENT_ACTOR)


def _company_from(lead: LeadRecord) -> str | None:
    domain = lead.domain
    if domain is None and lead.email is not None:
        domain = lead.email.rsplit("@", 1)[1]
    if domain is None or domain in _PERSONAL_MAIL_DOMAINS or domain.startswith("xn--"):
        return None
    name = domain.split(".")[0]
    return " ".join(part.capitalize() for part in re.split(r"[-_]+", name) if part) or None


def _contact_from(email: str | None) -> str | None:
    if email is None:
        return None
    parts = [part for part in re.split(r"[._-]+", email.split("@", 1)[0]) if part.isalpha()]
    if len(parts) < 2:
        return None
    return " ".join(part.capitalize() for part in parts)
