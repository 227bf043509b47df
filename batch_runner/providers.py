"""What the built-in steps need from a provider: d0_gateway's clients satisfy these protocols via an adapter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from batch_runner.leads import Lead


class EnrichmentProvider(Protocol):
    """Adds firmographic data about a lead's business. Raise an error with `retryable = True` for transient failures."""

    async def enrich(self, lead: Lead) -> Mapping[str, Any]: ...


class AssessmentProvider(Protocol):
    """Assesses a website (performance, SEO, accessibility); transient failures raise with `retryable = True`."""

    async def assess(self, url: str) -> Mapping[str, Any]: ...
