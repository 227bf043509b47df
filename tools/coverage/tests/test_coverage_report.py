import json
import shutil
import subprocess

import pytest

from tools.coverage.build_policy import CoveragePolicy, ModulePolicy
from tools.coverage.coverage_report import (
    CoverageReportError,
    ModuleResult,
    evaluate,
    format_table,
    main,
    module_ran_fully,
    targets_that_ran,
)
from tools.coverage.lcov import merge, parse_lcov
from tools.coverage.unmeasured import unmeasured_file

SOURCE = """def covered(x):
    if x:
        return 1
    return 2


def never_called(y):
    for item in y:
        print(item)
"""

COVERED_LCOV = """SF:mod_a/core.py
DA:1,1
DA:2,1
DA:3,1
DA:4,0
BRDA:2,0,0,1
BRDA:2,0,1,-
end_of_record
"""


@pytest.fixture
def workspace(tmp_path):
    root = tmp_path / "ws"
    (root / "mod_a" / "tests").mkdir(parents=True)
    (root / "mod_a" / "core.py").write_text(SOURCE)
    (root / "mod_a" / "extra.py").write_text("VALUE = 1\nOTHER = 2\n")
    return root


def module_a(floor_a=50):
    return ModulePolicy(
        module="mod_a",
        floor=floor_a,
        build_file="mod_a/BUILD.bazel",
        sources=("mod_a/core.py", "mod_a/extra.py"),
        test_targets=("mod_a/tests:core_test",),
    )


def policy(floor_a=50, total=50, *more):
    return CoveragePolicy(modules=(module_a(floor_a), *more), total_floor=total, total_build_file="BUILD.bazel")


def write_build_files(workspace, floor_a, total):
    (workspace / "WORKSPACE").write_text('workspace(name = "t")\n')
    (workspace / "BUILD.bazel").write_text(
        f'coverage_policy(name = "coverage_policy", modules = ["//mod_a:coverage_floor"], total_floor = {total})\n'
    )
    (workspace / "mod_a" / "BUILD.bazel").write_text(
        f'coverage_floor(name = "coverage_floor", floor = {floor_a}, srcs = [":mod_a"])\n'
    )
    (workspace / "mod_a" / "tests" / "BUILD.bazel").write_text(
        'py_pytest_test(name = "core_test", srcs = ["test_core.py"])\n'
    )


def test_a_file_no_test_imports_counts_at_zero_percent(workspace):
    merged = merge(parse_lcov(COVERED_LCOV))
    results = evaluate(policy(), merged, str(workspace))
    assert merged["mod_a/extra.py"].lines == {1: 0, 2: 0}
    assert results[0].lines_found == 4 + 2
    assert results[0].lines_hit == 3


def test_unmeasured_file_counts_statements_and_branches_like_coverage_py(workspace):
    record = unmeasured_file("mod_a/core.py", str(workspace / "mod_a" / "core.py"))
    assert sorted(record.lines) == [1, 2, 3, 4, 7, 8, 9]
    assert record.lines_hit == 0
    assert record.branches_found == 4  # `if x` and `for item in y` each go two ways
    assert record.branches_hit == 0


def test_module_under_its_floor_fails_with_its_figure(workspace):
    results = evaluate(policy(floor_a=90), merge(parse_lcov(COVERED_LCOV)), str(workspace))
    assert [r.module for r in results if not r.passed] == ["mod_a"]


def test_total_row_checks_the_overall_floor(workspace):
    results = evaluate(policy(floor_a=0, total=99), merge(parse_lcov(COVERED_LCOV)), str(workspace))
    assert results[-1].module == "TOTAL"
    assert not results[-1].passed


def test_percent_combines_lines_and_branches():
    result = ModuleResult("m", 80, "m/BUILD.bazel", lines_found=8, lines_hit=6, branches_found=2, branches_hit=2)
    assert result.percent == 80.0
    assert result.passed


