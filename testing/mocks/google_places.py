"""respx factory for the Google Places API (legacy web service): Find Place and Place Details."""

from __future__ import annotations

import json
from typing import Any

import httpx
import respx

from testing.mock_usage import CLIENT_ERROR, RATE_LIMITED, SERVER_ERROR
from testing.mocks.provider_mock import ProviderMock

# Google answers most problems with HTTP 200 and one of these statuses.
ERROR_STATUSES = ("REQUEST_DENIED", "NOT_FOUND", "OVER_QUERY_LIMIT", "INVALID_REQUEST", "UNKNOWN_ERROR")
_STATUS_OUTCOMES = {"OVER_QUERY_LIMIT": RATE_LIMITED, "UNKNOWN_ERROR": SERVER_ERROR}


class GooglePlacesMock(ProviderMock):
    name = "google_places"
    base_url = "https://maps.googleapis.com"
    FIND_PLACE = "/maps/api/place/findplacefromtext/json"
    DETAILS = "/maps/api/place/details/json"
    operations = {"find_place": ("GET", FIND_PLACE), "place_details": ("GET", DETAILS)}

    def candidate(self, **overrides: Any) -> dict[str, Any]:
        """One Find Place candidate with every basic field."""
        fake = self.fake
        body = {
            "place_id": "ChIJ"
            + fake.lexify("?" * 23, letters="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"),
            "name": fake.company(),
            "formatted_address": f"{fake.street_address()}, {fake.city()}, {fake.state_abbr()} {fake.zipcode()}, USA",
            "geometry": {"location": {"lat": float(fake.latitude()), "lng": float(fake.longitude())}},
            "business_status": fake.random_element(["OPERATIONAL", "OPERATIONAL", "CLOSED_TEMPORARILY"]),
            "rating": round(fake.pyfloat(min_value=1, max_value=5), 1),
            "user_ratings_total": fake.random_int(0, 2500),
            "types": ["point_of_interest", "establishment"],
        }
        body.update(overrides)
        return body

    def find_place_body(self, count: int = 1) -> dict[str, Any]:
        """A Find Place response with `count` candidates (ZERO_RESULTS when 0)."""
        return {"candidates": [self.candidate() for _ in range(count)], "status": "OK" if count else "ZERO_RESULTS"}

    def details_body(self, **overrides: Any) -> dict[str, Any]:
        """A Place Details response; `overrides` replace fields of `result`."""
        fake = self.fake
        phone = fake.numerify("(###) ###-####")
        result = self.candidate(
            formatted_phone_number=phone,
            international_phone_number="+1 " + phone.replace("(", "").replace(") ", "-"),
            website=f"https://www.{fake.domain_name()}/",
            url=f"https://maps.google.com/?cid={fake.random_number(digits=19)}",
            opening_hours={
                "open_now": fake.pybool(),
                "weekday_text": [f"{day}: 9:00 AM – 5:00 PM" for day in ("Monday", "Tuesday")],
            },
            address_components=[
                {"long_name": fake.city(), "short_name": fake.city(), "types": ["locality", "political"]},
                {"long_name": "United States", "short_name": "US", "types": ["country", "political"]},
            ],
        )
        result.update(overrides)
        return {"html_attributions": [], "result": result, "status": "OK"}

    def find_place(self, count: int = 1) -> respx.Route:
        return self.respond("GET", self.FIND_PLACE, self.find_place_body(count))

    def place_details(self, **overrides: Any) -> respx.Route:
        return self.respond("GET", self.DETAILS, self.details_body(**overrides))

    def status_body(self, status: str, *, details: bool = False) -> dict[str, Any]:
        """A Find Place (or, with details=True, Place Details) body carrying an error `status`."""
        body: dict[str, Any] = {"html_attributions": []} if details else {"candidates": []}
        body.update(error_message=f"{status.replace('_', ' ').capitalize()} (mocked)", status=status)
        return body

    def status_error(self, path: str, status: str) -> respx.Route:
        """HTTP 200 carrying an error `status` (one of ERROR_STATUSES) and Google's error_message."""
        return self.respond("GET", path, self.status_body(status, details=path == self.DETAILS))

    def error_body(self, status: int) -> Any:
        return {
            "error_message": f"HTTP {status} from Google (mocked)",
            "status": "REQUEST_DENIED" if status in (401, 403) else "UNKNOWN_ERROR",
        }

    def classify(self, response: httpx.Response) -> str:
        """An HTTP 200 carrying an error status counts as that error (mock-usage report)."""
        if response.status_code == 200 and response.headers.get("Content-Type", "").startswith("application/json"):
            body = json.loads(response.read())
            status = body.get("status") if isinstance(body, dict) else None
            if status in ERROR_STATUSES:
                return _STATUS_OUTCOMES.get(status, CLIENT_ERROR)
        return super().classify(response)
