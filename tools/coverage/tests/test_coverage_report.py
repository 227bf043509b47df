import json
import shutil
import subprocess

import pytest

from tools.coverage.coverage_report import (
    CoverageReportError,
    ModuleResult,
    evaluate,
    format_table,
    main,
    modules_under_test,
)
from tools.coverage.lcov import merge, parse_lcov
from tools.coverage.module_table import main as show_summary
from tools.coverage.module_table import read_summary
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
    (tmp_path / "mod_a").mkdir()
    (tmp_path / "mod_a" / "core.py").write_text(SOURCE)
    (tmp_path / "mod_a" / "extra.py").write_text("VALUE = 1\nOTHER = 2\n")
    return tmp_path


def policy(floor_a=50, total=50):
    return {
        "total_floor": total,
        "total_build_file": "BUILD.bazel",
        "modules": [
            {
                "module": "mod_a",
                "floor": floor_a,
                "build_file": "mod_a/BUILD.bazel",
                "sources": ["mod_a/core.py", "mod_a/extra.py"],
            }
        ],
    }


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
    policy_file = tmp_path / "policy.json"
    policy_file.write_text(json.dumps(policy(floor_a=floor_a, total=0)))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code = main(
        [
            f"--reports_file={reports_file}",
            f"--output_file={out_dir / '_coverage_report.dat'}",
            f"--policy={policy_file}",
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
    two = policy(floor_a=50, total=50)
    two["modules"].append(
        {"module": "mod_b", "floor": 90, "build_file": "mod_b/BUILD.bazel", "sources": ["mod_b/core.py"]}
    )
    return two


def test_modules_under_test_are_read_from_where_bazel_keeps_each_tests_report():
    paths = [
        "bazel-out/k8-fastbuild/testlogs/mod_a/tests/core_test/coverage.dat",
        "bazel-out/k8-fastbuild/testlogs/mod_a/tests/big_test/shard_1_of_2/coverage.dat",
    ]
    assert modules_under_test(paths, ["mod_a", "mod_b", "mod"]) == {"mod_a"}


def test_modules_under_test_is_unknown_when_a_report_is_not_under_testlogs():
    assert modules_under_test(["/tmp/coverage.dat"], ["mod_a"]) is None


def test_module_whose_tests_did_not_run_is_listed_as_not_run_when_the_run_is_partial(workspace):
    merged = merge(parse_lcov(COVERED_LCOV))
    results = evaluate(_two_module_policy(workspace), merged, str(workspace), tested={"mod_a"})
    mod_b = next(r for r in results if r.module == "mod_b")
    assert (mod_b.judged, mod_b.passed, mod_b.verdict) == (False, True, "not run")
    assert "not run" in format_table(results)


def test_total_counts_only_the_modules_whose_tests_ran_when_the_run_is_partial(workspace):
    merged = merge(parse_lcov(COVERED_LCOV))
    total = evaluate(_two_module_policy(workspace), merged, str(workspace), tested={"mod_a"})[-1]
    assert (total.lines_hit, total.lines_found) == (3, 6)  # mod_a/core.py 3/4 + mod_a/extra.py 0/2
    assert total.judged


def test_every_module_is_judged_when_the_run_covers_all_of_them(workspace):
    merged = merge(parse_lcov(COVERED_LCOV))
    results = evaluate(_two_module_policy(workspace), merged, str(workspace), tested={"mod_a", "mod_b"})
    assert [r.verdict for r in results] == ["ok", "FAIL", "FAIL"]


def test_missing_source_file_is_reported_with_its_module_and_build_file(workspace):
    (workspace / "mod_a" / "extra.py").unlink()
    with pytest.raises(
        CoverageReportError, match=r"mod_a/extra.py is a source of mod_a \(coverage_floor in mod_a/BUILD.bazel\)"
    ):
        evaluate(policy(), merge(parse_lcov(COVERED_LCOV)), str(workspace))


def test_report_exits_with_the_reason_when_a_source_file_is_missing(workspace, tmp_path, capsys):
    (workspace / "mod_a" / "extra.py").unlink()
    code, output, _ = _run_main(workspace, tmp_path, capsys, floor_a=0)
    assert code == 2
    assert "coverage FAILED: mod_a/extra.py is a source of mod_a" in output.err


def test_summary_reads_back_the_rows_the_report_wrote(workspace, tmp_path, capsys):
    _code, _output, out_dir = _run_main(workspace, tmp_path, capsys, floor_a=95)
    rows = read_summary(str(out_dir / "coverage_summary.json"))
    assert [(row.module, row.verdict, round(row.percent, 2)) for row in rows] == [
        ("mod_a", "FAIL", 50.0),
        ("TOTAL", "ok", 50.0),
    ]


def test_summary_table_prints_again_when_nothing_changed(workspace, tmp_path, capsys):
    _code, first, out_dir = _run_main(workspace, tmp_path, capsys, floor_a=50)
    assert show_summary([str(out_dir / "coverage_summary.json")]) == 0
    again = capsys.readouterr().out
    assert "nothing changed since this report" in again
    assert format_table(read_summary(str(out_dir / "coverage_summary.json"))) in first.out
    assert format_table(read_summary(str(out_dir / "coverage_summary.json"))) in again


def test_summary_table_names_the_file_it_cannot_read(tmp_path, capsys):
    assert show_summary([str(tmp_path / "missing.json")]) == 2
    assert f"cannot read the coverage summary {tmp_path / 'missing.json'}" in capsys.readouterr().err