def test_module_without_code_counts_as_fully_covered():
    assert ModuleResult("m", 90, "m/BUILD.bazel", 0, 0, 0, 0).percent == 100.0


def test_table_shows_each_module_with_floor_and_verdict():
    table = format_table([ModuleResult("mod_a", 90, "b", 10, 5, 0, 0), ModuleResult("TOTAL", 80, "b", 10, 5, 0, 0)])
    assert "mod_a" in table and "50.00%" in table and "FAIL" in table and "TOTAL" in table


def _run_main(workspace, tmp_path, capsys, floor_a):
    report = tmp_path / "coverage.dat"
    report.write_text(COVERED_LCOV)
    reports_file = tmp_path / "reports.txt"
    reports_file.write_text(f"{report}\n")
    write_build_files(workspace, floor_a, total=0)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code = main(
        [
            f"--reports_file={reports_file}",
            f"--output_file={out_dir / '_coverage_report.dat'}",
            f"--source_root={workspace}",
            "--no_html",
        ]
    )
    return code, capsys.readouterr(), out_dir


def test_report_exits_non_zero_naming_the_module_and_its_floor(workspace, tmp_path, capsys):
    code, output, _ = _run_main(workspace, tmp_path, capsys, floor_a=95)
    assert code == 1
    assert "coverage FAILED: mod_a is at 50.00%, under its floor of 95% (set in mod_a/BUILD.bazel)" in output.err


def test_report_passes_and_writes_the_merged_tracefile(workspace, tmp_path, capsys):
    code, output, out_dir = _run_main(workspace, tmp_path, capsys, floor_a=50)
    assert code == 0
    assert "mod_a" in output.out
    merged = (out_dir / "_coverage_report.dat").read_text()
    assert "SF:mod_a/extra.py" in merged
    summary = json.loads((out_dir / "coverage_summary.json").read_text())
    assert [row["module"] for row in summary] == ["mod_a", "TOTAL"]


@pytest.mark.skipif(
    shutil.which("genhtml") is None, reason="genhtml (Debian lcov) not installed; tools/bazel installs it"
)
def test_genhtml_reads_the_combined_report(workspace, tmp_path, capsys):
    _code, _output, out_dir = _run_main(workspace, tmp_path, capsys, floor_a=0)
    result = subprocess.run(
        [
            "genhtml",
            "--branch-coverage",
            "--output-directory",
            str(tmp_path / "html"),
            str(out_dir / "_coverage_report.dat"),
        ],
        cwd=workspace,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "html" / "index.html").exists()


def _two_module_policy(workspace):
    (workspace / "mod_b").mkdir()
    (workspace / "mod_b" / "core.py").write_text("def untested():\n    return 1\n")
    mod_b = ModulePolicy("mod_b", 90, "mod_b/BUILD.bazel", ("mod_b/core.py",), ("mod_b/tests:b_test",))
    return policy(50, 50, mod_b)


TESTLOGS = "bazel-out/k8-fastbuild/testlogs"


def test_targets_that_ran_are_read_from_where_bazel_keeps_each_tests_report():
    paths = [
        f"{TESTLOGS}/mod_a/tests/core_test/coverage.dat",
        f"{TESTLOGS}/mod_a/tests/big_test/shard_1_of_2/coverage.dat",
    ]
    assert targets_that_ran(paths) == ["mod_a/tests/core_test", "mod_a/tests/big_test/shard_1_of_2"]


def test_module_ran_fully_only_when_every_one_of_its_test_targets_has_a_report():
    targets = ("mod_a/tests:core_test", "mod_a/tests:big_test")
    assert module_ran_fully(targets, ["mod_a/tests/core_test", "mod_a/tests/big_test/shard_1_of_2"])
    assert not module_ran_fully(targets, ["mod_a/tests/core_test"])


def test_a_target_whose_name_prefixes_another_does_not_count_as_run():
    assert not module_ran_fully(("mod_a/tests:core",), ["mod_a/tests/core_test"])


