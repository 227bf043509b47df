"""Hypothesis strategies for d1_targeting: ZIPs, states, points, geo constraints, universes, claims, quotas."""

from __future__ import annotations

from functools import cache

from hypothesis import strategies as st

from d1_targeting import (
    US_REGIONS,
    CityConstraint,
    Claim,
    GeoScope,
    QualificationRules,
    QuotaPolicy,
    RadiusConstraint,
    StateConstraint,
    UniverseSpec,
    ZipConstraint,
    circle_within_us,
    city_table,
    default_bucket_assigner,
    state_for_zip,
    zip3_table,
)
from d1_targeting.coordinates import Coordinate
from d1_targeting.us_states import DISTRICT_AND_TERRITORIES, STATES

_STATES_WITH_ZIPS = frozenset(zip3_table().values())
_DIGITS = "0123456789"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@cache
def state_codes() -> st.SearchStrategy[str]:
    """USPS codes of the states, DC and the territories (the places targets can be)."""
    return st.sampled_from(sorted(set(STATES) | set(DISTRICT_AND_TERRITORIES)))


@cache
def valid_zip_codes(plus_four: bool = True) -> st.SearchStrategy[str]:
    """Well-formed ZIPs whose 3-digit prefix is assigned to a state, optionally in ZIP+4 form."""
    base = st.builds(
        lambda prefix, rest: f"{prefix}{rest:02d}", st.sampled_from(sorted(zip3_table())), st.integers(0, 99)
    )
    if not plus_four:
        return base
    return st.one_of(base, st.builds(lambda zip5, extra: f"{zip5}-{extra:04d}", base, st.integers(0, 9999)))


@cache
def zip_codes_in(state: str) -> st.SearchStrategy[str]:
    """5-digit ZIPs whose prefix belongs to `state` (which must own at least one prefix)."""
    prefixes = sorted(prefix for prefix, code in zip3_table().items() if code == state)
    if not prefixes:
        raise ValueError(f"no ZIP prefix is assigned to {state!r}")
    return st.builds(lambda prefix, rest: f"{prefix}{rest:02d}", st.sampled_from(prefixes), st.integers(0, 99))


def malformed_zip_codes() -> st.SearchStrategy[str]:
    """Text that is not a 5-digit ZIP nor ZIP+4: wrong length, short +4, letters, a letter inside."""

    def digits(low: int, high: int) -> st.SearchStrategy[str]:
        return st.text(_DIGITS, min_size=low, max_size=high)

    return st.one_of(
        digits(1, 4),
        digits(6, 9),
        st.builds("{}-{}".format, digits(5, 5), digits(1, 3)),
        st.text(_LETTERS, min_size=5, max_size=5),
        st.builds("{}{}{}".format, digits(3, 3), st.sampled_from(_LETTERS + " "), digits(1, 1)),
    )


def us_points() -> st.SearchStrategy[Coordinate]:
    """Points inside one of the US areas' bounding boxes."""

    def inside(region_index: int) -> st.SearchStrategy[Coordinate]:
        box = US_REGIONS[region_index]
        return st.builds(
            Coordinate,
            st.floats(box.south, box.north, allow_nan=False),
            st.floats(box.west, box.east, allow_nan=False),
        )

    return st.integers(0, len(US_REGIONS) - 1).flatmap(inside)


@cache
def city_constraints() -> st.SearchStrategy[CityConstraint]:
    """Cities from the shipped reference list, with their own state."""
    return st.sampled_from(sorted(city_table().values(), key=lambda city: (city.state, city.name))).map(
        lambda city: CityConstraint(city.name, city.state)
    )


@cache
def radius_constraints(max_miles: float = 30.0) -> st.SearchStrategy[RadiusConstraint]:
    """Circles around reference cities that stay inside the US bounds."""
    cities = sorted(city_table().values(), key=lambda city: (city.state, city.name))
    return st.builds(
        lambda city, miles: RadiusConstraint(city.location.latitude, city.location.longitude, miles),
        st.sampled_from(cities),
        st.floats(0.5, max_miles, allow_nan=False),
    ).filter(lambda radius: circle_within_us(radius.center(), radius.radius_miles))


@st.composite
def geo_scopes(draw: st.DrawFn) -> GeoScope:
    """Geographies with no error findings: included states, cities, out-of-state ZIPs and radii,
    and ZIPs carved out of the included states."""
    states = draw(st.lists(state_codes(), max_size=3, unique=True))
    cities = draw(st.lists(city_constraints(), max_size=2, unique=True))
    zips = draw(st.lists(valid_zip_codes(plus_four=False), max_size=2, unique=True))
    zips = [zip_code for zip_code in zips if state_for_zip(zip_code) not in states]
    radii = draw(st.lists(radius_constraints(), max_size=2, unique_by=lambda radius: radius.center()))
    carve_outs: list[str] = []
    with_zips = [state for state in states if state in _STATES_WITH_ZIPS]
    if with_zips:
        carve_outs = draw(st.lists(st.sampled_from(with_zips).flatmap(zip_codes_in), max_size=2, unique=True))
    carve_outs = [zip_code for zip_code in carve_outs if zip_code not in zips]
    include = (
        [StateConstraint(state) for state in states]
        + list(cities)
        + [ZipConstraint(zip_code) for zip_code in zips]
        + list(radii)
    )
    return GeoScope(tuple(include), tuple(ZipConstraint(zip_code) for zip_code in carve_outs))


def qualification_rules() -> st.SearchStrategy[QualificationRules]:
    """Any valid qualification rules."""
    return st.builds(
        QualificationRules,
        min_rating=st.none() | st.floats(0, 5, allow_nan=False),
        min_reviews=st.integers(0, 50),
        require_website=st.booleans(),
        require_phone=st.booleans(),
        exclude_chains=st.booleans(),
    )


def universe_specs() -> st.SearchStrategy[UniverseSpec]:
    """Valid universe specs over the shipped verticals."""
    verticals = sorted(default_bucket_assigner().verticals)
    names = st.text(st.characters(categories=("Lu", "Ll", "Nd")), min_size=1, max_size=40)
    return st.builds(
        UniverseSpec,
        name=names,
        verticals=st.lists(st.sampled_from(verticals), min_size=1, max_size=3, unique=True).map(tuple),
        geography=geo_scopes(),
        qualification=qualification_rules(),
    )


def campaign_claims(max_campaigns: int = 8) -> st.SearchStrategy[dict[int, Claim]]:
    """Campaign id -> (priority weight, most it can take), as the scheduler splits a day's quota."""
    claim = st.builds(Claim, weight=st.floats(0, 100, allow_nan=False), limit=st.integers(0, 500))
    return st.dictionaries(st.integers(1, 10_000), claim, max_size=max_campaigns)


def quota_policies(max_quota: int = 500) -> st.SearchStrategy[QuotaPolicy]:
    """Daily quotas with a per-campaign cap fraction between 5% and 100%."""
    return st.builds(
        QuotaPolicy,
        daily_quota=st.integers(0, max_quota),
        campaign_cap_fraction=st.floats(0.05, 1.0, allow_nan=False),
    )
