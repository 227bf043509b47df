import pytest

from tools.coverage.lcov import FileCoverage, LcovError, format_lcov, merge, parse_lcov

TEST_A = """TN:
SF:pkg/mod.py
FN:1,run
FNDA:1,run
BRDA:2,0,0,1
BRDA:2,0,1,-
DA:1,1
DA:2,1
DA:3,0
end_of_record
"""
TEST_B = """SF:pkg/mod.py
FN:1,run
FNDA:2,run
BRDA:2,0,0,-
BRDA:2,0,1,1
DA:1,1
DA:2,0
DA:3,4
end_of_record
"""


def test_merging_two_tests_sums_hits_per_line_and_branch():
    merged = merge(parse_lcov(TEST_A) + parse_lcov(TEST_B))["pkg/mod.py"]
    assert merged.lines == {1: 2, 2: 1, 3: 4}
    assert merged.branches == {(2, 0, 0): 1, (2, 0, 1): 1}
    assert merged.function_hits == {"run": 3}
    assert (merged.lines_hit, merged.lines_found, merged.branches_hit, merged.branches_found) == (3, 3, 2, 2)


def test_written_tracefile_reads_back_to_the_same_figures():
    merged = merge(parse_lcov(TEST_A) + parse_lcov(TEST_B))
    again = merge(parse_lcov(format_lcov(merged.values())))
    assert again == merged


def test_written_tracefile_has_the_totals_genhtml_expects():
    text = format_lcov(parse_lcov(TEST_A))
    assert "LF:3" in text and "LH:2" in text and "BRF:2" in text and "BRH:1" in text and "FNF:1" in text


def test_branch_of_a_line_that_never_ran_is_written_as_dash():
    assert "BRDA:2,0,1,-" in format_lcov(parse_lcov(TEST_A))


def test_branch_that_ran_but_was_not_taken_stays_zero_when_merged_with_a_run_that_never_reached_it():
    ran_not_taken = "SF:a.py\nBRDA:4,0,1,0\nDA:4,1\nend_of_record\n"
    never_reached = "SF:a.py\nBRDA:4,0,1,-\nDA:4,0\nend_of_record\n"
    merged = merge(parse_lcov(ran_not_taken) + parse_lcov(never_reached))["a.py"]
    assert merged.branches == {(4, 0, 1): 0}
    assert "BRDA:4,0,1,0" in format_lcov([merged])


def test_branch_stays_dash_when_no_run_reached_its_line():
    never_reached = "SF:a.py\nBRDA:4,0,1,-\nDA:4,0\nend_of_record\n"
    merged = merge(parse_lcov(never_reached) + parse_lcov(never_reached))["a.py"]
    assert merged.branches == {(4, 0, 1): None}
    assert merged.branches_hit == 0 and merged.branches_found == 1
    assert "BRDA:4,0,1,-" in format_lcov([merged])


def test_bad_record_names_the_file_and_line():
    with pytest.raises(LcovError, match=r"t\.dat:3: cannot read 'DA:x,1'"):
        parse_lcov("SF:a.py\nDA:1,1\nDA:x,1\nend_of_record\n", origin="t.dat")


def test_record_outside_a_file_section_is_rejected():
    with pytest.raises(LcovError, match="outside SF"):
        parse_lcov("DA:1,1\n", origin="t.dat")


def test_empty_input_gives_an_empty_tracefile():
    assert parse_lcov("") == []
    assert format_lcov([]) == ""


def test_file_coverage_counts_only_hit_lines_as_hit():
    record = FileCoverage(path="x.py", lines={1: 0, 2: 3})
    assert (record.lines_found, record.lines_hit) == (2, 1)
