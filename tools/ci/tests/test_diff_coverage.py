from hypothesis import given, settings
from hypothesis import strategies as st

from tools.ci.diff_coverage import diff_coverage
from tools.coverage.lcov import FileCoverage


def coverage_of(path, lines, branches=None):
    return {path: FileCoverage(path=path, lines=dict(lines), branches=dict(branches or {}))}


def test_changed_lines_count_only_where_coverage_measures_them():
    coverage = coverage_of("m/a.py", {1: 1, 2: 0, 3: 4})
    result = diff_coverage({"m/a.py": frozenset({2, 3, 50})}, coverage)
    assert (result.hit, result.found) == (1, 2)
    assert result.files[0].uncovered_lines == frozenset({2})


def test_untaken_branch_on_a_changed_line_is_reported_as_partial():
    coverage = coverage_of("m/a.py", {5: 3, 6: 3}, {(5, 0, 0): 3, (5, 0, 1): 0})
    result = diff_coverage({"m/a.py": frozenset({5})}, coverage)
    assert result.files[0].partial_lines == frozenset({5})
    assert (result.hit, result.found) == (2, 3)


def test_files_without_coverage_data_are_listed_and_not_counted():
    result = diff_coverage({"m/tests/test_a.py": frozenset({1})}, coverage_of("m/a.py", {1: 0}))
    assert result.unmeasured_files == ("m/tests/test_a.py",)
    assert result.percent is None


def test_change_touching_no_measured_line_meets_any_floor():
    result = diff_coverage({"m/a.py": frozenset({99})}, coverage_of("m/a.py", {1: 0}))
    assert result.meets(100.0)


def test_change_under_the_floor_does_not_meet_it():
    result = diff_coverage({"m/a.py": frozenset({1, 2})}, coverage_of("m/a.py", {1: 1, 2: 0}))
    assert result.percent == 50.0
    assert not result.meets(90.0)


@settings(max_examples=50)
@given(
    hits=st.dictionaries(st.integers(1, 60), st.integers(0, 3), max_size=40),
    changed=st.frozensets(st.integers(1, 80), max_size=40),
)
def test_diff_coverage_is_a_percentage_of_the_measured_changed_lines(hits, changed):
    result = diff_coverage({"m/a.py": changed}, coverage_of("m/a.py", hits))
    measured = changed & set(hits)
    assert result.found == len(measured)
    assert result.hit == sum(1 for line in measured if hits[line] > 0)
    if result.percent is not None:
        assert 0.0 <= result.percent <= 100.0
