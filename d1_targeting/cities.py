"""US city/state pairs with coordinates, from the reference list of major cities the module ships."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from d1_targeting.coordinates import Coordinate
from d1_targeting.errors import GeoValidationError
from d1_targeting.reference_csv import read_packaged_text, read_reference_rows
from d1_targeting.us_regions import region_containing
from d1_targeting.us_states import normalize_state

CITIES_DATA = "data/us_cities.csv"
_COLUMNS = ("city", "state", "latitude", "longitude")


@dataclass(frozen=True)
class City:
    """A city, its USPS state code and the coordinates of its center."""

    name: str
    state: str
    location: Coordinate


def city_key(name: str) -> str:
    """The case- and spacing-insensitive form city names are compared in ("st.  louis" -> "st. louis")."""
    return " ".join(name.split()).casefold()


def load_city_table(text: str, path: str = CITIES_DATA) -> Mapping[tuple[str, str], City]:
    """Parses `city,state,latitude,longitude`; every city must be unique and inside a US area's box."""
    table: dict[tuple[str, str], City] = {}
    first_line: dict[tuple[str, str], int] = {}
    for row in read_reference_rows(text, path, _COLUMNS):
        name, state = row.text("city"), row.state()
        location = Coordinate(row.number("latitude", -90, 90), row.number("longitude", -180, 180))
        if region_containing(location) is None:
            raise row.fail("latitude", f"{location} is outside every US area")
        key = (city_key(name), state)
        if key in table:
            raise row.fail("city", f"{name}, {state} listed twice (first on line {first_line[key]})")
        table[key] = City(name, state, location)
        first_line[key] = row.line
    return MappingProxyType(table)


@lru_cache(maxsize=1)
def city_table() -> Mapping[tuple[str, str], City]:
    """The shipped (city key, state) -> City table (loaded once)."""
    return load_city_table(read_packaged_text(CITIES_DATA))


def states_with_city(name: str) -> tuple[str, ...]:
    """Sorted USPS codes of the states that have a reference city called `name`."""
    key = city_key(name)
    return tuple(sorted(state for city, state in city_table() if city == key))


def find_city(name: str, state: str) -> City:
    """The reference city `name` in `state`; GeoValidationError says where the name exists instead."""
    code = normalize_state(state)
    if not isinstance(name, str) or not name.strip():
        raise GeoValidationError(f"city must be a non-empty name, got {name!r}")
    city = city_table().get((city_key(name), code))
    if city is not None:
        return city
    elsewhere = states_with_city(name)
    if elsewhere:
        raise GeoValidationError(f"city {name!r} is not in {code} (it is in {', '.join(elsewhere)})")
    raise GeoValidationError(
        f"unknown city {name!r} in {code}: not in the reference list of {len(city_table())} US cities"
    )
