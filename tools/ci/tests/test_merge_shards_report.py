import json

import pytest

from tools.ci.merge_shards import main
from tools.ci.shard import ShardSpec, write_bundle
from tools.coverage import coverage_report

A_TEST, A2_TEST, B_TEST = "//mod_a/tests:core_test", "//mod_a/tests:more_test", "//mod_b/tests:io_test"
ALL = [A_TEST, A2_TEST, B_TEST]

# What each test target measured (lcov, workspace-relative as our pytest runner writes it).
COVERAGE = {
    A_TEST: "SF:mod_a/core.py\nDA:1,1\nDA:2,1\nDA:3,0\nBRDA:2,0,0,1\nBRDA:2,0,1,0\nend_of_record\n",
    A2_TEST: "SF:mod_a/core.py\nDA:1,1\nDA:3,1\nend_of_record\n",
    B_TEST: "SF:mod_b/io.py\nDA:1,1\nDA:2,0\nend_of_record\n",
}
JUNIT = '<testsuites><testsuite name="s" time="1.5"><testcase name="t"/></testsuite></testsuites>'


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def workspace(tmp_path):
    """Two modules with their floors in BUILD files: mod_a (two test targets) and mod_b (one)."""
    root = tmp_path / "ws"
    write(root / "WORKSPACE", 'workspace(name = "t")\n')
    write(
        root / "BUILD.bazel",
        'coverage_policy(name = "p", modules = ["//mod_a:coverage_floor", "//mod_b:coverage_floor"], '
        "total_floor = 50)\n",
    )
    write(root / "mod_a" / "core.py", "A = 1\nif A:\n    B = 2\n")
    write(root / "mod_b" / "io.py", "C = 1\nD = 2\n")
    set_floors(root, floor_a=80, floor_b=50)
    write(
        root / "mod_a" / "tests" / "BUILD.bazel",
        'py_pytest_test(name = "core_test", srcs = ["test_core.py"], category = "unit")\n'
        'py_pytest_test(name = "more_test", srcs = ["test_more.py"], category = "unit")\n',
    )
    write(
        root / "mod_b" / "tests" / "BUILD.bazel",
        'py_pytest_test(name = "io_test", srcs = ["test_io.py"], category = "unit")\n',
    )
    return root


def set_floors(root, floor_a, floor_b):
    write(root / "mod_a" / "BUILD.bazel", f'coverage_floor(name = "coverage_floor", floor = {floor_a})\n')
    write(root / "mod_b" / "BUILD.bazel", f'coverage_floor(name = "coverage_floor", floor = {floor_b})\n')


def bazel_testlogs(folder, labels):
    """A testlogs tree as Bazel leaves it after `bazel coverage` of `labels`."""
    for label in labels:
        package, _, name = label.lstrip("/").partition(":")
        write(folder / package / name / "test.xml", JUNIT)
        write(folder / package / name / "coverage.dat", COVERAGE[label])
    return folder


def shard_bundles(tmp_path, shards):
    """Runs each shard's bundle step as `.ci/run --shard I/N` does; returns the bundle folders."""
    folders = []
    for index, labels in enumerate(shards, start=1):
        logs = bazel_testlogs(tmp_path / f"machine{index}" / "testlogs", labels)
        folder = tmp_path / f"shard-{index}"
        write_bundle(str(logs), ShardSpec(index, len(shards)), labels, ALL, str(folder))
        folders.append(str(folder))
    return folders


def single_machine_summary(tmp_path, workspace):
    """coverage_summary.json of one `bazel coverage` of every target (the report Bazel runs at its end)."""
    logs = bazel_testlogs(tmp_path / "single" / "bazel-out" / "testlogs", ALL)
    reports = tmp_path / "single" / "reports.txt"
    reports.write_text("".join(f"{path}\n" for path in sorted(logs.rglob("coverage.dat"))))
    output = tmp_path / "single" / "_coverage" / "_coverage_report.dat"
    output.parent.mkdir(parents=True)
    code = coverage_report.main(
        [f"--reports_file={reports}", f"--output_file={output}", f"--source_root={workspace}", "--no_html"]
    )
    return code, json.loads((output.parent / "coverage_summary.json").read_text()), output.read_text()


def merge(tmp_path, workspace, folders):
    out = tmp_path / "merged"
    code = main(["--out", str(out), "--source-root", str(workspace), "--no-html", *folders])
    return code, out


def test_merged_verdict_and_figures_equal_one_machine_running_every_target(tmp_path, workspace):
    single_code, single_summary, single_lcov = single_machine_summary(tmp_path, workspace)
    code, out = merge(tmp_path, workspace, shard_bundles(tmp_path, [[A_TEST, B_TEST], [A2_TEST]]))
    assert code == single_code == 0
    assert json.loads((out / "coverage" / "coverage_summary.json").read_text()) == single_summary
    assert (out / "coverage" / "_coverage_report.dat").read_text() == single_lcov


def test_merged_report_judges_a_module_whose_test_targets_ran_on_different_machines(tmp_path, workspace):
    code, out = merge(tmp_path, workspace, shard_bundles(tmp_path, [[A_TEST, B_TEST], [A2_TEST]]))
    rows = {row["module"]: row for row in json.loads((out / "coverage" / "coverage_summary.json").read_text())}
    assert rows["mod_a"]["judged"] is True
    assert (rows["mod_a"]["lines_hit"], rows["mod_a"]["lines_found"]) == (3, 3)
    assert rows["TOTAL"]["verdict"] == "ok"


def test_module_under_its_floor_in_one_shard_fails_the_merged_verdict(tmp_path, workspace, capsys):
    set_floors(workspace, floor_a=80, floor_b=90)  # mod_b (shard 2 only) measures 50%
    code, _ = merge(tmp_path, workspace, shard_bundles(tmp_path, [[A_TEST, A2_TEST], [B_TEST]]))
    assert code == 1
    assert "coverage FAILED: mod_b is at 50.00%, under its floor of 90%" in capsys.readouterr().err


def test_merge_writes_the_testlogs_every_later_ci_tool_reads(tmp_path, workspace):
    _, out = merge(tmp_path, workspace, shard_bundles(tmp_path, [[A_TEST], [A2_TEST, B_TEST]]))
    assert (out / "targets.txt").read_text().splitlines() == sorted(ALL)
    assert (out / "testlogs" / "mod_b" / "tests" / "io_test" / "test.xml").read_text() == JUNIT
    assert (out / "coverage_reports.txt").read_text().count("/testlogs/") == 3


def test_merge_exits_2_naming_the_missing_shard(tmp_path, workspace, capsys):
    folders = shard_bundles(tmp_path, [[A_TEST], [A2_TEST], [B_TEST]])
    code, _ = merge(tmp_path, workspace, [folders[0], folders[2]])
    assert code == 2
    assert "need shards 1..3 once each; missing [2], repeated none" in capsys.readouterr().err


def test_merge_exits_2_when_a_folder_is_no_bundle(tmp_path, workspace, capsys):
    code, _ = merge(tmp_path, workspace, [str(tmp_path)])
    assert code == 2
    assert "is not a shard bundle: no shard.json" in capsys.readouterr().err
