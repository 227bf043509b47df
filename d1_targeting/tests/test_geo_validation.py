import pytest
from hypothesis import given

from d1_targeting import (
    CityConstraint,
    Coordinate,
    GeoFindingKind,
    GeoScope,
    RadiusConstraint,
    Severity,
    StateConstraint,
    ZipConstraint,
    geo_errors,
    haversine_miles,
    validate_geo_scope,
)
from testing.targeting import geo_scopes, malformed_zip_codes


def findings_of(include=(), exclude=()):
    return validate_geo_scope(GeoScope(tuple(include), tuple(exclude)))


def only_finding(include=(), exclude=()):
    findings = findings_of(include, exclude)
    assert len(findings) == 1, findings
    return findings[0]


@given(geo_scopes())
def test_generated_valid_scopes_have_no_errors(scope):
    assert geo_errors(validate_geo_scope(scope)) == ()


@pytest.mark.parametrize(
    "constraint, kind, message",
    [
        (StateConstraint("Atlantis"), GeoFindingKind.UNKNOWN_STATE, "unknown US state or territory 'Atlantis'"),
        (ZipConstraint("1234"), GeoFindingKind.MALFORMED_ZIP, "malformed ZIP code '1234'"),
        (ZipConstraint("00012"), GeoFindingKind.UNASSIGNED_ZIP, "prefix 000"),
        (ZipConstraint("10001", "NJ"), GeoFindingKind.ZIP_OUTSIDE_STATE, "ZIP 10001 is in NY, not in NJ"),
        (ZipConstraint("10001", "Jersey"), GeoFindingKind.UNKNOWN_STATE, "unknown US state or territory 'Jersey'"),
        (CityConstraint("Chicago", "TX"), GeoFindingKind.CITY_OUTSIDE_STATE, r"'Chicago' is not in TX (it is in IL)"),
        (CityConstraint("Atlantis", "NV"), GeoFindingKind.UNKNOWN_CITY, "unknown city 'Atlantis' in NV"),
        (
            CityConstraint(42, "NV"),  # type: ignore[arg-type]  # a number for a city name, on purpose
            GeoFindingKind.UNKNOWN_CITY,
            "city must be a non-empty name, got 42",
        ),
        (CityConstraint("Austin", "Texxas"), GeoFindingKind.UNKNOWN_STATE, "'Texxas'"),
        (RadiusConstraint(95, -97, 10), GeoFindingKind.INVALID_COORDINATES, "latitude 95 is outside"),
        (RadiusConstraint(30.27, -97.74, 0), GeoFindingKind.INVALID_RADIUS, "positive number of miles, got 0"),
        (RadiusConstraint(30.27, -97.74, float("inf")), GeoFindingKind.INVALID_RADIUS, "got inf"),
        (
            RadiusConstraint(30.27, -97.74, "10"),  # type: ignore[arg-type]  # text for a radius, on purpose
            GeoFindingKind.INVALID_RADIUS,
            "got '10'",
        ),
        (
            RadiusConstraint(51.5074, -0.1278, 10),
            GeoFindingKind.CENTER_OUTSIDE_US,
            "center (51.5074, -0.1278) is outside",
        ),
        (
            RadiusConstraint(47.6062, -122.3321, 150),
            GeoFindingKind.RADIUS_OUTSIDE_US,
            "a 150 mi radius around (47.6062, -122.3321) leaves the bounds of contiguous United States",
        ),
    ],
)
def test_each_bad_constraint_is_reported_with_its_kind_location_and_reason(constraint, kind, message):
    finding = only_finding(include=[constraint])
    assert (finding.kind, finding.location, finding.constraint, finding.severity) == (
        kind,
        "include[0]",
        constraint,
        Severity.ERROR,
    )
    assert message in finding.message
    assert str(finding) == f"include[0] {constraint.describe()}: {finding.message} [{kind.value}]"


@given(malformed_zip_codes())
def test_any_malformed_zip_is_reported_as_malformed(zip_code):
    assert only_finding(include=[ZipConstraint(zip_code)]).kind is GeoFindingKind.MALFORMED_ZIP


def test_zip_given_with_its_own_state_passes():
    assert findings_of(include=[ZipConstraint("10001-0001", "New York")]) == ()


def test_excluded_radius_may_cross_the_border():
    assert findings_of(include=[StateConstraint("WA")], exclude=[RadiusConstraint(47.6062, -122.3321, 150)]) == ()


def test_bad_excluded_constraint_is_located_in_the_exclude_list():
    finding = only_finding(include=[StateConstraint("TX")], exclude=[ZipConstraint("7870")])
    assert (finding.location, finding.kind) == ("exclude[0]", GeoFindingKind.MALFORMED_ZIP)


