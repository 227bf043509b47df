"""Validation of a universe's geography: each problem is a typed GeoFinding naming the constraint and why.

Checked per constraint: state codes, ZIP format, ZIP prefix assignment, a ZIP outside the state given
with it, city/state pairs against the reference city list, coordinates, radius size, and that an
included radius stays inside one US area's bounding box. Checked across constraints: duplicates,
include/exclude contradictions (the same place, or a ZIP/city whose state is excluded) and overlaps
(a ZIP or city already covered by an included state, intersecting radii). Overlaps are warnings; every
other finding is an error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from d1_targeting.cities import city_key, find_city, states_with_city
from d1_targeting.coordinates import Coordinate, haversine_miles
from d1_targeting.errors import GeoValidationError
from d1_targeting.geo_scope import (
    CityConstraint,
    GeoConstraint,
    GeoScope,
    RadiusConstraint,
    StateConstraint,
    ZipConstraint,
)
from d1_targeting.us_regions import circle_within_us, region_containing
from d1_targeting.us_states import normalize_state
from d1_targeting.zip_codes import normalize_zip, state_for_zip


class GeoFindingKind(StrEnum):
    """What is wrong with a constraint."""

    UNKNOWN_STATE = "unknown_state"
    MALFORMED_ZIP = "malformed_zip"
    UNASSIGNED_ZIP = "unassigned_zip"
    ZIP_OUTSIDE_STATE = "zip_outside_state"
    UNKNOWN_CITY = "unknown_city"
    CITY_OUTSIDE_STATE = "city_outside_state"
    INVALID_COORDINATES = "invalid_coordinates"
    INVALID_RADIUS = "invalid_radius"
    CENTER_OUTSIDE_US = "center_outside_us"
    RADIUS_OUTSIDE_US = "radius_outside_us"
    DUPLICATE = "duplicate"
    CONTRADICTION = "include_exclude_contradiction"
    OVERLAP = "overlap"


class Severity(StrEnum):
    """Errors make a geography unusable; warnings point at redundancy."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class GeoFinding:
    """One problem: where the constraint sits ("include[2]"), the constraint, its kind and why."""

    kind: GeoFindingKind
    location: str
    constraint: GeoConstraint
    message: str

    @property
    def severity(self) -> Severity:
        return Severity.WARNING if self.kind is GeoFindingKind.OVERLAP else Severity.ERROR

    def __str__(self) -> str:
        return f"{self.location} {self.constraint.describe()}: {self.message} [{self.kind.value}]"


@dataclass(frozen=True)
class _Resolved:
    """A constraint that passed its own checks, in canonical form for cross-constraint checks."""

    location: str
    constraint: GeoConstraint
    key: tuple[Any, ...]
    state: str | None
    center: Coordinate | None = None
    radius: float = 0.0


def validate_geo_scope(scope: GeoScope) -> tuple[GeoFinding, ...]:
    """Every finding for `scope`, errors and warnings, in constraint order."""
    findings: list[GeoFinding] = []
    resolved: dict[str, list[_Resolved]] = {"include": [], "exclude": []}
    for mode, constraints in (("include", scope.include), ("exclude", scope.exclude)):
        for index, constraint in enumerate(constraints):
            location = f"{mode}[{index}]"
            try:
                resolved[mode].append(_resolve(constraint, location, check_bounds=mode == "include"))
            except _Invalid as invalid:
                findings.append(GeoFinding(invalid.kind, location, constraint, invalid.message))
    for mode in ("include", "exclude"):
        findings.extend(_duplicates(resolved[mode]))
    findings.extend(_contradictions(resolved["include"], resolved["exclude"]))
    findings.extend(_overlaps(resolved["include"]))
    return tuple(sorted(findings, key=_position))


def geo_errors(findings: tuple[GeoFinding, ...]) -> tuple[GeoFinding, ...]:
    """Only the findings that make a geography unusable."""
    return tuple(finding for finding in findings if finding.severity is Severity.ERROR)


def _position(finding: GeoFinding) -> tuple[bool, int]:
    mode, _, index = finding.location.rstrip("]").partition("[")
    return mode != "include", int(index)


