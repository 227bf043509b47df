"""respx factory for Hunter v2: Email Finder, Domain Search, and Hunter's `errors[]` body."""

from __future__ import annotations

from typing import Any

import respx

from testing.mocks.provider_mock import ProviderMock


class HunterMock(ProviderMock):
    name = "hunter"
    base_url = "https://api.hunter.io"
    EMAIL_FINDER = "/v2/email-finder"
    DOMAIN_SEARCH = "/v2/domain-search"
    operations = {"email_finder": ("GET", EMAIL_FINDER), "domain_search": ("GET", DOMAIN_SEARCH)}

    def _source(self, domain: str) -> dict[str, Any]:
        fake = self.fake
        return {
            "domain": domain,
            "uri": f"http://{domain}/{fake.uri_path()}",
            "extracted_on": fake.date(),
            "last_seen_on": fake.date(),
            "still_on_page": fake.pybool(),
        }

    def email_finder_body(self, domain: str = "example.com", *, found: bool = True, **overrides: Any) -> dict[str, Any]:
        """An email-finder response; with found=False, email and score are null (no credit charged)."""
        fake = self.fake
        first, last = fake.first_name(), fake.last_name()
        data = {
            "first_name": first,
            "last_name": last,
            "email": f"{first.lower()}.{last.lower()}@{domain}" if found else None,
            "score": fake.random_int(40, 99) if found else None,
            "domain": domain,
            "accept_all": False,
            "position": fake.job(),
            "twitter": None,
            "linkedin_url": None,
            "phone_number": None,
            "company": fake.company(),
            "sources": [self._source(domain)] if found else [],
            "verification": {"date": fake.date(), "status": "valid"} if found else {"date": None, "status": None},
        }
        data.update(overrides)
        return {"data": data, "meta": {"params": {"first_name": first, "last_name": last, "domain": domain}}}

    def domain_search_body(
        self, domain: str = "example.com", count: int = 3, *, limit: int = 10, offset: int = 0
    ) -> dict[str, Any]:
        """A domain-search response with `count` addresses."""
        fake = self.fake
        emails = []
        for _ in range(count):
            first, last = fake.first_name(), fake.last_name()
            emails.append(
                {
                    "value": f"{first[0].lower()}{last.lower()}@{domain}",
                    "type": fake.random_element(["personal", "generic"]),
                    "confidence": fake.random_int(30, 99),
                    "sources": [self._source(domain)],
                    "first_name": first,
                    "last_name": last,
                    "position": fake.job(),
                    "seniority": fake.random_element(["junior", "senior", "executive", None]),
                    "department": fake.random_element(["executive", "sales", "it", None]),
                    "linkedin": None,
                    "twitter": None,
                    "phone_number": None,
                    "verification": {"date": fake.date(), "status": "valid"},
                }
            )
        data = {
            "domain": domain,
            "disposable": False,
            "webmail": False,
            "accept_all": fake.pybool(),
            "pattern": "{first}.{last}",
            "organization": fake.company(),
            "description": fake.catch_phrase(),
            "emails": emails,
            "linked_domains": [],
        }
        return {
            "data": data,
            "meta": {"results": count + offset, "limit": limit, "offset": offset, "params": {"domain": domain}},
        }

    def email_finder(self, domain: str = "example.com", *, found: bool = True, **overrides: Any) -> respx.Route:
        return self.respond("GET", self.EMAIL_FINDER, self.email_finder_body(domain, found=found, **overrides))

    def domain_search(self, domain: str = "example.com", count: int = 3) -> respx.Route:
        return self.respond("GET", self.DOMAIN_SEARCH, self.domain_search_body(domain, count))

    def error_body(self, status: int) -> Any:
        """Hunter's `errors[]`; 403 is its rate limit and 429 its spent monthly usage, as it documents."""
        kinds = {
            400: ("wrong_params", "You are missing the domain parameter"),
            401: ("authentication_failed", "No user found for the API key supplied"),
            403: ("too_many_requests", "You have reached the rate limit"),
            404: ("not_found", "The requested resource was not found"),
            429: ("too_many_requests", "You have reached your usage limit. Upgrade your plan if necessary."),
        }
        error_id, details = kinds.get(status, ("unknown_error", "Something went wrong on our side"))
        return {"errors": [{"id": error_id, "code": status, "details": details}]}

    def rate_limited(self, method: str, path: str, retry_after: float = 1) -> respx.Route:
        """Hunter's rate limit is a 403 (its 429 means the monthly usage is spent)."""
        return self.error(method, path, 403, headers={"Retry-After": f"{retry_after:g}"})

    def usage_limit_reached(self, method: str, path: str) -> respx.Route:
        """429: the plan's monthly searches are spent."""
        return self.error(method, path, 429)
