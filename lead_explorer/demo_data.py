"""A reproducible demo data set: plausible leads from a seeded Faker, loaded through the repository (audited)."""

from __future__ import annotations

from dataclasses import dataclass

from faker import Faker

from lead_explorer.errors import DuplicateLeadError
from lead_explorer.repository import LeadRepository

DEMO_ACTOR = "demo-loader"
DEMO_SOURCES = ("web-form", "trade-show", "referral", "csv-import", "partner")


@dataclass(frozen=True)
class DemoLead:
    """One generated lead."""

    email: str
    domain: str
    company: str
    contact_name: str
    source: str
    is_manual: bool


def demo_leads(count: int = 25, *, seed: int = 2024) -> list[DemoLead]:
    """`count` leads, the same for the same seed, each with its own company domain."""
    if count < 0:
        raise ValueError(f"demo lead count must not be negative, got {count}")
    fake = Faker("en_US")
    fake.seed_instance(seed)
    leads: list[DemoLead] = []
    domains: set[str] = set()
    while len(leads) < count:
        domain = fake.domain_name()
        if domain in domains:
            continue
        domains.add(domain)
        first, last = fake.first_name(), fake.last_name()
        leads.append(
            DemoLead(
                email=f"{first}.{last}@{domain}".lower(),
                domain=domain,
                company=fake.company(),
                contact_name=f"{first} {last}",
                source=fake.random_element(DEMO_SOURCES),
                is_manual=fake.boolean(chance_of_getting_true=20),
            )
        )
    return leads


def load_demo_leads(repository: LeadRepository, count: int = 25, *, seed: int = 2024) -> int:
    """Stores the demo leads that are not there yet (so loading twice is harmless); returns how many were new."""
    created = 0
    for lead in demo_leads(count, seed=seed):
        try:
            repository.create_lead(
                actor=DEMO_ACTOR,
                email=lead.email,
                domain=lead.domain,
                company=lead.company,
                contact_name=lead.contact_name,
                source=lead.source,
                is_manual=lead.is_manual,
            )
        except DuplicateLeadError:
            continue
        created += 1
    return created
