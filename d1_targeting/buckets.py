"""Geo and vertical buckets: coarse segments used to compare and pace targets.

A target's geo bucket is `affluence-agency_density-broadband_quality` of its state (state taken from the
ZIP when missing) and its vertical bucket is `urgency-ticket_size-maturity` of its vertical, each level
low/medium/high, read from the CSVs in d1_targeting/data/. Assignment is total: a target whose state or
vertical is unknown gets the `unknown` bucket rather than an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType

from d1_targeting.errors import GeoValidationError, ReferenceDataError
from d1_targeting.reference_csv import read_packaged_text, read_reference_rows
from d1_targeting.us_states import DISTRICT_AND_TERRITORIES, STATES, normalize_state
from d1_targeting.zip_codes import state_for_zip

GEO_FEATURES_DATA = "data/geo_features.csv"
VERTICAL_FEATURES_DATA = "data/vertical_features.csv"
UNKNOWN_BUCKET = "unknown"
"""The bucket of a target whose state (geo) or vertical (vertical) is not in the reference data."""

_GEO_COLUMNS = ("state", "affluence", "agency_density", "broadband_quality")
_VERTICAL_COLUMNS = ("vertical", "urgency", "ticket_size", "maturity")
_VERTICAL_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class Level(StrEnum):
    """A feature's tier."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


_LEVELS = frozenset(level.value for level in Level)


@dataclass(frozen=True)
class GeoBucket:
    """The geo features of a state."""

    affluence: Level
    agency_density: Level
    broadband_quality: Level

    @property
    def key(self) -> str:
        return f"{self.affluence.value}-{self.agency_density.value}-{self.broadband_quality.value}"


@dataclass(frozen=True)
class VerticalBucket:
    """The features of a vertical (line of business)."""

    urgency: Level
    ticket_size: Level
    maturity: Level

    @property
    def key(self) -> str:
        return f"{self.urgency.value}-{self.ticket_size.value}-{self.maturity.value}"


@dataclass(frozen=True)
class BucketAssignment:
    """The geo and vertical bucket keys of one target."""

    geo: str
    vertical: str


def normalize_vertical(value: str) -> str:
    """The canonical vertical name: lower case, words joined by "_" ("Pest Control" -> "pest_control")."""
    return "_".join(re.split(r"[\s\-_]+", value.strip().lower())) if isinstance(value, str) else ""


def load_geo_features(text: str, path: str = GEO_FEATURES_DATA) -> Mapping[str, GeoBucket]:
    """Parses the geo features CSV; every state, DC and territory must have exactly one row."""
    table: dict[str, GeoBucket] = {}
    last_line = 1
    for row in read_reference_rows(text, path, _GEO_COLUMNS):
        state = row.state()
        if state in table:
            raise row.fail("state", f"{state} listed twice")
        table[state] = GeoBucket(*(Level(row.choice(column, _LEVELS)) for column in _GEO_COLUMNS[1:]))
        last_line = row.line
    missing = sorted((set(STATES) | set(DISTRICT_AND_TERRITORIES)) - set(table))
    if missing:
        raise ReferenceDataError(path, last_line + 1, "state", f"no rows for {', '.join(missing)}")
    return MappingProxyType(table)


def load_vertical_features(text: str, path: str = VERTICAL_FEATURES_DATA) -> Mapping[str, VerticalBucket]:
    """Parses the vertical features CSV; names are lower_snake_case and unique; at least one row."""
    table: dict[str, VerticalBucket] = {}
    for row in read_reference_rows(text, path, _VERTICAL_COLUMNS):
        vertical = row.text("vertical")
        if not _VERTICAL_NAME.match(vertical):
            raise row.fail("vertical", f"expected a lower_snake_case name, got {vertical!r}")
        if vertical in table:
            raise row.fail("vertical", f"{vertical} listed twice")
        table[vertical] = VerticalBucket(*(Level(row.choice(column, _LEVELS)) for column in _VERTICAL_COLUMNS[1:]))
    if not table:
        raise ReferenceDataError(path, 2, "vertical", "no verticals: the file has a header but no rows")
    return MappingProxyType(table)


class BucketAssigner:
    """Assigns geo and vertical buckets from loaded feature tables (both loaded before it exists)."""

    def __init__(self, geo_features: Mapping[str, GeoBucket], vertical_features: Mapping[str, VerticalBucket]) -> None:
        self._geo = MappingProxyType(dict(geo_features))
        self._vertical = MappingProxyType(dict(vertical_features))

    @classmethod
    def from_csv(
        cls,
        geo_text: str,
        vertical_text: str,
        geo_path: str = GEO_FEATURES_DATA,
        vertical_path: str = VERTICAL_FEATURES_DATA,
    ) -> BucketAssigner:
        """Parses both CSVs completely; a malformed one raises ReferenceDataError and builds nothing."""
        return cls(load_geo_features(geo_text, geo_path), load_vertical_features(vertical_text, vertical_path))

    @property
    def verticals(self) -> frozenset[str]:
        """The verticals with features, i.e. the ones a universe may target."""
        return frozenset(self._vertical)

    def geo_buckets(self) -> frozenset[str]:
        """Every geo bucket key assignment can return, `unknown` included."""
        return frozenset(bucket.key for bucket in self._geo.values()) | {UNKNOWN_BUCKET}

    def vertical_buckets(self) -> frozenset[str]:
        """Every vertical bucket key assignment can return, `unknown` included."""
        return frozenset(bucket.key for bucket in self._vertical.values()) | {UNKNOWN_BUCKET}

    def geo_bucket(self, state: str | None, zip_code: str | None = None) -> str:
        """The geo bucket of a state (or of the ZIP's state when the state is missing or unknown)."""
        for resolve, value in ((normalize_state, state), (state_for_zip, zip_code)):
            if value is None:
                continue
            try:
                bucket = self._geo.get(resolve(value))
            except GeoValidationError:
                continue
            if bucket is not None:
                return bucket.key
        return UNKNOWN_BUCKET

    def vertical_bucket(self, vertical: str | None) -> str:
        """The vertical bucket of a vertical name in any case/spacing."""
        bucket = self._vertical.get(normalize_vertical(vertical)) if vertical is not None else None
        return bucket.key if bucket is not None else UNKNOWN_BUCKET

    def assign(self, state: str | None, zip_code: str | None, vertical: str | None) -> BucketAssignment:
        """Both buckets of a target described by its state, ZIP and vertical; never fails."""
        return BucketAssignment(self.geo_bucket(state, zip_code), self.vertical_bucket(vertical))


@lru_cache(maxsize=1)
def default_bucket_assigner() -> BucketAssigner:
    """The assigner built from the CSVs shipped in d1_targeting/data/ (loaded once)."""
    return BucketAssigner.from_csv(read_packaged_text(GEO_FEATURES_DATA), read_packaged_text(VERTICAL_FEATURES_DATA))
