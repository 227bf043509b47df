import json

import pytest

from tools.ci.fixture_times import FixtureReportError, build_report, collect, format_markdown, main
from tools.ci.tests.testlogs_tree import write_outputs


def runner_file(target, fixtures, slowest=(), phases=(1.0, 2.0, 0.5)):
    """A fixture_times.json as tools/pytest_runner/fixture_times.py writes it."""
    return {
        "fixture_times.json": {
            "version": 1,
            "target": target,
            "tests": len(slowest),
            "phases": dict(zip(("setup", "call", "teardown"), phases, strict=True)),
            "fixtures": [
                {"name": n, "scope": s, "module": m, "setups": k, "seconds": sec, "max_seconds": mx}
                for n, s, m, k, sec, mx in fixtures
            ],
            "slowest_tests": [{"nodeid": nodeid, "seconds": sec} for nodeid, sec in slowest],
        }
    }


A, B = "//a/tests:a_test", "//b/tests:b_test"


@pytest.fixture
def testlogs(tmp_path):
    write_outputs(
        tmp_path,
        A,
        runner_file(
            A, [("gateway", "function", "a.conftest", 10, 3.0, 0.5), ("db", "session", "a.conftest", 1, 0.5, 0.5)]
        ),
        part="shard_1_of_2",
    )
    write_outputs(
        tmp_path,
        A,
        runner_file(A, [("gateway", "function", "a.conftest", 5, 1.0, 0.75)], slowest=[("a/t.py::test_x", 4.0)]),
        part="shard_2_of_2",
    )
    write_outputs(
        tmp_path,
        B,
        runner_file(B, [("fake_clock", "function", "testing.pytest_plugin", 4, 2.5, 1.0)], [("b/t.py::test_y", 1.0)]),
    )
    write_outputs(
        tmp_path,
        A.replace("a_test", "c_test"),
        runner_file("c", [("fake_clock", "function", "testing.pytest_plugin", 2, 1.0, 0.25)]),
    )
    return tmp_path


def test_shards_of_a_target_add_up_per_fixture(testlogs):
    targets, _ = collect(str(testlogs), [A])
    [target] = targets
    gateway = target.fixtures[("gateway", "function", "a.conftest")]
    assert (gateway.setups, gateway.seconds, gateway.max_seconds) == (15, 4.0, 0.75)
    assert target.phases == {"setup": 2.0, "call": 4.0, "teardown": 1.0}


def test_suite_ranks_fixtures_by_total_setup_seconds_across_targets(testlogs):
    targets, _ = collect(str(testlogs), [A, B, "//a/tests:c_test"])
    report = build_report(targets)
    assert [(f["name"], f["seconds"], f["setups"], f["targets"]) for f in report["fixtures"]] == [
        ("gateway", 4.0, 15, 1),
        ("fake_clock", 3.5, 6, 2),
        ("db", 0.5, 1, 1),
    ]
    assert report["fixture_setup_seconds"] == 8.0
    assert report["phases"] == {"setup": 4.0, "call": 8.0, "teardown": 2.0}


def test_slowest_tests_are_ranked_across_the_suite(testlogs):
    targets, _ = collect(str(testlogs), [A, B])
    assert build_report(targets)["slowest_tests"] == [
        {"target": A, "nodeid": "a/t.py::test_x", "seconds": 4.0},
        {"target": B, "nodeid": "b/t.py::test_y", "seconds": 1.0},
    ]


def test_per_target_figures_keep_each_targets_top_fixtures(testlogs):
    targets, _ = collect(str(testlogs), [A, B])
    per_target = build_report(targets)["per_target"]
    assert list(per_target) == [A, B]
    assert [f["name"] for f in per_target[A]["fixtures"]] == ["gateway", "db"]


def test_targets_without_timings_are_listed_as_missing(testlogs):
    targets, missing = collect(str(testlogs), [A, "//never:ran_test"])
    assert [t.label for t in targets] == [A] and missing == ["//never:ran_test"]
    assert "No fixture timings from: `//never:ran_test`" in format_markdown(build_report(targets), missing)


def test_markdown_names_the_slowest_fixture_first_with_its_figures(testlogs):
    targets, missing = collect(str(testlogs), [A, B])
    markdown = format_markdown(build_report(targets), missing)
    table = markdown.split("## Slowest fixtures across the suite (top 15, by total setup seconds)")[1]
    assert table.splitlines()[4] == "| `gateway` (function, a.conftest) | 15 | 4.000 | 0.750 | 1 |"


def test_a_file_in_another_format_is_refused_naming_the_target(tmp_path):
    write_outputs(tmp_path, A, {"fixture_times.json": {"version": 1, "fixtures": []}})
    with pytest.raises(FixtureReportError, match=f"{A}: fixture_times.json is not in the runner's format"):
        collect(str(tmp_path), [A])


def test_cli_writes_json_and_markdown_and_prints_the_top_fixture(testlogs, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["--testlogs", str(testlogs), "--out", str(out), A, B]) == 0
    assert json.loads((out / "fixture_times.json").read_text())["targets"] == 2
    assert (out / "fixture_times.md").read_text().startswith("# Fixture setup times\n")
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == f"fixture_times: 2 targets, fixture setup 7.00 s; {out}/fixture_times.md"
    assert printed[1] == "fixture_times:      4.000 s     15 setups  gateway (a.conftest)"


def test_cli_exits_2_on_a_malformed_file(tmp_path, capsys):
    write_outputs(tmp_path, A, {"fixture_times.json": []})
    assert main(["--testlogs", str(tmp_path), "--out", str(tmp_path / "r"), A]) == 2
    assert (
        "fixture_times: //a/tests:a_test: fixture_times.json is not in the runner's format" in capsys.readouterr().err
    )
