"""Data Axle Platform: match a business from identifiers (name, address, phone) to its Data Axle record.

A lookup with no side effects, so it is cached and retried like a read although it is a POST.
Docs: https://platform.data-axle.com/places/docs/match_api
"""

from __future__ import annotations

from decimal import Decimal

import httpx
from pydantic import BaseModel, ConfigDict, Field

from d0_gateway.errors import InvalidInput
from d0_gateway.policies.budget import Priority
from d0_gateway.providers.base import ProviderClient
from d0_gateway.responses import parse_model

MATCH_PATH = "/v1/places/match"
IDENTIFIER_FIELDS = ("name", "street", "city", "state", "postal_code", "phone", "website")


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class BusinessIdentifiers(_Model):
    """What we know about the business; a name plus an address line, a postal code or a phone."""

    name: str = Field(min_length=1)
    street: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    phone: str | None = None
    website: str | None = None


class PlaceAttributes(_Model):
    """The matched place's appended attributes; Data Axle returns only the `fields` asked for (all by
    default), so each may be absent."""

    name: str | None = None
    street: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    phone: str | None = None
    website: str | None = None
    employee_count: int | None = Field(default=None, ge=0)
    sales_volume: int | None = Field(default=None, ge=0)
    primary_sic_code_id: str | None = None
    location_type: str | None = None


class PlaceRecord(_Model):
    """A match: the persistent `infogroup_id`, the rules that matched, the score, and the attributes
    (nested under `attributes`, as Data Axle's Match API documents)."""

    infogroup_id: str = Field(min_length=1)
    rules: list[str] = []
    score: float | None = Field(default=None, ge=0)  # 0.90 in v1's example, "0.93" (a string) in v2's
    attributes: PlaceAttributes


class BusinessMatch(_Model):
    """The matched record, or None when Data Axle has no confident match."""

    document: PlaceRecord | None = None


class DataAxleClient(ProviderClient):
    """Enriches a business from Data Axle's places database; only matches are billed."""

    name = "data_axle"

    @staticmethod
    def describe_error(response: httpx.Response) -> str:
        """Data Axle's `message` (or `error`)."""
        body = response.json()
        return body.get("message") or body["error"]

    async def business_match(
        self, identifiers: BusinessIdentifiers, *, campaign_id: str | None = None, priority: Priority = Priority.NORMAL
    ) -> BusinessMatch:
        """The Data Axle record best matching `identifiers`."""
        if not (identifiers.street or identifiers.postal_code or identifiers.phone):
            raise InvalidInput("data_axle business_match: give a street, postal_code or phone besides the name")
        cost = self.settings.cost("business_match")
        call = self._call(
            "business_match",
            "POST",
            MATCH_PATH,
            json={"identifiers": identifiers.model_dump(exclude_none=True)},
            headers={"X-AuthToken": self.settings.credential("api_key")},
            idempotent=True,
            campaign_id=campaign_id,
            priority=priority,
        )
        result = await self.client.execute(
            call,
            lambda r: parse_model(BusinessMatch, r, self.name, "business_match"),
            lambda match: cost if match.document is not None else Decimal(0),
        )
        return result.value
