"""Builders of realistic, seeded leads and of lead CSV files (valid or deliberately broken)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from decimal import Decimal

from batch_runner import REQUIRED_COLUMNS, Lead
from testing.faker_data import seeded_faker

GENEROUS_BUDGET = Decimal("100")
"""A budget in USD that no test batch reaches, for tests that are not about budgets."""


def make_leads(count: int, *, seed: int | str = 0, prefix: str = "L") -> list[Lead]:
    """`count` valid leads with unique ids (`L0001`, ...), domains and emails; the same seed gives the same leads."""
    fake = seeded_faker(seed)
    leads = []
    for index in range(1, count + 1):
        company = fake.company()
        slug = "".join(ch for ch in company.lower() if ch.isalnum())[:20] or "business"
        domain = f"{slug}{index}.{fake.random_element(('com', 'net', 'org', 'io'))}"
        leads.append(Lead(f"{prefix}{index:04d}", company, domain, f"{fake.first_name().lower()}@{domain}"))
    return leads


def leads_csv(
    rows: Sequence[Lead | Mapping[str, str]], *, columns: Sequence[str] = REQUIRED_COLUMNS, line_ending: str = "\n"
) -> str:
    """CSV text with a header of `columns` and one line per row (a Lead or a mapping; missing columns left empty)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore", lineterminator=line_ending)
    writer.writeheader()
    for row in rows:
        writer.writerow(row.to_dict() if isinstance(row, Lead) else dict(row))
    return buffer.getvalue()
