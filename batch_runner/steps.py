"""Pipeline steps: each turns a lead (and the results of earlier steps) into one JSON result, via one paid provider."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from batch_runner.leads import Lead
from batch_runner.providers import AssessmentProvider, EnrichmentProvider


class PipelineStep(Protocol):
    """A step of a batch pipeline.

    `name` keys the step's result (unique within a pipeline); `provider` names the price-book entry each
    call is charged to. `run` must be safe to repeat: after a crash, a step whose result was not yet
    checkpointed runs again.
    """

    name: str
    provider: str

    async def run(self, lead: Lead, results: Mapping[str, Mapping[str, Any]]) -> Mapping[str, Any]: ...


class EnrichmentStep:
    """Enriches the lead's business through an EnrichmentProvider."""

    def __init__(
        self, provider: EnrichmentProvider, *, name: str = "enrichment", price_key: str = "enrichment"
    ) -> None:
        self.name = name
        self.provider = price_key
        self._provider = provider

    async def run(self, lead: Lead, results: Mapping[str, Mapping[str, Any]]) -> Mapping[str, Any]:
        return dict(await self._provider.enrich(lead))


class WebsiteAssessmentStep:
    """Assesses the lead's website (https://<domain>) through an AssessmentProvider."""

    def __init__(
        self, provider: AssessmentProvider, *, name: str = "website_assessment", price_key: str = "website_assessment"
    ) -> None:
        self.name = name
        self.provider = price_key
        self._provider = provider

    async def run(self, lead: Lead, results: Mapping[str, Mapping[str, Any]]) -> Mapping[str, Any]:
        return dict(await self._provider.assess(f"https://{lead.domain}"))


class Pipeline:
    """An ordered list of steps with unique names; every lead goes through them in order."""

    def __init__(self, steps: Iterable[PipelineStep]) -> None:
        self.steps: tuple[PipelineStep, ...] = tuple(steps)
        if not self.steps:
            raise ValueError("a pipeline needs at least one step")
        names = [step.name for step in self.steps]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"pipeline step names must be unique; repeated: {', '.join(duplicates)}")

    @property
    def signature(self) -> tuple[tuple[str, str], ...]:
        """(step name, provider) pairs in order: what a batch checkpoint records as its pipeline."""
        return tuple((step.name, step.provider) for step in self.steps)

    @property
    def providers(self) -> tuple[str, ...]:
        """The provider each step calls, once per step (a provider used by two steps appears twice)."""
        return tuple(step.provider for step in self.steps)


def standard_pipeline(enrichment: EnrichmentProvider, assessment: AssessmentProvider) -> Pipeline:
    """Enrichment, then website assessment: the pipeline LeadFactory runs on every lead."""
    return Pipeline([EnrichmentStep(enrichment), WebsiteAssessmentStep(assessment)])
