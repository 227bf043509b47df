"""respx factory for the Data Axle Places Match API."""

from __future__ import annotations

from typing import Any

import respx

from testing.mocks.provider_mock import ProviderMock


class DataAxleMock(ProviderMock):
    name = "data_axle"
    base_url = "https://api.data-axle.com"
    MATCH = "/v1/places/match"
    operations = {"business_match": ("POST", MATCH)}

    def place_attributes(self, **overrides: Any) -> dict[str, Any]:
        """A place's attributes, as Data Axle appends them to a match (the fields LeadFactory reads)."""
        fake = self.fake
        body = {
            "name": fake.company(),
            "street": fake.street_address(),
            "city": fake.city(),
            "state": fake.state_abbr(),
            "postal_code": fake.zipcode(),
            "phone": fake.numerify("##########"),
            "website": f"www.{fake.domain_name()}",
            "employee_count": fake.random_int(1, 500),
            "sales_volume": fake.random_int(50, 90000) * 1000,
            "primary_sic_code_id": fake.numerify("########"),
            "location_type": fake.random_element(["single_location", "headquarters", "branch"]),
            "latitude": float(fake.latitude()),
            "longitude": float(fake.longitude()),
        }
        body.update(overrides)
        return body

    def place_document(self, **overrides: Any) -> dict[str, Any]:
        """A match document: infogroup_id, the rules that matched, the score, and the nested attributes
        (`overrides` replace attributes)."""
        fake = self.fake
        return {
            "infogroup_id": fake.numerify("#########"),
            "rules": fake.random_element([["name", "address"], ["name", "phone"], ["address"]]),
            "score": round(fake.pyfloat(min_value=0.85, max_value=1), 2),
            "attributes": self.place_attributes(**overrides),
        }

    def match_body(self, *, matched: bool = True, **overrides: Any) -> dict[str, Any]:
        return {"document": self.place_document(**overrides) if matched else None}

    def business_match(self, *, matched: bool = True, **overrides: Any) -> respx.Route:
        return self.respond("POST", self.MATCH, self.match_body(matched=matched, **overrides))

    def error_body(self, status: int) -> Any:
        messages = {
            401: "Invalid or missing X-AuthToken",
            400: "identifiers must include name",
            429: "Rate limit exceeded",
        }
        return {"message": messages.get(status, "Internal server error")}
