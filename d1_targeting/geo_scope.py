"""The geography of a target universe: include/exclude lists of state, ZIP, city and radius constraints.

A place is in scope when it matches at least one include (or there are no includes: the whole country)
and no exclude. Constraints hold the values as given; `geo_validation` reports what is wrong with them.
Serialized form (stored as JSON on the universe):

    {"include": [{"state": "TX"}, {"zip": "10001", "state": "NY"}, {"city": "Austin", "state": "TX"},
                 {"latitude": 30.27, "longitude": -97.74, "radius_miles": 25}],
     "exclude": [{"zip": "78701"}]}
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from d1_targeting.cities import city_key
from d1_targeting.coordinates import Coordinate, haversine_miles
from d1_targeting.errors import GeoValidationError
from d1_targeting.us_states import normalize_state
from d1_targeting.zip_codes import normalize_zip, state_for_zip


@dataclass(frozen=True)
class Place:
    """Where a business is, as far as it is known; `state` is derived from the ZIP when not given."""

    state: str | None = None
    zip_code: str | None = None
    city: str | None = None
    location: Coordinate | None = None

    @classmethod
    def of(
        cls,
        state: str | None,
        zip_code: str | None,
        city: str | None,
        latitude: float | None,
        longitude: float | None,
    ) -> Place:
        """Normalizes raw address fields, dropping any that are malformed rather than failing."""
        zip5 = _or_none(normalize_zip, zip_code)
        code = _or_none(normalize_state, state) or _or_none(state_for_zip, zip5)
        name = city_key(city) if isinstance(city, str) and city.strip() else None
        return cls(code, zip5, name, _coordinate_or_none(latitude, longitude))


@dataclass(frozen=True)
class StateConstraint:
    """Every place in one state or territory (code or name)."""

    state: str

    def describe(self) -> str:
        return f"state {self.state!r}"

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state}

    def matches(self, place: Place) -> bool:
        return place.state is not None and place.state == _or_none(normalize_state, self.state)


@dataclass(frozen=True)
class ZipConstraint:
    """One 5-digit ZIP code; `state`, when given, is the state the author expects the ZIP to be in."""

    zip_code: str
    state: str | None = None

    def describe(self) -> str:
        return f"ZIP {self.zip_code!r}" + (f" ({self.state})" if self.state else "")

    def to_dict(self) -> dict[str, Any]:
        return {"zip": self.zip_code} | ({"state": self.state} if self.state else {})

    def matches(self, place: Place) -> bool:
        return place.zip_code is not None and place.zip_code == _or_none(normalize_zip, self.zip_code)


@dataclass(frozen=True)
class CityConstraint:
    """A city, by name and state."""

    city: str
    state: str

    def describe(self) -> str:
        return f"city {self.city!r}, {self.state}"

    def to_dict(self) -> dict[str, Any]:
        return {"city": self.city, "state": self.state}

    def matches(self, place: Place) -> bool:
        return (
            place.city is not None
            and isinstance(self.city, str)
            and place.city == city_key(self.city)
            and place.state == _or_none(normalize_state, self.state)
        )


@dataclass(frozen=True)
class RadiusConstraint:
    """Every place within `radius_miles` (great-circle) of a center point."""

    latitude: float
    longitude: float
    radius_miles: float

    def describe(self) -> str:
        return f"radius {self.radius_miles!r} mi around ({self.latitude!r}, {self.longitude!r})"

    def to_dict(self) -> dict[str, Any]:
        return {"latitude": self.latitude, "longitude": self.longitude, "radius_miles": self.radius_miles}

    def center(self) -> Coordinate:
        """The center as a Coordinate; GeoValidationError when it is off the globe."""
        return Coordinate(self.latitude, self.longitude)

    def matches(self, place: Place) -> bool:
        center = _coordinate_or_none(self.latitude, self.longitude)
        if place.location is None or center is None or not _is_number(self.radius_miles):
            return False
        return haversine_miles(center, place.location) <= self.radius_miles


GeoConstraint = StateConstraint | ZipConstraint | CityConstraint | RadiusConstraint


@dataclass(frozen=True)
class GeoScope:
    """Include and exclude constraints of one universe; no includes means the whole country."""

    include: tuple[GeoConstraint, ...] = ()
    exclude: tuple[GeoConstraint, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> GeoScope:
        """Builds a scope from its JSON form; GeoValidationError names the entry whose shape is wrong."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise GeoValidationError(f"geography must be an object with 'include'/'exclude' lists, got {data!r}")
        unknown = sorted(set(data) - {"include", "exclude"})
        if unknown:
            raise GeoValidationError(f"geography has unknown keys {unknown}; expected 'include' and 'exclude'")
        return cls(
            include=_parse_constraints(data.get("include", []), "include"),
            exclude=_parse_constraints(data.get("exclude", []), "exclude"),
        )

    def to_dict(self) -> dict[str, list[dict[str, Any]]]:
        """The JSON form `from_dict` reads."""
        return {
            "include": [constraint.to_dict() for constraint in self.include],
            "exclude": [constraint.to_dict() for constraint in self.exclude],
        }

    def matches(self, place: Place) -> bool:
        """True when the place matches an include (or there are none) and no exclude."""
        included = not self.include or any(constraint.matches(place) for constraint in self.include)
        return included and not any(constraint.matches(place) for constraint in self.exclude)

    def candidate_states(self) -> frozenset[str] | None:
        """The states every in-scope place lies in, or None when a radius (or nothing) bounds the scope.

        Lets callers pre-filter by state in SQL before matching each place exactly.
        """
        states: set[str] = set()
        for constraint in self.include:
            if isinstance(constraint, RadiusConstraint):
                return None
            if isinstance(constraint, ZipConstraint):
                state = _or_none(state_for_zip, constraint.zip_code)
            else:
                state = _or_none(normalize_state, constraint.state)
            if state is not None:
                states.add(state)
        return frozenset(states) if self.include else None


