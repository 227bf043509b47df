from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from d1_targeting import (
    UNKNOWN_BUCKET,
    BucketAssigner,
    GeoBucket,
    Level,
    ReferenceDataError,
    VerticalBucket,
    default_bucket_assigner,
    load_geo_features,
    load_vertical_features,
    normalize_vertical,
)
from d1_targeting.us_states import DISTRICT_AND_TERRITORIES, STATES
from testing.targeting import state_codes, valid_zip_codes

GEO_TEXT = resources.files("d1_targeting").joinpath("data/geo_features.csv").read_text(encoding="utf-8")
VERTICAL_TEXT = resources.files("d1_targeting").joinpath("data/vertical_features.csv").read_text(encoding="utf-8")
ASSIGNER = default_bucket_assigner()
ALL_AREAS = set(STATES) | set(DISTRICT_AND_TERRITORIES)


def test_geo_bucket_is_affluence_agency_density_broadband_of_the_state():
    geo = load_geo_features(GEO_TEXT)
    assert ASSIGNER.geo_bucket("MS") == geo["MS"].key
    assert (
        geo["MS"].key
        == f"{geo['MS'].affluence.value}-{geo['MS'].agency_density.value}-{geo['MS'].broadband_quality.value}"
    )


def test_vertical_bucket_is_urgency_ticket_size_maturity_of_the_vertical():
    bucket = VerticalBucket(Level.HIGH, Level.LOW, Level.MEDIUM)
    assigner = BucketAssigner(load_geo_features(GEO_TEXT), {"locksmith": bucket})
    assert assigner.vertical_bucket("locksmith") == "high-low-medium"


def test_state_names_and_codes_get_the_same_geo_bucket():
    assert ASSIGNER.geo_bucket("new york") == ASSIGNER.geo_bucket("NY")


def test_geo_bucket_falls_back_to_the_zip_state_when_the_state_is_missing_or_unknown():
    assert ASSIGNER.geo_bucket(None, "10001") == ASSIGNER.geo_bucket("NY")
    assert ASSIGNER.geo_bucket("Atlantis", "10001-1234") == ASSIGNER.geo_bucket("NY")


def test_geo_bucket_is_unknown_without_a_usable_state_or_zip():
    assert ASSIGNER.geo_bucket(None, None) == UNKNOWN_BUCKET
    assert ASSIGNER.geo_bucket("XX", "bad") == UNKNOWN_BUCKET


def test_military_codes_get_the_unknown_geo_bucket():
    assert ASSIGNER.geo_bucket("AE") == UNKNOWN_BUCKET


@pytest.mark.parametrize("raw", ["Pest Control", "pest-control", " PEST_control "])
def test_vertical_names_are_normalized_before_lookup(raw):
    assert normalize_vertical(raw) == "pest_control"
    assert ASSIGNER.vertical_bucket(raw) == ASSIGNER.vertical_bucket("pest_control") != UNKNOWN_BUCKET


def test_unknown_or_missing_vertical_gets_the_unknown_bucket():
    assert ASSIGNER.vertical_bucket("underwater basket weaving") == UNKNOWN_BUCKET
    assert ASSIGNER.vertical_bucket(None) == UNKNOWN_BUCKET


@given(
    st.none() | state_codes() | st.text(max_size=20),
    st.none() | valid_zip_codes() | st.text(max_size=12),
    st.none() | st.sampled_from(sorted(ASSIGNER.verticals)) | st.text(max_size=30),
)
def test_bucket_assignment_is_total(state, zip_code, vertical):
    assignment = ASSIGNER.assign(state, zip_code, vertical)
    assert assignment.geo in ASSIGNER.geo_buckets()
    assert assignment.vertical in ASSIGNER.vertical_buckets()


@given(state_codes(), st.sampled_from(sorted(ASSIGNER.verticals)))
def test_every_place_and_shipped_vertical_gets_a_known_bucket(state, vertical):
    assignment = ASSIGNER.assign(state, None, vertical)
    assert UNKNOWN_BUCKET not in (assignment.geo, assignment.vertical)


def test_shipped_feature_files_load_completely():
    assert len(load_geo_features(GEO_TEXT)) == 56
    assert "hvac" in ASSIGNER.verticals
    assert all(isinstance(bucket, GeoBucket) for bucket in load_geo_features(GEO_TEXT).values())


