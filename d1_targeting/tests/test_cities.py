import pytest
from hypothesis import given

from d1_targeting import (
    City,
    Coordinate,
    GeoValidationError,
    ReferenceDataError,
    city_table,
    find_city,
    load_city_table,
    region_containing,
    states_with_city,
)
from d1_targeting.cities import CITIES_DATA
from d1_targeting.reference_csv import ReferenceRow, read_packaged_text
from testing.targeting import city_constraints


def test_reference_list_covers_every_state_dc_and_territory():
    from d1_targeting.us_states import DISTRICT_AND_TERRITORIES, STATES

    assert {city.state for city in city_table().values()} == set(STATES) | set(DISTRICT_AND_TERRITORIES)


@pytest.mark.parametrize(
    "name, state", [("Austin", "TX"), ("st. louis", "MO"), ("new  york", "New York"), ("San Juan", "pr")]
)
def test_known_city_state_pairs_resolve_in_any_case_and_spacing(name, state):
    city = find_city(name, state)
    assert city.state in ("TX", "MO", "NY", "PR")
    assert region_containing(city.location) is not None


def test_city_in_the_wrong_state_says_where_it_is():
    with pytest.raises(GeoValidationError, match=r"city 'Chicago' is not in TX \(it is in IL\)"):
        find_city("Chicago", "TX")


def test_city_names_shared_by_several_states_list_them_all():
    assert states_with_city("Springfield") == ("IL", "MA", "MO")


def test_city_in_the_wrong_state_lists_every_state_it_is_in_when_several_have_it():
    with pytest.raises(GeoValidationError, match=r"^city 'Springfield' is not in TX \(it is in IL, MA, MO\)$"):
        find_city("Springfield", "TX")


def test_unknown_city_is_rejected_naming_it_and_the_state():
    with pytest.raises(GeoValidationError, match=r"unknown city 'Atlantis' in NV"):
        find_city("Atlantis", "Nevada")


@pytest.mark.parametrize("name", ["", "   ", None])
def test_blank_city_name_is_rejected(name):
    with pytest.raises(GeoValidationError, match="city must be a non-empty name"):
        find_city(name, "TX")


@given(city_constraints())
def test_every_reference_city_resolves_to_itself(constraint):
    city = find_city(constraint.city, constraint.state)
    assert (city.name, city.state) == (constraint.city, constraint.state)


@pytest.mark.parametrize(
    "text, line, column, reason",
    [
        ("town,state,latitude,longitude\n", 1, "header", "expected"),
        (
            "city,state,latitude,longitude\nAustin,TX,30.2,-97.7\nDallas,ZZ,32.7,-96.8\n",
            3,
            "state",
            "unknown USPS state code 'ZZ'",
        ),
        ("city,state,latitude,longitude\nAustin,TX,north,-97.7\n", 2, "latitude", "expected a number, got 'north'"),
        ("city,state,latitude,longitude\nAustin,TX,30.2,-197.7\n", 2, "longitude", "-197.7 is outside [-180, 180]"),
        ("city,state,latitude,longitude\nNome,AK,90.5,-165.4\n", 2, "latitude", "90.5 is outside [-90, 90]"),
        ("city,state,latitude,longitude\nPago Pago,AS,-90.5,-170.7\n", 2, "latitude", "-90.5 is outside [-90, 90]"),
        ("city,state,latitude,longitude\nLondon,NY,51.5,-0.12\n", 2, "latitude", "outside every US area"),
        (
            "city,state,latitude,longitude\nAustin,TX,30.2,-97.7\n\naustin,TX,30.3,-97.7\n",
            4,
            "city",
            "austin, TX listed twice (first on line 2)",
        ),
        ("city,state,latitude,longitude\nAustin,TX,30.2\n", 2, "longitude", "missing"),
        ("city,state,latitude,longitude\nAustin,TX,30.2,-97.7,extra\n", 2, "(extra)", "5 columns"),
        ("city,state,latitude,longitude\n,TX,30.2,-97.7\n", 2, "city", "is empty"),
    ],
)
def test_malformed_city_data_names_file_line_and_column(text, line, column, reason):
    with pytest.raises(ReferenceDataError) as caught:
        load_city_table(text, path="cities.csv")
    assert (caught.value.path, caught.value.line, caught.value.column) == ("cities.csv", line, column)
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"cities.csv:{line}: column {column!r}: ")


def test_loaded_city_table_maps_the_city_key_and_state_to_the_city_as_written_when_the_data_is_valid():
    table = load_city_table("city,state,latitude,longitude\nSt.  Louis,MO,38.627,-90.199\nAustin,TX,30.267,-97.743\n")
    assert dict(table) == {
        ("st. louis", "MO"): City("St.  Louis", "MO", Coordinate(38.627, -90.199)),
        ("austin", "TX"): City("Austin", "TX", Coordinate(30.267, -97.743)),
    }


def test_packaged_reference_text_is_the_shipped_file_when_read_by_its_relative_path():
    text = read_packaged_text(CITIES_DATA)
    assert text.splitlines()[0] == "city,state,latitude,longitude"
    assert load_city_table(text) == city_table()


@pytest.mark.parametrize("value", ["-90", "90"])
def test_a_number_on_either_bound_is_accepted_when_bounds_are_inclusive(value):
    row = ReferenceRow("points.csv", 2, {"latitude": value})
    assert row.number("latitude", -90, 90) == float(value)
