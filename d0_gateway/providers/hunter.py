"""Hunter v2: Email Finder (a person's address at a domain) and Domain Search (addresses found at a domain).

Hunter only charges a credit when it finds something, and so does the ledger here.
Docs: https://hunter.io/api-documentation/v2
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field

from d0_gateway.errors import InvalidInput
from d0_gateway.policies.budget import Priority
from d0_gateway.providers.base import ProviderClient
from d0_gateway.responses import ErrorKind, parse_model

EMAIL_FINDER_PATH = "/v2/email-finder"
DOMAIN_SEARCH_PATH = "/v2/domain-search"


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Verification(_Model):
    date: str | None = None
    status: Literal["valid", "invalid", "accept_all", "webmail", "disposable", "unknown"] | None = None


class Source(_Model):
    domain: str
    uri: str
    extracted_on: str
    last_seen_on: str
    still_on_page: bool


class EmailFinderData(_Model):
    """The address Hunter found (None when it found none) and its confidence score (0-100)."""

    first_name: str | None = None
    last_name: str | None = None
    email: str | None
    score: int | None = Field(ge=0, le=100)
    domain: str
    accept_all: bool | None = None
    position: str | None = None
    company: str | None = None
    sources: list[Source] = []
    verification: Verification | None = None


class EmailFinderResponse(_Model):
    data: EmailFinderData


class DomainEmail(_Model):
    value: str
    type: Literal["personal", "generic"]
    confidence: int = Field(ge=0, le=100)
    first_name: str | None = None
    last_name: str | None = None
    position: str | None = None
    seniority: str | None = None
    department: str | None = None
    sources: list[Source] = []
    verification: Verification | None = None


class DomainSearchData(_Model):
    domain: str
    disposable: bool
    webmail: bool
    accept_all: bool
    pattern: str | None = None
    organization: str | None = None
    emails: list[DomainEmail]


class DomainSearchMeta(_Model):
    results: int = Field(ge=0)
    limit: int = Field(ge=0)
    offset: int = Field(ge=0)


class DomainSearchResponse(_Model):
    data: DomainSearchData
    meta: DomainSearchMeta


class HunterClient(ProviderClient):
    """Finds email addresses of people at companies."""

    name = "hunter"

    @staticmethod
    def describe_error(response: httpx.Response) -> str:
        """Hunter's `errors[]`, each as 'id: details'."""
        return "; ".join(f"{e['id']}: {e['details']}" for e in response.json()["errors"])

    @staticmethod
    def classify_error(response: httpx.Response) -> ErrorKind | None:
        """Hunter documents 403 as "You have reached the rate limit" and 429 as "You have reached your
        usage limit" (the plan's monthly credits): the reverse of what the status codes suggest."""
        return {403: ErrorKind.RATE_LIMITED, 429: ErrorKind.QUOTA_EXHAUSTED}.get(response.status_code)

    async def email_finder(
        self,
        domain: str,
        first_name: str,
        last_name: str,
        *,
        campaign_id: str | None = None,
        priority: Priority = Priority.NORMAL,
    ) -> EmailFinderData:
        """The most likely address of `first_name last_name` at `domain` (data.email None if not found)."""
        params = {
            "domain": self._domain("email_finder", domain),
            "first_name": self._require_text("email_finder", "first_name", first_name),
            "last_name": self._require_text("email_finder", "last_name", last_name),
            "api_key": self.settings.credential("api_key"),
        }
        cost = self.settings.cost("email_finder")
        call = self._call(
            "email_finder", "GET", EMAIL_FINDER_PATH, params=params, campaign_id=campaign_id, priority=priority
        )
        result = await self.client.execute(
            call,
            lambda r: parse_model(EmailFinderResponse, r, self.name, "email_finder"),
            lambda found: cost if found.data.email else Decimal(0),
        )
        return result.value.data

    async def domain_search(
        self,
        domain: str,
        *,
        limit: int = 10,
        offset: int = 0,
        email_type: Literal["personal", "generic"] | None = None,
        campaign_id: str | None = None,
        priority: Priority = Priority.NORMAL,
    ) -> DomainSearchResponse:
        """Addresses Hunter knows at `domain`, `limit` at a time from `offset`."""
        if not 1 <= limit <= 100 or offset < 0:
            raise InvalidInput(
                f"hunter domain_search: limit must be 1-100 and offset >= 0, got limit={limit}, offset={offset}"
            )
        params: dict[str, str | int] = {
            "domain": self._domain("domain_search", domain),
            "limit": limit,
            "offset": offset,
            "api_key": self.settings.credential("api_key"),
        }
        if email_type is not None:
            params["type"] = email_type
        cost = self.settings.cost("domain_search")
        call = self._call(
            "domain_search", "GET", DOMAIN_SEARCH_PATH, params=params, campaign_id=campaign_id, priority=priority
        )
        result = await self.client.execute(
            call,
            lambda r: parse_model(DomainSearchResponse, r, self.name, "domain_search"),
            lambda found: cost if found.data.emails else Decimal(0),
        )
        return result.value

    def _domain(self, operation: str, domain: str) -> str:
        domain = self._require_text(operation, "domain", domain).lower()
        if "." not in domain or "/" in domain or " " in domain:
            raise InvalidInput(f"hunter {operation}: domain must be a bare domain such as example.com, got {domain!r}")
        return domain
