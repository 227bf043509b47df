"""respx factory for the SEMrush Analytics API domain overview (semicolon-separated text, ERROR lines)."""

from __future__ import annotations

from typing import Any

import httpx
import respx

from testing.mock_usage import CLIENT_ERROR
from testing.mocks.provider_mock import ProviderMock

HEADER = (
    "Database;Domain;Rank;Organic Keywords;Organic Traffic;Organic Cost;Adwords Keywords;Adwords Traffic;Adwords Cost"
)


class SemrushMock(ProviderMock):
    name = "semrush"
    base_url = "https://api.semrush.com"
    OVERVIEW = "/"
    operations = {"domain_overview": ("GET", OVERVIEW)}

    def overview_values(self, domain: str = "example.com", database: str = "us", **overrides: Any) -> dict[str, Any]:
        """The domain_ranks row as header → value."""
        fake = self.fake
        values: dict[str, Any] = {
            "Database": database,
            "Domain": domain,
            "Rank": fake.random_int(1, 9_000_000),
            "Organic Keywords": fake.random_int(0, 50000),
            "Organic Traffic": fake.random_int(0, 500000),
            "Organic Cost": fake.random_int(0, 900000),
            "Adwords Keywords": fake.random_int(0, 500),
            "Adwords Traffic": fake.random_int(0, 5000),
            "Adwords Cost": fake.random_int(0, 20000),
        }
        values.update(overrides)
        return values

    @staticmethod
    def overview_text(values: dict[str, Any]) -> str:
        return HEADER + "\r\n" + ";".join(str(values[column]) for column in HEADER.split(";")) + "\r\n"

    def text(self, body: str, status: int = 200) -> respx.Route:
        """Any text body, as SEMrush sends its tables and its ERROR lines."""
        return self.route("GET", self.OVERVIEW).mock(
            return_value=httpx.Response(status, text=body, headers={"Content-Type": "text/html; charset=UTF-8"})
        )

    def domain_overview(self, domain: str = "example.com", database: str = "us", **overrides: Any) -> respx.Route:
        return self.text(self.overview_text(self.overview_values(domain, database, **overrides)))

    def api_error(self, code: int, message: str) -> respx.Route:
        """HTTP 200 with SEMrush's "ERROR <code> :: <MESSAGE>" body."""
        return self.text(f"ERROR {code} :: {message}\r\n")

    def error(
        self, method: str, path: str, status: int, json: Any = None, *, headers: dict[str, str] | None = None
    ) -> respx.Route:
        if status < 400:
            raise ValueError(f"error() needs a 4xx/5xx status, got {status}")
        return self.route(method, path).mock(
            return_value=httpx.Response(
                status, text=f"ERROR 30 :: {httpx.codes.get_reason_phrase(status).upper()}", headers=headers
            )
        )

    def classify(self, response: httpx.Response) -> str:
        """An HTTP 200 with an "ERROR <code> :: ..." line counts as a client error (mock-usage report)."""
        if response.status_code == 200 and response.read().startswith(b"ERROR "):
            return CLIENT_ERROR
        return super().classify(response)