def _geo_with(line_number: int, replacement: str) -> str:
    lines = GEO_TEXT.splitlines()
    lines[line_number - 1] = replacement
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "text, line, column, reason",
    [
        (
            _geo_with(1, "state,affluence,agency,broadband"),
            1,
            "header",
            "expected 'state,affluence,agency_density,broadband_quality', got 'state,affluence,agency,broadband'",
        ),
        (_geo_with(4, "AZ,rich,medium,medium"), 4, "affluence", "expected one of high, low, medium, got 'rich'"),
        (_geo_with(5, "AR,low,,low"), 5, "agency_density", "is empty"),
        (_geo_with(6, "CA,high,high"), 6, "broadband_quality", "missing: the row has 3 of 4 columns"),
        (_geo_with(7, "ZZ,high,high,high"), 7, "state", "unknown USPS state code 'ZZ'"),
        (_geo_with(8, "AL,high,high,high"), 8, "state", "AL listed twice"),
        ("\n".join(GEO_TEXT.splitlines()[:-2]) + "\n", 56, "state", "no rows for AS, MP"),
        (GEO_TEXT.splitlines()[0] + "\n", 2, "state", "no rows for " + ", ".join(sorted(ALL_AREAS))),
    ],
)
def test_malformed_geo_features_name_file_line_and_column(text, line, column, reason):
    with pytest.raises(ReferenceDataError) as caught:
        load_geo_features(text, path="geo.csv")
    assert (caught.value.path, caught.value.line, caught.value.column, caught.value.reason) == (
        "geo.csv",
        line,
        column,
        reason,
    )


@pytest.mark.parametrize(
    "text, line, column, reason",
    [
        ("", 1, "header", "expected 'vertical,urgency,ticket_size,maturity', got an empty file"),
        ("vertical,urgency,ticket_size,maturity\n", 2, "vertical", "no verticals: the file has a header but no rows"),
        (
            "vertical,urgency,ticket_size,maturity\nhvac,high,high,high\nHVAC Repair,high,high,high\n",
            3,
            "vertical",
            "expected a lower_snake_case name, got 'HVAC Repair'",
        ),
        (
            "vertical,urgency,ticket_size,maturity\nhvac,high,high,high\nhvac,low,low,low\n",
            3,
            "vertical",
            "hvac listed twice",
        ),
        (
            "vertical,urgency,ticket_size,maturity\nhvac,high,huge,high\n",
            2,
            "ticket_size",
            "expected one of high, low, medium, got 'huge'",
        ),
        (
            "vertical,urgency,ticket_size,maturity\nhvac,high,high,high,x\n",
            2,
            "(extra)",
            "the row has 5 columns, expected 4",
        ),
    ],
)
def test_malformed_vertical_features_name_file_line_and_column(text, line, column, reason):
    with pytest.raises(ReferenceDataError) as caught:
        load_vertical_features(text, path="verticals.csv")
    assert (caught.value.path, caught.value.line, caught.value.column, caught.value.reason) == (
        "verticals.csv",
        line,
        column,
        reason,
    )
    assert str(caught.value) == f"verticals.csv:{line}: column {column!r}: {reason}"


def test_a_bad_second_file_builds_no_assigner_and_leaves_the_current_one_intact():
    current = BucketAssigner.from_csv(GEO_TEXT, VERTICAL_TEXT)
    with pytest.raises(ReferenceDataError, match=r"verticals.csv:2: column 'urgency'"):
        BucketAssigner.from_csv(
            GEO_TEXT, "vertical,urgency,ticket_size,maturity\nhvac,urgent,high,high\n", vertical_path="verticals.csv"
        )
    assert current.assign("TX", None, "hvac") == ASSIGNER.assign("TX", None, "hvac")


def test_a_bad_geo_file_is_named_by_its_path_when_loaded_through_from_csv():
    with pytest.raises(ReferenceDataError) as caught:
        BucketAssigner.from_csv(_geo_with(7, "ZZ,high,high,high"), VERTICAL_TEXT, geo_path="regional/geo.csv")
    assert str(caught.value) == "regional/geo.csv:7: column 'state': unknown USPS state code 'ZZ'"


def test_the_assigner_keeps_its_own_copy_of_the_feature_tables():
    geo = dict(load_geo_features(GEO_TEXT))
    verticals = {"hvac": VerticalBucket(Level.HIGH, Level.HIGH, Level.HIGH)}
    assigner = BucketAssigner(geo, verticals)
    geo.clear()
    verticals.clear()
    assert assigner.assign("TX", None, "hvac").vertical == "high-high-high"
    assert assigner.geo_bucket("TX") != UNKNOWN_BUCKET
