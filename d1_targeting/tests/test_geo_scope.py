import pytest
from hypothesis import given

from d1_targeting import (
    CityConstraint,
    Coordinate,
    GeoScope,
    GeoValidationError,
    Place,
    RadiusConstraint,
    StateConstraint,
    ZipConstraint,
    haversine_miles,
)
from testing.targeting import geo_scopes

AUSTIN = Place.of("TX", "78701", "Austin", 30.2672, -97.7431)
MANHATTAN = Place.of("NY", "10001", "New York", 40.7506, -73.9972)


def test_scope_without_includes_covers_the_whole_country():
    assert GeoScope().matches(AUSTIN) and GeoScope().matches(MANHATTAN)


def test_place_matches_when_any_include_matches():
    scope = GeoScope((StateConstraint("NY"), CityConstraint("Austin", "TX")))
    assert scope.matches(AUSTIN) and scope.matches(MANHATTAN)


def test_place_outside_every_include_does_not_match():
    assert not GeoScope((StateConstraint("California"),)).matches(AUSTIN)


def test_exclude_carves_a_zip_out_of_an_included_state():
    scope = GeoScope((StateConstraint("TX"),), (ZipConstraint("78701"),))
    assert not scope.matches(AUSTIN)
    assert scope.matches(Place.of("TX", "75201", "Dallas", None, None))


def test_radius_matches_places_within_its_great_circle_distance():
    scope = GeoScope((RadiusConstraint(30.5083, -97.6789, 20),))  # Round Rock, ~17 mi from downtown Austin
    assert scope.matches(AUSTIN)
    assert not GeoScope((RadiusConstraint(30.5083, -97.6789, 10),)).matches(AUSTIN)


def test_radius_matches_a_place_when_it_lies_exactly_on_the_circle():
    assert AUSTIN.location is not None
    distance = haversine_miles(Coordinate(30.5083, -97.6789), AUSTIN.location)
    assert RadiusConstraint(30.5083, -97.6789, distance).matches(AUSTIN)


def test_radius_never_matches_a_place_without_coordinates():
    assert not GeoScope((RadiusConstraint(30.27, -97.74, 50),)).matches(Place.of("TX", "78701", "Austin", None, None))


def test_invalid_constraints_match_nothing_instead_of_failing():
    scope = GeoScope(
        (
            StateConstraint("Atlantis"),
            ZipConstraint("7870"),
            CityConstraint(7, "TX"),  # type: ignore[arg-type]  # a number for a city name, on purpose
            RadiusConstraint(95, 0, 10),
        )
    )
    assert not scope.matches(AUSTIN)


@pytest.mark.parametrize("radius", [float("inf"), float("nan"), True, "10", None])
def test_radius_matches_nothing_not_even_its_center_when_the_radius_is_not_a_finite_number(radius):
    assert not RadiusConstraint(30.2672, -97.7431, radius).matches(AUSTIN)


def test_place_takes_its_state_from_the_zip_when_the_state_is_missing_or_bad():
    assert Place.of(None, "78701-1234", None, None, None).state == "TX"
    assert Place.of("Texass", "10001", None, None, None).state == "NY"


def test_place_drops_malformed_fields():
    place = Place.of("XX", "ABCDE", "  ", 200.0, 10.0)
    assert place == Place()


def test_state_constraint_matches_zip_only_places_through_the_zip_prefix():
    assert GeoScope((StateConstraint("TX"),)).matches(Place.of(None, "78701", None, None, None))


def test_dict_form_round_trips():
    data = {
        "include": [
            {"state": "TX"},
            {"zip": "10001", "state": "NY"},
            {"zip": "60601"},
            {"city": "Austin", "state": "TX"},
            {"latitude": 30.27, "longitude": -97.74, "radius_miles": 25},
        ],
        "exclude": [{"zip": "78701"}],
    }
    assert GeoScope.from_dict(data).to_dict() == data


@given(geo_scopes())
def test_generated_scopes_survive_a_round_trip_through_their_dict_form(scope):
    assert GeoScope.from_dict(scope.to_dict()) == scope


def test_missing_geography_means_the_whole_country():
    assert GeoScope.from_dict(None) == GeoScope()


@pytest.mark.parametrize(
    "data, message",
    [
        ("TX", "geography must be an object"),
        ({"include": [], "regions": []}, r"unknown keys \['regions'\]"),
        ({"include": {"state": "TX"}}, r"geography.include must be a list"),
        ({"exclude": ["TX"]}, r"geography.exclude\[0\] must be an object"),
        ({"include": [{"state": "TX"}, {"county": "Travis"}]}, r"geography.include\[1\] has keys \['county'\]"),
        ({"include": [{"latitude": 30, "longitude": -97}]}, r"include\[0\] has keys \['latitude', 'longitude'\]"),
    ],
)
def test_malformed_geography_names_the_entry_at_fault(data, message):
    with pytest.raises(GeoValidationError, match=message):
        GeoScope.from_dict(data)


@pytest.mark.parametrize(
    "scope, states",
    [
        (GeoScope(), None),
        (GeoScope((StateConstraint("tx"), ZipConstraint("10001"), CityConstraint("Boise", "ID"))), {"TX", "NY", "ID"}),
        (GeoScope((StateConstraint("TX"), RadiusConstraint(40.7, -74.0, 5))), None),
        (GeoScope((StateConstraint("Atlantis"),)), set()),
    ],
)
def test_candidate_states_bound_the_scope_unless_a_radius_or_nothing_does(scope, states):
    assert scope.candidate_states() == (None if states is None else frozenset(states))


@pytest.mark.parametrize(
    "constraint, text",
    [
        (StateConstraint("TX"), "state 'TX'"),
        (ZipConstraint("10001", "NY"), "ZIP '10001' (NY)"),
        (ZipConstraint("10001"), "ZIP '10001'"),
        (CityConstraint("Austin", "TX"), "city 'Austin', TX"),
        (RadiusConstraint(30.27, -97.74, 25), "radius 25 mi around (30.27, -97.74)"),
    ],
)
def test_constraints_describe_themselves_by_their_values(constraint, text):
    assert constraint.describe() == text


def test_radius_center_is_a_coordinate():
    assert RadiusConstraint(30.27, -97.74, 25).center() == Coordinate(30.27, -97.74)
