import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from d1_targeting import (
    US_REGIONS,
    Coordinate,
    GeoValidationError,
    circle_within_us,
    haversine_miles,
    region_containing,
)
from d1_targeting.coordinates import EARTH_RADIUS_MILES
from testing.targeting import us_points

NEW_YORK = Coordinate(40.7128, -74.0060)
LOS_ANGELES = Coordinate(34.0522, -118.2437)


def test_haversine_matches_the_published_new_york_to_los_angeles_distance():
    assert haversine_miles(NEW_YORK, LOS_ANGELES) == pytest.approx(2445, abs=5)


def test_one_degree_of_latitude_is_about_69_miles():
    assert haversine_miles(Coordinate(40, -100), Coordinate(41, -100)) == pytest.approx(69.09, abs=0.05)


@given(us_points(), us_points())
def test_haversine_is_symmetric_and_non_negative(a, b):
    assert haversine_miles(a, b) == pytest.approx(haversine_miles(b, a))
    assert haversine_miles(a, b) >= 0


@given(us_points())
def test_distance_from_a_point_to_itself_is_zero(point):
    assert haversine_miles(point, point) == pytest.approx(0, abs=1e-6)


@pytest.mark.parametrize(
    "latitude, longitude, message",
    [
        (91, 0, "latitude 91 is outside"),
        (0, -180.5, "longitude -180.5 is outside"),
        (math.nan, 0, "latitude nan"),
        ("40", 0, "latitude must be a number"),
        (True, 0, "latitude must be a number"),
    ],
)
def test_coordinates_off_the_globe_are_rejected_naming_the_value(latitude, longitude, message):
    with pytest.raises(GeoValidationError, match=message):
        Coordinate(latitude, longitude)


@pytest.mark.parametrize("latitude, longitude", [(90, 180), (-90, -180)])
def test_coordinates_on_the_poles_and_the_antimeridian_are_accepted_when_exactly_on_the_bound(latitude, longitude):
    point = Coordinate(latitude, longitude)
    assert (point.latitude, point.longitude) == (latitude, longitude)


@pytest.mark.parametrize("point", [Coordinate(24.396308, -124.848974), Coordinate(49.384358, -66.885444)])
def test_a_point_on_the_edge_of_an_area_box_is_inside_it_when_edges_are_included(point):
    assert region_containing(point) == US_REGIONS[0]


@pytest.mark.parametrize(
    "point, area",
    [
        (NEW_YORK, "contiguous United States"),
        (Coordinate(61.2181, -149.9003), "Alaska"),
        (Coordinate(21.3069, -157.8583), "Hawaii"),
        (Coordinate(18.4655, -66.1057), "Puerto Rico"),
        (Coordinate(13.4757, 144.7489), "Guam"),
        (Coordinate(-14.2756, -170.7020), "American Samoa"),
    ],
)
def test_points_in_us_areas_are_found_in_their_area(point, area):
    region = region_containing(point)
    assert region is not None and region.name == area


@pytest.mark.parametrize("point", [Coordinate(51.5074, -0.1278), Coordinate(19.4326, -99.1332), Coordinate(0, 0)])
def test_points_abroad_are_in_no_us_area(point):
    assert region_containing(point) is None


def test_small_circle_in_the_middle_of_the_country_fits():
    assert circle_within_us(Coordinate(39.8283, -98.5795), 100)


def test_circle_touching_the_north_edge_of_its_box_fits_when_edges_are_included():
    box = US_REGIONS[0]
    touching = math.radians(box.north - 40.0) * EARTH_RADIUS_MILES
    assert box.contains_circle(Coordinate(40.0, -98.0), touching)
    assert not box.contains_circle(Coordinate(40.0, -98.0), touching * (1 + 1e-9))


def test_circle_touching_the_south_edge_of_its_box_fits_when_edges_are_included():
    box = US_REGIONS[0]
    touching = math.radians(30.0 - box.south) * EARTH_RADIUS_MILES
    assert box.contains_circle(Coordinate(30.0, -98.0), touching)
    assert not box.contains_circle(Coordinate(30.0, -98.0), touching * (1 + 1e-9))


def _half_width_degrees(miles, latitude):
    """The circle's widest longitude offset, asin(sin(r/R) / cos(lat)) (the docstring of contains_circle)."""
    return math.degrees(math.asin(math.sin(miles / EARTH_RADIUS_MILES) / math.cos(math.radians(latitude))))


def test_circle_touching_the_west_edge_of_its_box_fits_when_edges_are_included():
    box = US_REGIONS[0]
    center = Coordinate(40.0, box.west + _half_width_degrees(150.0, 40.0))
    assert box.contains_circle(center, 150.0)
    assert not box.contains_circle(center, 150.0 * (1 + 1e-9))


def test_circle_touching_the_east_edge_of_its_box_fits_when_edges_are_included():
    box = US_REGIONS[0]
    center = Coordinate(40.0, box.east - _half_width_degrees(150.0, 40.0))
    assert box.contains_circle(center, 150.0)
    assert not box.contains_circle(center, 150.0 * (1 + 1e-9))


def test_circle_crosses_the_west_edge_when_its_latitude_widens_it_past_the_edge():
    # 172.7 mi is 2.5 degrees of latitude but about 3.5 degrees of longitude at 45 N; the edge is 2.85 degrees west.
    assert not circle_within_us(Coordinate(45.0, -122.0), 172.7)


def test_small_circle_fits_when_centered_far_north_in_alaska():
    assert circle_within_us(Coordinate(64.8378, -147.7164), 50)  # Fairbanks


@pytest.mark.parametrize(
    "center, miles",
    [
        (Coordinate(47.6062, -122.3321), 150),  # Seattle: crosses into Canada
        (Coordinate(25.7617, -80.1918), 200),  # Miami: past the southern edge
        (Coordinate(42.3601, -71.0589), 400),  # Boston: past the eastern edge
        (Coordinate(21.3069, -157.8583), 1000),  # Honolulu: past Hawaii's box
        (Coordinate(70.0, -150.0), 1500),  # northern Alaska: reaches the pole
    ],
)
def test_circles_that_leave_the_country_do_not_fit(center, miles):
    assert not circle_within_us(center, miles)


def test_circle_centered_abroad_does_not_fit():
    assert not circle_within_us(Coordinate(51.5074, -0.1278), 1)


@given(us_points(), st.floats(0.1, 100))
def test_a_fitting_circle_keeps_its_cardinal_points_inside_the_same_area(center, miles):
    assume(circle_within_us(center, miles))
    region = region_containing(center)
    assert region is not None
    degrees = math.degrees(miles / 3958.8)
    assert region.contains(Coordinate(center.latitude + degrees * 0.999, center.longitude))
    assert region.contains(Coordinate(center.latitude - degrees * 0.999, center.longitude))


def test_every_us_area_box_runs_west_to_east_and_south_to_north():
    for box in US_REGIONS:
        assert box.west < box.east and box.south < box.north, box.name
