import json

import pytest

from tools.ci.coverage_switches import TABLE_TITLE, failing_tests, filter_module_rows, main, outcome
from tools.ci.switches import SwitchError

TABLE = f"""INFO: From CoverageReport _coverage/_coverage_report.dat:
{TABLE_TITLE}
module                   lines      branches    cover   floor  verdict
----------------------------------------------------------------------
d0_gateway           1900/1950       400/420   97.05%      90%  ok
testing                190/200         40/60   88.46%      90%  FAIL
----------------------------------------------------------------------
TOTAL                2090/2150       440/480   96.20%      90%  ok
lcov report: /out/_coverage/_coverage_report.dat
""".splitlines(keepends=True)

OFF = {"TEST_COVERAGE_ENFORCEMENT": "false"}


def summary(tmp_path, *rows):
    path = tmp_path / "coverage_summary.json"
    path.write_text(json.dumps([{"module": m, "percent": p, "floor": f, "verdict": v} for m, p, f, v in rows]))
    return str(path)


def test_filter_drops_the_module_rows_and_keeps_title_header_and_total():
    assert "".join(filter_module_rows(TABLE)) == "".join(TABLE[:4] + TABLE[7:])


def test_filter_leaves_other_output_alone():
    lines = ["INFO: Build completed successfully\n", "d0_gateway  1/2  ok\n"]
    assert list(filter_module_rows(lines)) == lines


def test_failing_tests_are_read_from_bazels_summary():
    log = [
        "//a/tests:a_test                            PASSED in 3.0s\n",
        "//b/tests:b_test                            FAILED in 2.1s\n",
        "//c/tests:c_test                            TIMEOUT in 60.0s\n",
        "  /root/.cache/.../test.log\n",
    ]
    assert failing_tests(log) == ["//b/tests:b_test", "//c/tests:c_test"]


def test_enforcement_on_keeps_bazels_status(tmp_path):
    path = summary(tmp_path, ("testing", 88.46, 90, "FAIL"))
    assert outcome(1, path, [], {}) == (1, [])


def test_enforcement_off_turns_a_floor_only_failure_into_success_with_a_warning_naming_each_shortfall(tmp_path):
    path = summary(
        tmp_path, ("d0_gateway", 97.05, 90, "ok"), ("testing", 88.46, 90, "FAIL"), ("TOTAL", 80.0, 85, "FAIL")
    )
    status, warnings = outcome(1, path, [], OFF)
    assert status == 0
    assert (
        warnings[1]
        == "TEST_COVERAGE_ENFORCEMENT=false: coverage floors NOT enforced; this run would FAIL with them on:"
    )
    assert warnings[2:4] == [
        "  testing is at 88.46%, under its floor of 90%",
        "  TOTAL is at 80.00%, under its floor of 85%",
    ]


@pytest.mark.parametrize("bazel_exit", [3, 2, 4])
def test_enforcement_off_keeps_other_failures(tmp_path, bazel_exit):
    path = summary(tmp_path, ("testing", 88.46, 90, "FAIL"))
    assert outcome(bazel_exit, path, [], OFF) == (bazel_exit, [])


def test_enforcement_off_keeps_the_failure_when_a_test_failed_too(tmp_path):
    path = summary(tmp_path, ("testing", 88.46, 90, "FAIL"))
    assert outcome(1, path, ["//b/tests:b_test     FAILED in 2.1s\n"], OFF) == (1, [])


def test_enforcement_off_keeps_a_failure_with_no_floor_under(tmp_path):
    assert outcome(1, summary(tmp_path, ("testing", 95.0, 90, "ok")), [], OFF) == (1, [])
    assert outcome(1, str(tmp_path / "missing.json"), [], OFF) == (1, [])


def test_a_bad_switch_value_is_refused(tmp_path):
    with pytest.raises(SwitchError, match="TEST_COVERAGE_ENFORCEMENT='off'"):
        outcome(1, str(tmp_path / "s.json"), [], {"TEST_COVERAGE_ENFORCEMENT": "off"})


def test_cli_outcome_prints_the_warning_and_exits_0(tmp_path, capsys):
    path = summary(tmp_path, ("testing", 88.46, 90, "FAIL"))
    log = tmp_path / "bazel.log"
    log.write_text("//a/tests:a_test   PASSED in 3.0s\n")
    assert main(["outcome", "--bazel-exit", "1", "--summary", path, "--bazel-log", str(log)], OFF) == 0
    assert "testing is at 88.46%, under its floor of 90%" in capsys.readouterr().err
