"""Offline stand-in providers, for the CLI and demos until d0_gateway's stub-mode clients are wired in.

They make no network call and cost nothing real: each answer is derived deterministically from the
lead's domain (SHA-256), so the same lead always gets the same data. They are NOT a model of any real
provider's data; swap them for d0_gateway clients (which satisfy EnrichmentProvider/AssessmentProvider).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from batch_runner.leads import Lead

_INDUSTRIES = ("plumbing", "dentistry", "landscaping", "bakery", "accounting", "auto repair", "veterinary", "fitness")


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


class StubEnrichmentProvider:
    """Deterministic, offline firmographics for a lead (stand-in for d0_gateway's enrichment client)."""

    async def enrich(self, lead: Lead) -> Mapping[str, Any]:
        digest = _digest(lead.domain)
        return {
            "source": "stub",
            "industry": _INDUSTRIES[digest[0] % len(_INDUSTRIES)],
            "employee_count": 1 + int.from_bytes(digest[1:3], "big") % 250,
            "founded_year": 1950 + digest[3] % 75,
            "contact_email": lead.email,
        }


class StubAssessmentProvider:
    """Deterministic, offline website scores (stand-in for d0_gateway's website-assessment client)."""

    async def assess(self, url: str) -> Mapping[str, Any]:
        host = urlsplit(url).hostname or url
        digest = _digest(host)
        return {
            "source": "stub",
            "url": url,
            "performance_score": digest[0] % 101,
            "seo_score": digest[1] % 101,
            "accessibility_score": digest[2] % 101,
            "uses_https": digest[3] % 4 != 0,
        }
