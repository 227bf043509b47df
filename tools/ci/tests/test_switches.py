import pytest

from tools.ci.switches import SWITCHES, SwitchError, main, read_switch, read_switches, shell_exports


def test_the_seven_documented_switches_exist_in_order():
    assert list(SWITCHES) == [
        "TEST_COVERAGE_ENFORCEMENT",
        "TEST_PARALLEL_EXECUTION",
        "TEST_PERFORMANCE_MONITORING",
        "TEST_FLAKY_DETECTION",
        "COVERAGE_PR_COMMENTS",
        "COVERAGE_TREND_TRACKING",
        "COVERAGE_MODULE_REPORTS",
    ]


@pytest.mark.parametrize("environment", [{}, {"TEST_PARALLEL_EXECUTION": ""}])
def test_a_switch_is_true_when_unset_or_empty(environment):
    assert read_switch("TEST_PARALLEL_EXECUTION", environment) is True


@pytest.mark.parametrize("raw, value", [("true", True), ("false", False)])
def test_a_switch_reads_true_and_false(raw, value):
    assert read_switch("COVERAGE_PR_COMMENTS", {"COVERAGE_PR_COMMENTS": raw}) is value


@pytest.mark.parametrize("raw", ["0", "no", "False", "TRUE", "yes", " true"])
def test_any_other_value_is_refused_naming_the_switch_and_value(raw):
    with pytest.raises(SwitchError, match=rf"COVERAGE_TREND_TRACKING={raw!r}: expected true or false"):
        read_switch("COVERAGE_TREND_TRACKING", {"COVERAGE_TREND_TRACKING": raw})


def test_an_unknown_switch_name_is_refused_listing_the_switches():
    with pytest.raises(
        SwitchError, match="TEST_COVERAGE is not a CI switch; the switches are TEST_COVERAGE_ENFORCEMENT"
    ):
        read_switch("TEST_COVERAGE", {})


def test_read_switches_checks_every_switch():
    with pytest.raises(SwitchError, match="COVERAGE_MODULE_REPORTS='off'"):
        read_switches({"TEST_PARALLEL_EXECUTION": "false", "COVERAGE_MODULE_REPORTS": "off"})


def test_shell_exports_normalize_every_switch_with_defaults_filled_in():
    exports = shell_exports(read_switches({"TEST_PARALLEL_EXECUTION": "false"}))
    assert exports.splitlines() == [
        "export TEST_COVERAGE_ENFORCEMENT=true",
        "export TEST_PARALLEL_EXECUTION=false",
        "export TEST_PERFORMANCE_MONITORING=true",
        "export TEST_FLAKY_DETECTION=true",
        "export COVERAGE_PR_COMMENTS=true",
        "export COVERAGE_TREND_TRACKING=true",
        "export COVERAGE_MODULE_REPORTS=true",
    ]


def test_cli_prints_one_switch_value(capsys):
    assert main(["TEST_FLAKY_DETECTION"], {"TEST_FLAKY_DETECTION": "false"}) == 0
    assert capsys.readouterr().out == "false\n"


def test_cli_exits_2_with_the_reason_on_a_bad_value(capsys):
    assert main(["--shell"], {"TEST_PERFORMANCE_MONITORING": "maybe"}) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "switches: TEST_PERFORMANCE_MONITORING='maybe': expected true or false (unset means true)\n"


def test_cli_without_arguments_is_a_usage_error(capsys):
    assert main([], {}) == 2
    assert "python3 -m tools.ci.switches --shell" in capsys.readouterr().err
