"""Markdown PR comment for a change: per-module coverage with deltas against the base, diff coverage of
the changed lines, and the changed lines tests never ran. Fails when diff coverage is under its floor.

    bazel run //tools/ci:coverage_pr_report -- --base origin/main [--base-summary base.json] [--output pr.md]

Reads the report of the last `bazel coverage //...` (bazel-out/_coverage/_coverage_report.dat and
coverage_summary.json next to it) unless --lcov/--summary say otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tools.ci.coverage_summary import ModuleFigure, load_summary
from tools.ci.diff_coverage import DiffCoverage, diff_coverage
from tools.ci.diff_lines import format_ranges, git_changed_lines
from tools.ci.errors import CiToolError
from tools.coverage.lcov import FileCoverage, merge, parse_lcov

DEFAULT_DIFF_FLOOR = 90.0
MARKER = "<!-- leadfactory-coverage-report -->"
"""First line of the comment, so a CI bot can find and update its previous comment."""


@dataclass(frozen=True)
class ReportLinks:
    """Where the trend chart, badge and full HTML report of this run are published (any may be absent)."""

    trend_chart: str | None = None
    badge: str | None = None
    html_report: str | None = None


def _signed(delta: float) -> str:
    return "±0.00" if round(delta, 2) == 0 else f"{delta:+.2f}"


def module_table(
    current: Mapping[str, ModuleFigure], base: Mapping[str, ModuleFigure] | None, modules: bool = True
) -> list[str]:
    """Markdown table rows: module, coverage, floor, base coverage and delta (TOTAL last; only TOTAL when
    `modules` is False)."""
    rows = ["| module | coverage | floor | base | Δ |", "|---|---:|---:|---:|---:|"]
    names = sorted(name for name in current if name != "TOTAL" and modules) + (["TOTAL"] if "TOTAL" in current else [])
    for name in names:
        figure = current[name]
        before = base.get(name) if base is not None else None
        base_cell = f"{before.percent:.2f}%" if before else "—"
        delta_cell = _signed(figure.percent - before.percent) if before else "new" if base is not None else "—"
        label = f"**{name}**" if name == "TOTAL" else f"`{name}`"
        verdict = "" if round(figure.percent, 2) >= figure.floor else " ❌"
        rows.append(f"| {label} | {figure.percent:.2f}%{verdict} | {figure.floor:.0f}% | {base_cell} | {delta_cell} |")
    return rows


def coverage_drops(
    current: Mapping[str, ModuleFigure], base: Mapping[str, ModuleFigure] | None, max_drop: float
) -> list[str]:
    """One sentence per module (or TOTAL) whose coverage fell more than `max_drop` points below the base."""
    if base is None:
        return []
    drops = []
    for name, figure in current.items():
        before = base.get(name)
        if before is not None and round(before.percent - figure.percent, 2) > max_drop:
            drops.append(
                f"{name} dropped from {before.percent:.2f}% to {figure.percent:.2f}% "
                f"({figure.percent - before.percent:+.2f} points; at most -{max_drop:g} allowed)"
            )
    return drops


def render_report(
    result: DiffCoverage,
    floor: float,
    current: Mapping[str, ModuleFigure],
    base: Mapping[str, ModuleFigure] | None,
    base_revision: str,
    links: ReportLinks = ReportLinks(),
    drops: Sequence[str] = (),
    modules: bool = True,
) -> str:
    """The whole PR comment as Markdown; `drops` (from coverage_drops) are listed first as failures; the
    coverage table has no module rows when `modules` is False."""
    lines = [MARKER, "## Coverage report", ""]
    if links.badge:
        lines += [f"![coverage]({links.badge})", ""]
    for drop in drops:
        lines.append(f"❌ **Coverage drop:** {drop} against `{base_revision}`.")
    if drops:
        lines.append("")
    percent = result.percent
    if percent is None:
        lines.append(f"**Diff coverage: no measured line changed** against `{base_revision}` (floor {floor:.0f}%).")
    else:
        verdict = "✅ meets" if result.meets(floor) else "❌ under"
        lines.append(
            f"**Diff coverage: {percent:.2f}%** ({result.hit}/{result.found} changed lines and branches "
            f"against `{base_revision}`) — {verdict} the {floor:.0f}% floor."
        )
    lines += ["", "### Coverage by module (lines + branches)" if modules else "### Coverage (lines + branches)", ""]
    if base is None:
        lines += ["_No base figures: pass --base-summary with the base run's coverage_summary.json._", ""]
    lines += module_table(current, base, modules)
    missing = [item for item in result.files if item.uncovered_lines or item.partial_lines]
    lines += ["", "### Changed lines not covered", ""]
    if not missing:
        lines.append("None: every changed line and branch ran in a test.")
    else:
        lines += ["| file | lines never run | lines with an untaken branch |", "|---|---|---|"]
        for item in missing:
            lines.append(
                f"| `{item.path}` | {format_ranges(item.uncovered_lines) or '—'} | "
                f"{format_ranges(item.partial_lines) or '—'} |"
            )
    if result.unmeasured_files:
        lines += [
            "",
            "Changed but not measured (tests, tools): " + ", ".join(f"`{p}`" for p in result.unmeasured_files),
        ]
    extras = [
        f"[{text}]({url})"
        for text, url in (("trend chart", links.trend_chart), ("HTML report", links.html_report))
        if url
    ]
    if extras:
        lines += ["", " · ".join(extras)]
    return "\n".join(lines) + "\n"


def load_lcov(path: str) -> dict[str, FileCoverage]:
    """The merged lcov report as path -> FileCoverage."""
    try:
        with open(path, encoding="utf-8") as handle:
            return merge(parse_lcov(handle.read(), origin=path))
    except OSError as error:
        raise CiToolError(
            f"cannot read lcov report {path}: {error.strerror}; run `bazel coverage //...` first"
        ) from error


def _default_coverage_dir(workspace: str) -> str:
    return os.path.join(workspace, "bazel-out", "_coverage")


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="base revision (branch, tag or commit) of the change")
    parser.add_argument(
        "--workspace",
        default=os.environ.get("BUILD_WORKSPACE_DIRECTORY", os.getcwd()),
        help="the git checkout; relative paths are read from it (default: where `bazel run` was called)",
    )
    parser.add_argument("--lcov", help="merged lcov (default: bazel-out/_coverage/_coverage_report.dat)")
    parser.add_argument("--summary", help="this run's coverage_summary.json (default: next to the lcov)")
    parser.add_argument("--base-summary", help="the base run's coverage_summary.json, for the deltas")
    parser.add_argument("--floor", type=float, default=DEFAULT_DIFF_FLOOR, help="diff coverage floor, percent")
    parser.add_argument(
        "--max-drop",
        type=float,
        help="fail when a module or the total is more than this many points under --base-summary (default: off)",
    )
    parser.add_argument("--output", help="write the Markdown here (default: stdout)")
    parser.add_argument("--trend-chart-url")
    parser.add_argument("--badge-url")
    parser.add_argument("--html-report-url")
    parser.add_argument("--total-only", action="store_true", help="TOTAL row only (COVERAGE_MODULE_REPORTS=false)")
    args = parser.parse_args(argv)
    workspace = args.workspace

    lcov_path = args.lcov or os.path.join(_default_coverage_dir(workspace), "_coverage_report.dat")
    summary_path = args.summary or os.path.join(os.path.dirname(lcov_path), "coverage_summary.json")
    try:
        changed = git_changed_lines(workspace, args.base)
        result = diff_coverage(changed, load_lcov(os.path.join(workspace, lcov_path)))
        current = load_summary(os.path.join(workspace, summary_path))
        base = load_summary(os.path.join(workspace, args.base_summary)) if args.base_summary else None
    except CiToolError as error:
        print(f"coverage_pr_report: {error}", file=sys.stderr)
        return 2
    links = ReportLinks(trend_chart=args.trend_chart_url, badge=args.badge_url, html_report=args.html_report_url)
    drops = coverage_drops(current, base, args.max_drop) if args.max_drop is not None else []
    report = render_report(result, args.floor, current, base, args.base, links, drops, modules=not args.total_only)
    if args.output:
        with open(os.path.join(workspace, args.output), "w", encoding="utf-8") as out:
            out.write(report)
        print(f"coverage_pr_report: wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(report)
    for drop in drops:
        print(f"coverage_pr_report: coverage drop: {drop}", file=sys.stderr)
    if not result.meets(args.floor):
        percent = result.percent or 0.0
        print(
            f"coverage_pr_report: diff coverage {percent:.2f}% is under the {args.floor:.0f}% floor; "
            "uncovered changed lines are listed in the report",
            file=sys.stderr,
        )
        return 1
    return 1 if drops else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
