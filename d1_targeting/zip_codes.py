"""US ZIP code format and ZIP-to-state consistency, from the 3-digit prefix table the module ships."""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from types import MappingProxyType

from d1_targeting.errors import GeoValidationError, ReferenceDataError
from d1_targeting.us_states import ALL_CODES, normalize_state

_ZIP_PATTERN = re.compile(r"^(\d{5})(?:-(\d{4}))?$")
ZIP3_DATA = "data/zip3_states.csv"


def normalize_zip(value: str) -> str:
    """Returns the 5-digit ZIP of "12345" or "12345-6789"; raises GeoValidationError otherwise."""
    if not isinstance(value, str):
        raise GeoValidationError(f"ZIP code must be text like '10001' or '10001-1234', got {value!r}")
    match = _ZIP_PATTERN.match(value.strip())
    if not match:
        raise GeoValidationError(f"malformed ZIP code {value!r}: expected 5 digits, optionally -4 digits")
    return match.group(1)


def load_zip3_table(text: str, path: str = ZIP3_DATA) -> Mapping[str, str]:
    """Parses the `zip3,state` CSV; raises ReferenceDataError with file, line and column on bad rows."""
    reader = csv.DictReader(text.splitlines())
    if reader.fieldnames != ["zip3", "state"]:
        raise ReferenceDataError(path, 1, "header", f"expected 'zip3,state', got {reader.fieldnames!r}")
    table: dict[str, str] = {}
    for row in reader:
        line = reader.line_num
        prefix, state = row["zip3"], row["state"]
        if prefix is None or not re.fullmatch(r"\d{3}", prefix):
            raise ReferenceDataError(path, line, "zip3", f"expected 3 digits, got {prefix!r}")
        if state not in ALL_CODES:
            raise ReferenceDataError(path, line, "state", f"unknown USPS state code {state!r}")
        if prefix in table:
            raise ReferenceDataError(path, line, "zip3", f"prefix {prefix} listed twice")
        table[prefix] = state
    return MappingProxyType(table)


@lru_cache(maxsize=1)
def zip3_table() -> Mapping[str, str]:
    """The shipped 3-digit ZIP prefix -> USPS state table (loaded once)."""
    text = resources.files("d1_targeting").joinpath(ZIP3_DATA).read_text(encoding="utf-8")
    return load_zip3_table(text)


def state_for_zip(value: str) -> str:
    """The USPS state code a ZIP code belongs to; raises GeoValidationError for unassigned prefixes."""
    zip5 = normalize_zip(value)
    state = zip3_table().get(zip5[:3])
    if state is None:
        raise GeoValidationError(f"ZIP code {value!r} has prefix {zip5[:3]}, which is not assigned to any state")
    return state


def check_zip_in_state(zip_code: str, state: str) -> None:
    """Raises GeoValidationError when `zip_code` does not belong to `state`."""
    expected = normalize_state(state)
    actual = state_for_zip(zip_code)
    if actual != expected:
        raise GeoValidationError(f"ZIP code {zip_code!r} is in {actual}, not in {expected}")