def _parse_constraints(entries: Any, mode: str) -> tuple[GeoConstraint, ...]:
    if not isinstance(entries, list):
        raise GeoValidationError(f"geography.{mode} must be a list of constraints, got {entries!r}")
    return tuple(_parse_constraint(entry, f"{mode}[{index}]") for index, entry in enumerate(entries))


_SHAPES: tuple[tuple[frozenset[str], frozenset[str], type], ...] = (
    (frozenset({"latitude", "longitude", "radius_miles"}), frozenset(), RadiusConstraint),
    (frozenset({"zip"}), frozenset({"state"}), ZipConstraint),
    (frozenset({"city", "state"}), frozenset(), CityConstraint),
    (frozenset({"state"}), frozenset(), StateConstraint),
)


def _parse_constraint(entry: Any, location: str) -> GeoConstraint:
    if not isinstance(entry, Mapping):
        raise GeoValidationError(f"geography.{location} must be an object, got {entry!r}")
    keys = set(entry)
    for required, optional, kind in _SHAPES:
        if required <= keys <= required | optional:
            values = {("zip_code" if key == "zip" else key): entry[key] for key in keys}
            return kind(**values)
    raise GeoValidationError(
        f"geography.{location} has keys {sorted(keys)}; expected one of {{state}}, {{zip[, state]}}, "
        "{city, state} or {latitude, longitude, radius_miles}"
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _coordinate_or_none(latitude: Any, longitude: Any) -> Coordinate | None:
    if latitude is None or longitude is None:
        return None
    try:
        return Coordinate(latitude, longitude)
    except GeoValidationError:
        return None


def _or_none(convert: Any, value: Any) -> Any:
    """convert(value), or None when the value is missing or invalid."""
    if value is None:
        return None
    try:
        return convert(value)
    except GeoValidationError:
        return None