def test_module_without_test_targets_is_never_judged_from_a_partial_run():
    assert not module_ran_fully((), ["mod_a/tests/core_test"])


def test_module_whose_tests_did_not_all_run_is_reported_but_not_judged(workspace):
    merged = merge(parse_lcov(COVERED_LCOV))
    results = evaluate(_two_module_policy(workspace), merged, str(workspace), ran=["mod_a/tests/core_test"])
    mod_b = next(r for r in results if r.module == "mod_b")
    assert (mod_b.judged, mod_b.passed, mod_b.verdict) == (False, True, "not judged")
    assert "not judged" in format_table(results)


def test_files_of_a_module_not_judged_are_not_added_at_zero_percent(workspace):
    merged = merge(parse_lcov(COVERED_LCOV))
    evaluate(_two_module_policy(workspace), merged, str(workspace), ran=["mod_a/tests/core_test"])
    assert "mod_b/core.py" not in merged
    assert "mod_a/extra.py" in merged


def test_total_is_the_whole_combined_report_when_the_run_is_partial(workspace):
    merged = merge(parse_lcov(COVERED_LCOV))
    total = evaluate(_two_module_policy(workspace), merged, str(workspace), ran=["mod_a/tests/core_test"])[-1]
    assert (total.lines_hit, total.lines_found) == (3, 6)  # mod_a/core.py 3/4 + mod_a/extra.py 0/2
    assert sum(f.lines_found for f in merged.values()) == total.lines_found
    assert not total.judged


def test_every_module_is_judged_when_all_their_test_targets_ran(workspace):
    merged = merge(parse_lcov(COVERED_LCOV + "SF:mod_b/core.py\nend_of_record\n"))
    results = evaluate(
        _two_module_policy(workspace), merged, str(workspace), ran=["mod_a/tests/core_test", "mod_b/tests/b_test"]
    )
    assert [r.verdict for r in results] == ["ok", "FAIL", "FAIL"]


def test_missing_source_file_is_reported_with_its_module_and_build_file(workspace):
    (workspace / "mod_a" / "extra.py").unlink()
    with pytest.raises(
        CoverageReportError, match=r"mod_a/extra.py is a source of mod_a \(coverage_floor in mod_a/BUILD.bazel\)"
    ):
        evaluate(policy(), merge(parse_lcov(COVERED_LCOV)), str(workspace))


def test_summary_reads_back_the_rows_the_report_wrote(workspace, tmp_path, capsys):
    _code, _output, out_dir = _run_main(workspace, tmp_path, capsys, floor_a=95)
    rows = json.loads((out_dir / "coverage_summary.json").read_text())
    assert [(row["module"], row["verdict"], row["percent"]) for row in rows] == [
        ("mod_a", "FAIL", 50.0),
        ("TOTAL", "ok", 50.0),
    ]


def test_table_shows_no_percentage_for_a_module_this_run_did_not_measure():
    table = format_table([ModuleResult("mod_b", 90, "b", 0, 0, 0, 0, judged=False)])
    assert table.splitlines()[-1].split() == ["mod_b", "0/0", "0/0", "-", "90%", "not", "judged"]


def test_an_instrumented_file_no_test_imported_is_filled_in_at_zero_percent(workspace):
    merged = merge(parse_lcov(COVERED_LCOV + "SF:mod_a/extra.py\nend_of_record\n"))
    evaluate(policy(), merged, str(workspace), ran=[])
    assert merged["mod_a/extra.py"].lines == {1: 0, 2: 0}


def test_a_module_whose_files_were_not_instrumented_is_not_judged_even_when_its_tests_ran(workspace):
    results = evaluate(policy(floor_a=99), {}, str(workspace), ran=["mod_a/tests/core_test"])
    assert (results[0].judged, results[0].lines_found, results[0].verdict) == (False, 0, "not judged")
    assert results[0].passed
