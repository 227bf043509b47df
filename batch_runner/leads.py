"""Leads and their validation: every row is checked (columns, email, domain, duplicates) before a batch exists."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from batch_runner import edge
from batch_runner.errors import DuplicateLeadsError, LeadInputError, LeadProblem

REQUIRED_COLUMNS = ("lead_id", "business_name", "domain", "email")

_LEAD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
MAX_LEADS_PER_REQUEST = 1_000
"""Most leads one HTTP request may carry (a CSV has no such limit)."""
MAX_BUSINESS_NAME_LENGTH = 200
MAX_EMAIL_LENGTH = edge.MAX_EMAIL_LENGTH
MAX_FIELD_LENGTHS = {  # longest value of each column, in characters
    "lead_id": 64,
    "business_name": MAX_BUSINESS_NAME_LENGTH,
    "domain": edge.MAX_DOMAIN_INPUT_LENGTH,
    "email": MAX_EMAIL_LENGTH,
}


@dataclass(frozen=True)
class Lead:
    """One business to enrich and assess; `domain` is a bare lowercase hostname, `email` normalized."""

    lead_id: str
    business_name: str
    domain: str
    email: str

    def to_dict(self) -> dict[str, str]:
        """The lead as a JSON-ready mapping (the checkpoint and the HTTP API store it this way)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Lead:
        """Rebuilds a lead stored with `to_dict` (already validated; not re-checked)."""
        return cls(**{column: str(data[column]) for column in REQUIRED_COLUMNS})


def normalize_domain(value: str) -> str:
    """The bare hostname of `value` ('https://WWW.Acme.com/' -> 'acme.com'); raises ValueError if invalid.

    The monorepo's one domain rule (batch_runner.edge.normalize_domain), shared with lead_explorer.
    """
    try:
        return edge.normalize_domain(value)
    except edge.InvalidFieldError as error:
        raise ValueError(f"{value[:100]!r} {error.reason}") from None


def validate_leads(rows: Iterable[Mapping[str, Any]], *, source: str = "<leads>", first_line: int = 1) -> list[Lead]:
    """Validates every row (numbered from `first_line`): the leads, or LeadInputError listing all problems."""
    return _validate_numbered(enumerate(rows, start=first_line), source=source, empty_line=first_line)


def parse_leads_csv(text: str, *, source: str = "<csv>") -> list[Lead]:
    """Parses a CSV of leads (header with at least REQUIRED_COLUMNS); raises LeadInputError with line numbers."""
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    repeated = sorted({column for column in header if header.count(column) > 1 and column in REQUIRED_COLUMNS})
    if repeated:
        raise LeadInputError(
            source,
            [
                LeadProblem(1, column, f"column appears {header.count(column)} times in the header")
                for column in repeated
            ],
        )
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise LeadInputError(
            source,
            [LeadProblem(1, column, f"missing column (header is {','.join(header) or 'empty'})") for column in missing],
        )
    return _validate_numbered(_rows_with_lines(reader), source=source, empty_line=2)


def load_leads_csv(path: str | Path) -> list[Lead]:
    """Reads and validates a CSV file of leads (UTF-8, optional BOM); errors name `path:line`."""
    file_path = Path(path)
    try:
        text = file_path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise LeadInputError(str(file_path), [LeadProblem(0, "file", "file not found")]) from None
    except UnicodeDecodeError as error:
        raise LeadInputError(str(file_path), [LeadProblem(0, "file", f"not UTF-8 text ({error.reason})")]) from None
    return parse_leads_csv(text, source=str(file_path))


def _rows_with_lines(reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Rows paired with the line each ends on (csv counts physical lines; blank lines are skipped)."""
    for row in reader:
        yield reader.line_num, row


def _validate_numbered(rows: Iterable[tuple[int, Mapping[str, Any]]], *, source: str, empty_line: int) -> list[Lead]:
    """Validates (line, row) pairs: each row on its own, then duplicates by lead id and by email."""
    leads: list[Lead] = []
    problems: list[LeadProblem] = []
    duplicates: list[LeadProblem] = []
    seen_ids: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    for line, row in rows:
        row_problems, lead = _validate_row(line, row)
        if lead is None:
            problems.extend(row_problems)
        elif lead.lead_id in seen_ids:
            duplicates.append(
                LeadProblem(
                    line, "lead_id", f"duplicate lead {lead.lead_id!r} (first on line {seen_ids[lead.lead_id]})"
                )
            )
        elif lead.email in seen_emails:
            duplicates.append(
                LeadProblem(
                    line, "email", f"duplicate lead: {lead.email!r} is already on line {seen_emails[lead.email]}"
                )
            )
        else:
            seen_ids[lead.lead_id] = line
            seen_emails[lead.email] = line
            leads.append(lead)
    if problems:
        raise LeadInputError(source, problems + duplicates)
    if duplicates:
        raise DuplicateLeadsError(source, duplicates)
    if not leads:
        raise LeadInputError(source, [LeadProblem(empty_line, "lead_id", "no leads: a batch needs at least one row")])
    return leads


def _validate_row(line: int, row: Mapping[str, Any]) -> tuple[list[LeadProblem], Lead | None]:
    problems: list[LeadProblem] = []
    if None in row:
        problems.append(LeadProblem(line, "row", f"{len(row[None])} more field(s) than the header has columns"))  # type: ignore[index]
    values: dict[str, str] = {}
    for column in REQUIRED_COLUMNS:
        value = row.get(column)
        if not isinstance(value, str) or not value.strip():
            problems.append(LeadProblem(line, column, "missing value"))
            continue
        try:
            cleaned = edge.clean_text(value, max_length=MAX_FIELD_LENGTHS[column])
        except edge.InvalidFieldError as error:
            problems.append(LeadProblem(line, column, error.reason))
            continue
        values[column] = cleaned or ""
    if "lead_id" in values and not _LEAD_ID.match(values["lead_id"]):
        problems.append(
            LeadProblem(
                line,
                "lead_id",
                f"invalid lead id {values['lead_id']!r}: use 1-64 letters, digits, '_', '.', ':' or '-'",
            )
        )
    if "domain" in values:
        try:
            values["domain"] = normalize_domain(values["domain"])
        except ValueError as error:
            problems.append(LeadProblem(line, "domain", f"invalid domain: {error}"))
    if "email" in values:
        try:
            values["email"] = edge.normalize_email(values["email"])
        except edge.InvalidFieldError as error:
            problems.append(LeadProblem(line, "email", f"invalid email {values['email'][:100]!r}: {error.reason}"))
    if problems:
        return problems, None
    return problems, Lead(**values)
