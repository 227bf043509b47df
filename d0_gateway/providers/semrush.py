"""SEMrush Analytics API: domain overview (`type=domain_ranks`), answered as semicolon-separated text.

SEMrush reports errors as HTTP 200 with a body like "ERROR 50 :: NOTHING FOUND"; they map to typed errors.
Docs: https://developer.semrush.com/api/v3/analytics/domain-reports/#domain-overview-all-databases
"""

from __future__ import annotations

import re

import httpx
from pydantic import BaseModel, ConfigDict, Field

from d0_gateway.errors import InvalidInput, NotFound, ProviderResponseError
from d0_gateway.policies.budget import Priority
from d0_gateway.providers.base import ProviderClient
from d0_gateway.responses import ErrorKind, build_error, validate_model

DOMAIN_OVERVIEW_PATH = "/"
EXPORT_COLUMNS = ("Db", "Dn", "Rk", "Or", "Ot", "Oc", "Ad", "At", "Ac")
# Header names SEMrush sends for EXPORT_COLUMNS, in order.
COLUMN_TITLES = (
    "Database",
    "Domain",
    "Rank",
    "Organic Keywords",
    "Organic Traffic",
    "Organic Cost",
    "Adwords Keywords",
    "Adwords Traffic",
    "Adwords Cost",
)
_ERROR = re.compile(r"^ERROR (\d+) :: (.*)$")
NOT_FOUND_CODES = frozenset({50})
# Wrong key-ID pair, wrong hash or key format, API disabled or blocked for the account.
AUTH_CODES = frozenset({70, 120, 121, 122, 130, 131, 133, 134, 135})
# "API UNITS BALANCE IS ZERO": the account's units are spent (developer.semrush.com/api/basics/api-units-balance).
QUOTA_CODES = frozenset({132})


class DomainOverview(BaseModel):
    """One row of domain_ranks: the domain's rank and organic/paid search footprint in one database."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    database: str = Field(alias="Database", min_length=2)
    domain: str = Field(alias="Domain", min_length=1)
    rank: int = Field(alias="Rank", ge=0)
    organic_keywords: int = Field(alias="Organic Keywords", ge=0)
    organic_traffic: int = Field(alias="Organic Traffic", ge=0)
    organic_cost: float = Field(alias="Organic Cost", ge=0)
    adwords_keywords: int = Field(alias="Adwords Keywords", ge=0)
    adwords_traffic: int = Field(alias="Adwords Traffic", ge=0)
    adwords_cost: float = Field(alias="Adwords Cost", ge=0)


def semrush_error_kind(code: int) -> ErrorKind:
    """What SEMrush's numbered ERROR means: no data, bad key, units spent, or a bad request."""
    if code in NOT_FOUND_CODES:
        return ErrorKind.NOT_FOUND
    if code in QUOTA_CODES:
        return ErrorKind.QUOTA_EXHAUSTED
    if code in AUTH_CODES:
        return ErrorKind.AUTHENTICATION
    return ErrorKind.INVALID_REQUEST


def parse_semicolon_table(text: str, endpoint: str) -> list[dict[str, str]]:
    """Rows of SEMrush's `Header;Header\\r\\nvalue;value` text, or a typed error for an ERROR body."""
    text = text.strip()
    error = _ERROR.match(text)
    if error:
        code, message = int(error.group(1)), error.group(2).strip()
        raise build_error(semrush_error_kind(code), "semrush", endpoint, f"{message} (ERROR {code})")
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        raise ProviderResponseError(
            "semrush", endpoint, "body", f"expected a header line and a data line, got {text[:60]!r}"
        )
    header = lines[0].split(";")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        values = line.split(";")
        if len(values) != len(header):
            raise ProviderResponseError(
                "semrush", endpoint, f"line {number}", f"has {len(values)} columns, the header has {len(header)}"
            )
        rows.append(dict(zip(header, values, strict=True)))
    return rows


class SemrushClient(ProviderClient):
    """Domain-level SEO metrics; each call spends API units."""

    name = "semrush"

    @staticmethod
    def describe_error(response: httpx.Response) -> str:
        return response.text.strip()

    @staticmethod
    def classify_error(response: httpx.Response) -> ErrorKind | None:
        """An "ERROR <code> :: <MESSAGE>" body sent with an HTTP error status means what its code says
        (a plain bad request leaves the status to decide, so a 5xx stays retryable)."""
        error = _ERROR.match(response.text.strip())
        kind = semrush_error_kind(int(error.group(1))) if error else None
        return None if kind is ErrorKind.INVALID_REQUEST else kind

    async def domain_overview(
        self, domain: str, *, database: str = "us", campaign_id: str | None = None, priority: Priority = Priority.NORMAL
    ) -> DomainOverview:
        """The domain's overview in regional `database` (e.g. "us", "uk"); NotFound when SEMrush has no data."""
        domain = self._require_text("domain_overview", "domain", domain).lower()
        if not re.fullmatch(r"[a-z]{2}(-[a-z]+)?", database):
            raise InvalidInput(
                f"semrush domain_overview: database must be a region code such as 'us', got {database!r}"
            )
        params = {
            "type": "domain_ranks",
            "key": self.settings.credential("api_key"),
            "export_columns": ",".join(EXPORT_COLUMNS),
            "domain": domain,
            "database": database,
        }
        call = self._call(
            "domain_overview", "GET", DOMAIN_OVERVIEW_PATH, params=params, campaign_id=campaign_id, priority=priority
        )
        result = await self.client.execute(call, lambda r: self._parse(r, database))
        return result.value

    def _parse(self, response: httpx.Response, database: str) -> DomainOverview:
        """The requested database's row (domain_ranks answers one line per database)."""
        rows = parse_semicolon_table(response.text, "domain_overview")
        row = next((r for r in rows if r.get("Database") == database), None)
        if row is None:
            listed = ", ".join(r.get("Database", "?") for r in rows)
            raise NotFound(self.name, "domain_overview", f"no line for database {database!r} (got {listed})")
        return validate_model(DomainOverview, row, self.name, "domain_overview", status=response.status_code)
