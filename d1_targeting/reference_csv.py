"""Strict reader for the CSV reference data the module ships: every bad cell names file, line and column."""

from __future__ import annotations

import csv
import math
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources

from d1_targeting.errors import ReferenceDataError
from d1_targeting.us_states import ALL_CODES


@dataclass(frozen=True)
class ReferenceRow:
    """One data row of a reference CSV, with typed accessors that raise ReferenceDataError at this cell."""

    path: str
    line: int
    cells: dict[str, str]

    def fail(self, column: str, reason: str) -> ReferenceDataError:
        """The error for a bad value in `column` of this row."""
        return ReferenceDataError(self.path, self.line, column, reason)

    def text(self, column: str) -> str:
        """The stripped, non-empty text in `column`."""
        value = self.cells[column]
        if not value:
            raise self.fail(column, "is empty")
        return value

    def number(self, column: str, low: float, high: float) -> float:
        """The finite number in `column`, which must lie in [low, high]."""
        value = self.text(column)
        try:
            number = float(value)
        except ValueError:
            raise self.fail(column, f"expected a number, got {value!r}") from None
        if not math.isfinite(number) or not low <= number <= high:
            raise self.fail(column, f"{value} is outside [{low:g}, {high:g}]")
        return number

    def choice(self, column: str, choices: Collection[str]) -> str:
        """The value in `column`, which must be one of `choices`."""
        value = self.text(column)
        if value not in choices:
            raise self.fail(column, f"expected one of {', '.join(sorted(choices))}, got {value!r}")
        return value

    def state(self, column: str = "state") -> str:
        """The USPS state or territory code in `column`."""
        value = self.text(column)
        if value not in ALL_CODES:
            raise self.fail(column, f"unknown USPS state code {value!r}")
        return value


def read_reference_rows(text: str, path: str, columns: Sequence[str]) -> Iterator[ReferenceRow]:
    """Yields the rows of a CSV whose header must be exactly `columns`; blank lines are skipped."""
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if header is None or [name.strip() for name in header] != list(columns):
        got = "an empty file" if header is None else repr(",".join(header))
        raise ReferenceDataError(path, 1, "header", f"expected {','.join(columns)!r}, got {got}")
    for record in reader:
        if not any(cell.strip() for cell in record):
            continue
        line = reader.line_num
        if len(record) < len(columns):
            raise ReferenceDataError(
                path, line, columns[len(record)], f"missing: the row has {len(record)} of {len(columns)} columns"
            )
        if len(record) > len(columns):
            raise ReferenceDataError(
                path, line, "(extra)", f"the row has {len(record)} columns, expected {len(columns)}"
            )
        yield ReferenceRow(path, line, {name: cell.strip() for name, cell in zip(columns, record, strict=True)})


def read_packaged_text(relative_path: str) -> str:
    """The text of a data file shipped inside the d1_targeting package."""
    return resources.files("d1_targeting").joinpath(relative_path).read_text(encoding="utf-8")
