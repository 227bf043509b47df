import json

import pytest

from tools.ci.coverage_summary import ModuleFigure
from tools.ci.diff_coverage import diff_coverage
from tools.ci.pr_report import MARKER, ReportLinks, coverage_drops, main, module_table, render_report
from tools.ci.tests.scratch_repo import ScratchRepo
from tools.coverage.lcov import FileCoverage

CURRENT = {
    "alpha": ModuleFigure("alpha", 91.5, 90),
    "beta": ModuleFigure("beta", 70.0, 85),
    "TOTAL": ModuleFigure("TOTAL", 88.25, 80),
}
BASE = {"alpha": ModuleFigure("alpha", 90.0, 90), "TOTAL": ModuleFigure("TOTAL", 88.25, 80)}


def test_module_rows_show_base_and_signed_delta():
    rows = module_table(CURRENT, BASE)
    assert "| `alpha` | 91.50% | 90% | 90.00% | +1.50 |" in rows


def test_module_new_since_the_base_is_marked_new_and_under_floor_flagged():
    rows = module_table(CURRENT, BASE)
    assert "| `beta` | 70.00% ❌ | 85% | — | new |" in rows


def test_total_row_comes_last_and_unchanged_delta_reads_zero():
    assert module_table(CURRENT, BASE)[-1] == "| **TOTAL** | 88.25% | 80% | 88.25% | ±0.00 |"


def test_total_only_table_keeps_the_total_row_and_drops_module_rows():
    report = render_report(diff_coverage({}, {}), 90, CURRENT, BASE, "main", modules=False)
    assert "### Coverage (lines + branches)" in report
    assert "| **TOTAL** | 88.25% | 80% | 88.25% | ±0.00 |" in report
    assert "`alpha`" not in report and "`beta`" not in report


def test_report_without_base_figures_says_so_instead_of_guessing():
    result = diff_coverage({}, {})
    report = render_report(result, 90, CURRENT, None, "origin/main")
    assert "No base figures" in report
    assert "| `alpha` | 91.50% | 90% | — | — |" in report


def test_report_lists_uncovered_and_partial_changed_lines_per_file():
    coverage = {"m/a.py": FileCoverage("m/a.py", lines={1: 1, 2: 0, 3: 0, 7: 2}, branches={(7, 0, 0): 0})}
    result = diff_coverage({"m/a.py": frozenset({1, 2, 3, 7})}, coverage)
    report = render_report(result, 90, CURRENT, BASE, "main")
    assert "| `m/a.py` | 2-3 | 7 |" in report
    assert "❌ under the 90% floor" in report


def test_report_starts_with_the_marker_and_links_trend_badge_and_html():
    links = ReportLinks(trend_chart="t.svg", badge="b.svg", html_report="h/index.html")
    report = render_report(diff_coverage({}, {}), 90, CURRENT, BASE, "main", links)
    assert report.startswith(MARKER)
    assert "![coverage](b.svg)" in report
    assert "[trend chart](t.svg) · [HTML report](h/index.html)" in report


CODE_BEFORE = "def price(n):\n    return n * 2\n"
CODE_AFTER = "def price(n):\n    if n < 0:\n        raise ValueError(n)\n    return n * 2\n"
# Tests called price() with positive n only: line 3 never ran, line 2's True branch was never taken.
LCOV_AFTER = "SF:shop/price.py\nDA:1,1\nDA:2,4\nDA:3,0\nDA:4,4\nBRDA:2,0,0,0\nBRDA:2,0,1,4\nend_of_record\n"
SUMMARY = [
    {"module": "shop", "percent": 66.67, "floor": 90},
    {"module": "TOTAL", "percent": 66.67, "floor": 80},
]


@pytest.fixture
def change_with_untested_branch(tmp_path):
    repo = ScratchRepo(tmp_path / "repo")
    repo.write("shop/price.py", CODE_BEFORE)
    base = repo.commit("base")
    repo.write("shop/price.py", CODE_AFTER)
    repo.commit("reject negative quantities")
    (tmp_path / "cov.dat").write_text(LCOV_AFTER)
    (tmp_path / "summary.json").write_text(json.dumps(SUMMARY))
    base_summary = [
        {"module": "shop", "percent": 100.0, "floor": 90},
        {"module": "TOTAL", "percent": 100.0, "floor": 80},
    ]
    (tmp_path / "base.json").write_text(json.dumps(base_summary))
    args = [
        "--base",
        base,
        "--workspace",
        str(repo.root),
        "--lcov",
        str(tmp_path / "cov.dat"),
        "--summary",
        str(tmp_path / "summary.json"),
        "--base-summary",
        str(tmp_path / "base.json"),
    ]
    return args


def test_untested_branch_fails_the_diff_floor_and_is_listed(change_with_untested_branch, capsys):
    assert main(change_with_untested_branch) == 1
    captured = capsys.readouterr()
    assert "| `shop/price.py` | 3 | 2 |" in captured.out
    assert "Diff coverage: 50.00%** (2/4" in captured.out
    assert "under the 90% floor" in captured.err


def test_lower_floor_lets_the_same_change_pass(change_with_untested_branch, capsys):
    assert main([*change_with_untested_branch, "--floor", "50"]) == 0
    assert "✅ meets the 50% floor" in capsys.readouterr().out


def test_deltas_against_the_base_summary_appear_in_the_report(change_with_untested_branch, capsys):
    main(change_with_untested_branch)
    assert "| `shop` | 66.67% ❌ | 90% | 100.00% | -33.33 |" in capsys.readouterr().out


def test_report_is_written_to_the_output_file_when_asked(change_with_untested_branch, tmp_path):
    out = tmp_path / "comment.md"
    main([*change_with_untested_branch, "--output", str(out)])
    assert out.read_text().startswith(MARKER)


def test_missing_lcov_report_exits_2_naming_the_file(change_with_untested_branch, tmp_path, capsys):
    args = list(change_with_untested_branch)
    args[args.index("--lcov") + 1] = str(tmp_path / "absent.dat")
    assert main(args) == 2
    assert "absent.dat" in capsys.readouterr().err


def test_drop_of_more_than_the_step_names_the_module_and_both_figures():
    current = {"alpha": ModuleFigure("alpha", 89.0, 80), "TOTAL": ModuleFigure("TOTAL", 88.0, 80)}
    base = {"alpha": ModuleFigure("alpha", 90.0, 80), "TOTAL": ModuleFigure("TOTAL", 88.25, 80)}
    assert coverage_drops(current, base, max_drop=0.5) == [
        "alpha dropped from 90.00% to 89.00% (-1.00 points; at most -0.5 allowed)"
    ]


def test_drop_of_exactly_the_step_is_allowed():
    current = {"alpha": ModuleFigure("alpha", 89.5, 80)}
    assert coverage_drops(current, {"alpha": ModuleFigure("alpha", 90.0, 80)}, max_drop=0.5) == []


def test_no_base_figures_means_no_drop_can_be_judged():
    assert coverage_drops(CURRENT, None, max_drop=0.0) == []


def test_drop_fails_the_report_and_heads_the_comment(change_with_untested_branch, capsys):
    assert main([*change_with_untested_branch, "--floor", "50", "--max-drop", "1"]) == 1
    captured = capsys.readouterr()
    assert (
        "❌ **Coverage drop:** shop dropped from 100.00% to 66.67% (-33.33 points; at most -1 allowed)" in captured.out
    )
    assert "coverage_pr_report: coverage drop: TOTAL dropped from 100.00% to 66.67%" in captured.err