class _Invalid(Exception):
    def __init__(self, kind: GeoFindingKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def _resolve(constraint: GeoConstraint, location: str, check_bounds: bool) -> _Resolved:
    if isinstance(constraint, StateConstraint):
        state = _state(constraint.state)
        return _Resolved(location, constraint, ("state", state), state)
    if isinstance(constraint, ZipConstraint):
        return _resolve_zip(constraint, location)
    if isinstance(constraint, CityConstraint):
        state = _state(constraint.state)
        try:
            city = find_city(constraint.city, state)
        except GeoValidationError as error:
            elsewhere = isinstance(constraint.city, str) and states_with_city(constraint.city)
            kind = GeoFindingKind.CITY_OUTSIDE_STATE if elsewhere else GeoFindingKind.UNKNOWN_CITY
            raise _Invalid(kind, str(error)) from None
        return _Resolved(location, constraint, ("city", city_key(city.name), state), state, city.location)
    return _resolve_radius(constraint, location, check_bounds)


def _state(value: Any) -> str:
    try:
        return normalize_state(value)
    except GeoValidationError as error:
        raise _Invalid(GeoFindingKind.UNKNOWN_STATE, str(error)) from None


def _resolve_zip(constraint: ZipConstraint, location: str) -> _Resolved:
    try:
        zip5 = normalize_zip(constraint.zip_code)
    except GeoValidationError as error:
        raise _Invalid(GeoFindingKind.MALFORMED_ZIP, str(error)) from None
    try:
        actual = state_for_zip(zip5)
    except GeoValidationError as error:
        raise _Invalid(GeoFindingKind.UNASSIGNED_ZIP, str(error)) from None
    if constraint.state is not None:
        expected = _state(constraint.state)
        if expected != actual:
            raise _Invalid(GeoFindingKind.ZIP_OUTSIDE_STATE, f"ZIP {zip5} is in {actual}, not in {expected}")
    return _Resolved(location, constraint, ("zip", zip5), actual)


def _resolve_radius(constraint: RadiusConstraint, location: str, check_bounds: bool) -> _Resolved:
    try:
        center = constraint.center()
    except GeoValidationError as error:
        raise _Invalid(GeoFindingKind.INVALID_COORDINATES, str(error)) from None
    radius = constraint.radius_miles
    if isinstance(radius, bool) or not isinstance(radius, (int, float)) or not math.isfinite(radius) or radius <= 0:
        raise _Invalid(GeoFindingKind.INVALID_RADIUS, f"radius must be a positive number of miles, got {radius!r}")
    if check_bounds:
        region = region_containing(center)
        if region is None:
            raise _Invalid(GeoFindingKind.CENTER_OUTSIDE_US, f"center {center} is outside every US state and territory")
        if not circle_within_us(center, radius):
            raise _Invalid(
                GeoFindingKind.RADIUS_OUTSIDE_US,
                f"a {radius:g} mi radius around {center} leaves the bounds of {region.name}",
            )
    key = ("radius", center.latitude, center.longitude, float(radius))
    return _Resolved(location, constraint, key, None, center, float(radius))


def _duplicates(items: list[_Resolved]) -> list[GeoFinding]:
    first: dict[tuple[Any, ...], _Resolved] = {}
    findings = []
    for item in items:
        if item.key in first:
            findings.append(
                GeoFinding(
                    GeoFindingKind.DUPLICATE, item.location, item.constraint, f"duplicates {first[item.key].location}"
                )
            )
        else:
            first[item.key] = item
    return findings


def _contradictions(includes: list[_Resolved], excludes: list[_Resolved]) -> list[GeoFinding]:
    excluded = {item.key: item for item in reversed(excludes)}
    findings = []
    for item in includes:
        same = excluded.get(item.key)
        state = excluded.get(("state", item.state)) if item.key[0] in ("zip", "city") else None
        if same is not None:
            message = f"is also excluded by {same.location}, so it selects nothing"
        elif state is not None:
            message = f"lies in {item.state}, which {state.location} excludes, so it selects nothing"
        else:
            continue
        findings.append(GeoFinding(GeoFindingKind.CONTRADICTION, item.location, item.constraint, message))
    return findings


def _overlaps(includes: list[_Resolved]) -> list[GeoFinding]:
    states = {item.key[1]: item for item in reversed(includes) if item.key[0] == "state"}
    findings = []
    seen_radii: list[tuple[_Resolved, Coordinate]] = []
    for item in includes:
        if item.key[0] in ("zip", "city") and item.state in states:
            message = f"is already covered by {states[item.state].location} ({item.state})"
            findings.append(GeoFinding(GeoFindingKind.OVERLAP, item.location, item.constraint, message))
        if item.key[0] != "radius" or item.center is None:
            continue
        for other, other_center in seen_radii:
            distance = haversine_miles(other_center, item.center)
            if other.key != item.key and distance < other.radius + item.radius:
                message = (
                    f"intersects {other.location}: centers {distance:.1f} mi apart, "
                    f"radii sum to {other.radius + item.radius:g} mi"
                )
                findings.append(GeoFinding(GeoFindingKind.OVERLAP, item.location, item.constraint, message))
        seen_radii.append((item, item.center))
    return findings
