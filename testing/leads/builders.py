"""Builders for lead test data: valid API payloads from a seeded Faker, and predictable UUID ids."""

from __future__ import annotations

import uuid
from functools import lru_cache
from typing import Any

from faker import Faker

from testing.faker_data import seeded_faker, stable_seed

LEAD_SOURCES = ("web-form", "trade-show", "referral", "csv-import")


def lead_payload(fake: Faker, **overrides: Any) -> dict[str, Any]:
    """A valid lead body (email, domain, company, contact_name, source) whose email is at its domain."""
    first, last = fake.first_name(), fake.last_name()
    domain = fake.unique.domain_name()
    payload: dict[str, Any] = {
        "email": f"{first}.{last}@{domain}".lower(),
        "domain": domain,
        "company": fake.company(),
        "contact_name": f"{first} {last}",
        "source": fake.random_element(LEAD_SOURCES),
    }
    payload.update(overrides)
    return payload


def lead_payloads(count: int, seed: int | str = 0) -> list[dict[str, Any]]:
    """`count` valid lead bodies with distinct emails and domains, the same for the same seed."""
    fake = _reusable_faker()
    fake.seed_instance(stable_seed(seed))
    fake.unique.clear()
    return [lead_payload(fake) for _ in range(count)]


@lru_cache(maxsize=1)
def _reusable_faker() -> Faker:
    # Building a Faker costs ~100 ms; property tests call lead_payloads per example, so one is reseeded.
    return seeded_faker(0)


class SequentialIds:
    """An id factory yielding valid, predictable UUID strings: ...-000000000001, ...-000000000002, ..."""

    def __init__(self, start: int = 1) -> None:
        if start < 0:
            raise ValueError(f"SequentialIds start must not be negative, got {start}")
        self._next = start
        self.issued: list[str] = []

    def __call__(self) -> str:
        value = str(uuid.UUID(f"00000000-0000-4000-8000-{self._next:012d}"))
        self._next += 1
        self.issued.append(value)
        return value