def test_duplicate_constraints_are_errors_pointing_at_the_first():
    finding = only_finding(include=[StateConstraint("TX"), StateConstraint("CA"), StateConstraint("texas")])
    assert (finding.kind, finding.location, finding.constraint, finding.message) == (
        GeoFindingKind.DUPLICATE,
        "include[2]",
        StateConstraint("texas"),
        "duplicates include[0]",
    )


def test_zip_plus_four_duplicates_its_five_digit_form():
    finding = only_finding(exclude=[ZipConstraint("10001"), ZipConstraint("10001-2345")])
    assert (finding.kind, finding.location, finding.constraint) == (
        GeoFindingKind.DUPLICATE,
        "exclude[1]",
        ZipConstraint("10001-2345"),
    )


def test_including_and_excluding_the_same_place_is_a_contradiction():
    finding = only_finding(include=[CityConstraint("Austin", "TX")], exclude=[CityConstraint("austin", "tx")])
    assert (finding.kind, finding.constraint) == (GeoFindingKind.CONTRADICTION, CityConstraint("Austin", "TX"))
    assert finding.message == "is also excluded by exclude[0], so it selects nothing"


@pytest.mark.parametrize("included", [ZipConstraint("78701"), CityConstraint("Austin", "TX")])
def test_including_a_place_whose_state_is_excluded_is_a_contradiction(included):
    finding = only_finding(include=[included], exclude=[StateConstraint("NY"), StateConstraint("TX")])
    assert finding.kind is GeoFindingKind.CONTRADICTION
    assert finding.message == "lies in TX, which exclude[1] excludes, so it selects nothing"


@pytest.mark.parametrize("included", [ZipConstraint("78701"), CityConstraint("Austin", "TX")])
def test_a_zip_or_city_inside_an_included_state_is_an_overlap_warning(included):
    finding = only_finding(include=[StateConstraint("TX"), included])
    assert (finding.kind, finding.severity, finding.location, finding.constraint) == (
        GeoFindingKind.OVERLAP,
        Severity.WARNING,
        "include[1]",
        included,
    )
    assert finding.message == "is already covered by include[0] (TX)"
    assert geo_errors((finding,)) == ()


def test_intersecting_radii_are_an_overlap_warning():
    later = RadiusConstraint(30.51, -97.68, 10)
    finding = only_finding(include=[RadiusConstraint(30.27, -97.74, 20), later])
    assert (finding.kind, finding.location, finding.constraint) == (GeoFindingKind.OVERLAP, "include[1]", later)
    distance = haversine_miles(Coordinate(30.27, -97.74), Coordinate(30.51, -97.68))
    assert finding.message == f"intersects include[0]: centers {distance:.1f} mi apart, radii sum to 30 mi"


def test_distant_radii_do_not_overlap():
    assert findings_of(include=[RadiusConstraint(30.27, -97.74, 20), RadiusConstraint(32.78, -96.80, 20)]) == ()


def test_findings_are_listed_includes_first_in_constraint_order():
    findings = findings_of(
        include=[StateConstraint("TX"), ZipConstraint("bad"), StateConstraint("TX"), ZipConstraint("78701")],
        exclude=[ZipConstraint("also bad")],
    )
    assert [(finding.location, finding.kind) for finding in findings] == [
        ("include[1]", GeoFindingKind.MALFORMED_ZIP),
        ("include[2]", GeoFindingKind.DUPLICATE),
        ("include[3]", GeoFindingKind.OVERLAP),
        ("exclude[0]", GeoFindingKind.MALFORMED_ZIP),
    ]


def test_contradiction_names_the_first_exclude_when_the_place_is_excluded_twice():
    findings = findings_of(include=[ZipConstraint("78701")], exclude=[ZipConstraint("78701"), ZipConstraint("78701")])
    contradiction = next(finding for finding in findings if finding.kind is GeoFindingKind.CONTRADICTION)
    assert contradiction.message == "is also excluded by exclude[0], so it selects nothing"


def test_overlap_names_the_first_include_of_the_state_when_the_state_is_included_twice():
    findings = findings_of(include=[StateConstraint("TX"), StateConstraint("Texas"), CityConstraint("Austin", "TX")])
    overlap = next(finding for finding in findings if finding.kind is GeoFindingKind.OVERLAP)
    assert (overlap.location, overlap.message) == ("include[2]", "is already covered by include[0] (TX)")


def test_a_city_inside_an_included_radius_is_not_reported_when_radii_are_the_only_overlapping_areas():
    assert findings_of(include=[RadiusConstraint(30.27, -97.74, 20), CityConstraint("Austin", "TX")]) == ()


def test_the_same_radius_twice_is_a_duplicate_and_not_an_overlap_when_repeated():
    finding = only_finding(include=[RadiusConstraint(30.27, -97.74, 20), RadiusConstraint(30.27, -97.74, 20.0)])
    assert (finding.kind, finding.location, finding.message) == (
        GeoFindingKind.DUPLICATE,
        "include[1]",
        "duplicates include[0]",
    )
