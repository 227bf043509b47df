"""Google Places API (legacy web service): Find Place from text, and Place Details.

Google answers most problems with HTTP 200 and a `status` field; those statuses map to typed errors here.
Docs: https://developers.google.com/maps/documentation/places/web-service/search-find-place
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field

from d0_gateway.errors import ProviderResponseError
from d0_gateway.policies.budget import Priority
from d0_gateway.providers.base import ProviderClient
from d0_gateway.providers.google_api_errors import google_api_error_kind
from d0_gateway.responses import ErrorKind, M, build_error, json_body, validate_model

FIND_PLACE_PATH = "/maps/api/place/findplacefromtext/json"
DETAILS_PATH = "/maps/api/place/details/json"
FIND_PLACE_FIELDS = (
    "place_id",
    "name",
    "formatted_address",
    "geometry",
    "business_status",
    "rating",
    "user_ratings_total",
    "types",
)
DETAILS_FIELDS = FIND_PLACE_FIELDS + (
    "formatted_phone_number",
    "international_phone_number",
    "website",
    "url",
    "opening_hours",
    "address_components",
)

BusinessStatus = Literal["OPERATIONAL", "CLOSED_TEMPORARILY", "CLOSED_PERMANENTLY"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class LatLng(_Model):
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)


class Geometry(_Model):
    location: LatLng


class PlaceCandidate(_Model):
    """One Find Place candidate; every field is optional, since Google returns only those the request's
    `fields` list names (its own documentation example asks for no place_id)."""

    place_id: str | None = Field(default=None, min_length=1)
    name: str | None = None
    formatted_address: str | None = None
    geometry: Geometry | None = None
    business_status: BusinessStatus | None = None
    rating: float | None = Field(default=None, ge=0, le=5)
    user_ratings_total: int | None = Field(default=None, ge=0)
    types: list[str] = []


class FindPlaceResponse(_Model):
    candidates: list[PlaceCandidate]
    status: Literal["OK", "ZERO_RESULTS"]


class AddressComponent(_Model):
    long_name: str
    short_name: str
    types: list[str]


class OpeningHours(_Model):
    open_now: bool | None = None
    weekday_text: list[str] = []


class PlaceDetails(PlaceCandidate):
    formatted_phone_number: str | None = None
    international_phone_number: str | None = None
    website: str | None = None
    url: str | None = None
    opening_hours: OpeningHours | None = None
    address_components: list[AddressComponent] = []


class PlaceDetailsResponse(_Model):
    result: PlaceDetails
    status: Literal["OK"]
    html_attributions: list[str] = []


# The `status` values Google documents for errors sent with HTTP 200, and what each means here.
_STATUS_KINDS = {
    "REQUEST_DENIED": ErrorKind.AUTHENTICATION,
    "NOT_FOUND": ErrorKind.NOT_FOUND,
    "INVALID_REQUEST": ErrorKind.INVALID_REQUEST,
    "OVER_QUERY_LIMIT": ErrorKind.RATE_LIMITED,
    "OVER_DAILY_LIMIT": ErrorKind.QUOTA_EXHAUSTED,
    "UNKNOWN_ERROR": ErrorKind.UNAVAILABLE,
}
# OVER_QUERY_LIMIT covers both "too many per second" and "quota, credit or billing used up": the
# error_message tells them apart.
_QUOTA_WORDS = ("quota", "billing", "credit")


def raise_for_places_status(body: object, endpoint: str, status_code: int) -> None:
    """Maps the `status` Google sends with HTTP 200 to a typed error (OK and ZERO_RESULTS pass)."""
    if not isinstance(body, dict):
        raise ProviderResponseError(
            "google_places", endpoint, "body", f"expected a JSON object, got {type(body).__name__}"
        )
    status = body.get("status")
    if status in ("OK", "ZERO_RESULTS"):
        return
    if status not in _STATUS_KINDS:
        raise ProviderResponseError(
            "google_places", endpoint, "status", f"unknown status {status!r}", status=status_code
        )
    message = body.get("error_message") or ""
    kind = _STATUS_KINDS[status]
    if kind is ErrorKind.RATE_LIMITED and any(word in message.lower() for word in _QUOTA_WORDS):
        kind = ErrorKind.QUOTA_EXHAUSTED
    said = f"{message} ({status})" if message else f"status {status}"
    raise build_error(kind, "google_places", endpoint, said, status=status_code)


class GooglePlacesClient(ProviderClient):
    """Finds businesses by text and fetches their details. Each call is billed per request."""

    name = "google_places"

    @staticmethod
    def describe_error(response: httpx.Response) -> str:
        """Google's message from an error body (`error_message`, or the Google API `error.message`)."""
        body = response.json()
        return body.get("error_message") or body["error"]["message"]

    @staticmethod
    def classify_error(response: httpx.Response) -> ErrorKind | None:
        """A Google API error body (`error.status`, `error.errors[].reason`) says quota or rate limit."""
        return google_api_error_kind(response.json())

    async def find_place(
        self,
        query: str,
        *,
        fields: Sequence[str] = FIND_PLACE_FIELDS,
        location_bias: str | None = None,
        campaign_id: str | None = None,
        priority: Priority = Priority.NORMAL,
    ) -> FindPlaceResponse:
        """Candidates matching `query` (a name, address or phone number); empty when nothing matches."""
        query = self._require_text("find_place", "query", query)
        params = {"input": query, "inputtype": "textquery", "fields": ",".join(fields), "key": self._key()}
        if location_bias:
            params["locationbias"] = location_bias
        call = self._call(
            "find_place", "GET", FIND_PLACE_PATH, params=params, campaign_id=campaign_id, priority=priority
        )
        result = await self.client.execute(call, lambda r: self._parse(r, FindPlaceResponse, "find_place"))
        return result.value

    async def place_details(
        self,
        place_id: str,
        *,
        fields: Sequence[str] = DETAILS_FIELDS,
        campaign_id: str | None = None,
        priority: Priority = Priority.NORMAL,
    ) -> PlaceDetails:
        """The details of one place; NotFound when Google no longer knows the place id."""
        place_id = self._require_text("place_details", "place_id", place_id)
        params = {"place_id": place_id, "fields": ",".join(fields), "key": self._key()}
        call = self._call(
            "place_details", "GET", DETAILS_PATH, params=params, campaign_id=campaign_id, priority=priority
        )
        result = await self.client.execute(call, lambda r: self._parse(r, PlaceDetailsResponse, "place_details"))
        return result.value.result

    def _key(self) -> str:
        return self.settings.credential("api_key")

    @staticmethod
    def _parse(response: httpx.Response, model: type[M], endpoint: str) -> M:
        body = json_body(response, "google_places", endpoint)
        raise_for_places_status(body, endpoint, response.status_code)
        return validate_model(model, body, "google_places", endpoint, status=response.status_code)
