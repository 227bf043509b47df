import pytest
from hypothesis import given
from hypothesis import strategies as st

from d1_targeting import (
    ALL_CODES,
    GeoValidationError,
    ReferenceDataError,
    check_zip_in_state,
    load_zip3_table,
    normalize_state,
    normalize_zip,
    state_for_zip,
    zip3_table,
)


@pytest.mark.parametrize(
    "zip_code, state", [("10001", "NY"), ("90210", "CA"), ("60601-1234", "IL"), ("00901", "PR"), ("99501", "AK")]
)
def test_known_zip_codes_map_to_their_state(zip_code, state):
    assert state_for_zip(zip_code) == state


@pytest.mark.parametrize("bad", ["1234", "123456", "ABCDE", "12345-12", " ", "12345-"])
def test_malformed_zip_is_rejected_naming_the_value(bad):
    with pytest.raises(GeoValidationError, match="malformed ZIP code"):
        normalize_zip(bad)


def test_non_text_zip_is_rejected():
    with pytest.raises(GeoValidationError, match="must be text"):
        normalize_zip(10001)  # type: ignore[arg-type]  # not text, on purpose


def test_unassigned_prefix_is_rejected_naming_the_prefix():
    with pytest.raises(
        GeoValidationError, match="^ZIP code '00012' has prefix 000, which is not assigned to any state$"
    ):
        state_for_zip("00012")


def test_zip_outside_its_state_is_reported_with_both_states():
    with pytest.raises(GeoValidationError, match=r"'10001' is in NY, not in NJ"):
        check_zip_in_state("10001", "New Jersey")


def test_zip_inside_its_state_passes():
    check_zip_in_state("07030", "nj")


@pytest.mark.parametrize(
    "value, code", [("ny", "NY"), ("New  York", "NY"), ("district of columbia", "DC"), ("GU", "GU")]
)
def test_state_names_and_codes_normalize_to_usps_codes(value, code):
    assert normalize_state(value) == code


@pytest.mark.parametrize("bad", ["", "Atlantis", "XX", None])
def test_unknown_state_is_rejected(bad):
    with pytest.raises(GeoValidationError):
        normalize_state(bad)


@given(st.sampled_from(sorted(zip3_table())), st.integers(min_value=0, max_value=99))
def test_every_valid_zip_maps_to_exactly_one_known_state(prefix, suffix):
    state = state_for_zip(f"{prefix}{suffix:02d}")
    assert state in ALL_CODES
    assert [code for code in ALL_CODES if code == state] == [state]


@pytest.mark.parametrize(
    "text, line, column, reason",
    [
        ("zip,state\n100,NY\n", 1, "header", "expected 'zip3,state', got ['zip', 'state']"),
        ("zip3,state\n100,NY\n10,NY\n", 3, "zip3", "expected 3 digits, got '10'"),
        ("zip3,state\n100,NY\n101,ZZ\n", 3, "state", "unknown USPS state code 'ZZ'"),
        ("zip3,state\n100,NY\n100,NY\n", 3, "zip3", "prefix 100 listed twice"),
    ],
)
def test_malformed_reference_data_names_file_line_and_column(text, line, column, reason):
    with pytest.raises(ReferenceDataError) as caught:
        load_zip3_table(text, path="zips.csv")
    assert (caught.value.path, caught.value.line, caught.value.column) == ("zips.csv", line, column)
    assert str(caught.value) == f"zips.csv:{line}: column {column!r}: {reason}"


def test_loaded_zip3_table_maps_each_prefix_to_its_state_when_the_data_is_valid():
    assert dict(load_zip3_table("zip3,state\n100,NY\n750,TX\n")) == {"100": "NY", "750": "TX"}
