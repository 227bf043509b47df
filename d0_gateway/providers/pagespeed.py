"""PageSpeed Insights API v5: Lighthouse category scores and audits for a URL.

Docs: https://developers.google.com/speed/docs/insights/v5/reference/pagespeedapi/runpagespeed
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field

from d0_gateway.errors import InvalidInput
from d0_gateway.policies.budget import Priority
from d0_gateway.providers.base import ProviderClient
from d0_gateway.providers.google_api_errors import google_api_error_kind
from d0_gateway.responses import ErrorKind, parse_model

RUN_PAGESPEED_PATH = "/pagespeedonline/v5/runPagespeed"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
Strategy = Literal["mobile", "desktop"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


# Google's discovery document marks no field required; we require what a result is useless without
# (the categories and their ids) and accept the omission of the rest.
class LighthouseCategory(_Model):
    id: str
    title: str | None = None
    score: float | None = Field(default=None, ge=0, le=1)


class LighthouseAudit(_Model):
    id: str
    title: str | None = None
    score: float | None = Field(default=None, ge=0, le=1)
    numeric_value: float | None = Field(default=None, alias="numericValue")
    display_value: str | None = Field(default=None, alias="displayValue")


class LighthouseResult(_Model):
    requested_url: str = Field(alias="requestedUrl")
    final_url: str | None = Field(default=None, alias="finalUrl")
    lighthouse_version: str | None = Field(default=None, alias="lighthouseVersion")
    fetch_time: str | None = Field(default=None, alias="fetchTime")
    categories: dict[str, LighthouseCategory]
    audits: dict[str, LighthouseAudit] = {}


class PageSpeedResult(_Model):
    """A runPagespeed response; `scores` gives each category as 0-100."""

    id: str
    lighthouse_result: LighthouseResult = Field(alias="lighthouseResult")
    analysis_utc_timestamp: str | None = Field(default=None, alias="analysisUTCTimestamp")

    @property
    def scores(self) -> dict[str, int | None]:
        return {
            name: None if category.score is None else round(category.score * 100)
            for name, category in self.lighthouse_result.categories.items()
        }


class PageSpeedClient(ProviderClient):
    """Runs Lighthouse through PageSpeed Insights (free; the API key only raises the quota)."""

    name = "pagespeed"

    @staticmethod
    def describe_error(response: httpx.Response) -> str:
        """The Google API error message (`error.message`)."""
        return response.json()["error"]["message"]

    @staticmethod
    def classify_error(response: httpx.Response) -> ErrorKind | None:
        """A used-up daily quota (RESOURCE_EXHAUSTED "per day") is not a passing rate limit."""
        return google_api_error_kind(response.json())

    async def run(
        self,
        url: str,
        *,
        strategy: Strategy = "mobile",
        categories: Sequence[str] = CATEGORIES,
        campaign_id: str | None = None,
        priority: Priority = Priority.NORMAL,
    ) -> PageSpeedResult:
        """Lighthouse results for `url` (an absolute http(s) URL)."""
        url = self._require_text("run", "url", url)
        if not url.startswith(("http://", "https://")):
            raise InvalidInput(f"pagespeed run: url must be an absolute http(s) URL, got {url!r}")
        if strategy not in ("mobile", "desktop"):
            raise InvalidInput(f"pagespeed run: strategy must be 'mobile' or 'desktop', got {strategy!r}")
        params: list[tuple[str, str]] = [("url", url), ("strategy", strategy)]
        params += [("category", category.upper().replace("-", "_")) for category in categories]
        key = self.settings.credentials.get("api_key")
        if key:
            params.append(("key", key))
        call = self._call("run", "GET", RUN_PAGESPEED_PATH, params=params, campaign_id=campaign_id, priority=priority)
        result = await self.client.execute(call, lambda r: parse_model(PageSpeedResult, r, self.name, "run"))
        return result.value
