"""Bazel's coverage report generator for this repository (`bazel coverage` runs it once, at the end).

Called as `coverage_report --reports_file=F --output_file=O`: merges every test's coverage.dat into O
(bazel-out/_coverage/_coverage_report.dat), prints the per-module table, writes an HTML report with genhtml,
and exits non-zero when a judged module or the total is under its floor.

The policy (floors, module sources, each module's test targets) is read from the BUILD files when the report
runs (tools/coverage/build_policy.py), so this tool depends on no module's sources and `bazel query` sees
no false edge from every test to every module.

Files are measured as Bazel instruments them (--instrumentation_filter, per test: COVERAGE_MANIFEST); an
instrumented file no test imported counts at 0%. A module is judged only when every one of its test targets
ran in this invocation and its files were instrumented; only then are its files no test depends on added at
0% too. Other modules are reported with what the tests that ran measured of them ("not judged"), so the
table and the lcov file always describe the same data: TOTAL is the whole lcov file.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Collection, Sequence

from tools.coverage.build_policy import CoveragePolicy, PolicyError, read_policy
from tools.coverage.lcov import FileCoverage, format_lcov, merge, parse_lcov
from tools.coverage.module_table import TABLE_TITLE, ModuleResult, format_table
from tools.coverage.unmeasured import unmeasured_file


class CoverageReportError(Exception):
    """The report cannot be computed from what the build gave it (the message says what is missing)."""


def find_workspace_root(start: str) -> str | None:
    """The source tree to read the policy from: Bazel runs this action in the execroot, whose top-level
    entries link to the workspace; from the command line it is the checkout itself."""
    candidates = [os.environ.get("BUILD_WORKSPACE_DIRECTORY", ""), start]
    here = os.path.realpath(__file__)  # <workspace>/tools/coverage/coverage_report.py
    candidates.append(os.path.dirname(os.path.dirname(os.path.dirname(here))))
    for candidate in candidates:
        if candidate and os.path.isfile(os.path.join(candidate, "WORKSPACE")):
            return candidate
    return None


def read_report_paths(reports_file: str) -> list[str]:
    """The per-test coverage.dat paths Bazel listed, one per line."""
    with open(reports_file, encoding="utf-8") as listing:
        return [line.strip() for line in listing if line.strip()]


def read_reports(report_paths: Sequence[str]) -> list[FileCoverage]:
    files: list[FileCoverage] = []
    for report in report_paths:
        if os.path.exists(report):
            with open(report, encoding="utf-8") as handle:
                files.extend(parse_lcov(handle.read(), origin=report))
    return files


_TESTLOGS = "/testlogs/"


def targets_that_ran(report_paths: Sequence[str]) -> list[str]:
    """The testlogs-relative folders of this run's test reports (`pkg/target[/shard_1_of_2]`), from where
    Bazel keeps each test's coverage.dat (`.../testlogs/<package>/<target>/.../coverage.dat`)."""
    folders = []
    for path in report_paths:
        _, found, rest = path.replace(os.sep, "/").partition(_TESTLOGS)
        if found:
            folders.append(os.path.dirname(rest))
    return folders


def module_ran_fully(test_targets: Collection[str], ran: Sequence[str]) -> bool:
    """True when every test target of a module (`pkg:name`) has a report in this run."""
    if not test_targets:
        return False
    ran_prefixes = {folder + "/" for folder in ran}
    return all(
        any(prefix.startswith(target.replace(":", "/") + "/") for prefix in ran_prefixes) for target in test_targets
    )


def module_of(path: str, modules: Sequence[str]) -> str | None:
    for module in modules:
        if path.startswith(module + "/"):
            return module
    return None


def summarize(
    module: str, floor: float, build_file: str, files: Sequence[FileCoverage], judged: bool = True
) -> ModuleResult:
    return ModuleResult(
        module=module,
        floor=floor,
        build_file=build_file,
        lines_found=sum(f.lines_found for f in files),
        lines_hit=sum(f.lines_hit for f in files),
        branches_found=sum(f.branches_found for f in files),
        branches_hit=sum(f.branches_hit for f in files),
        judged=judged,
    )


def evaluate(
    policy: CoveragePolicy, merged: dict[str, FileCoverage], source_root: str, ran: Sequence[str] | None = None
) -> list[ModuleResult]:
    """Per-module results plus a final TOTAL row over every file in `merged`.

    `merged` may hold empty records: files Bazel instrumented for a test (--instrumentation_filter) that the
    test never imported; they are filled in at 0%. `ran` lists the testlogs folders of the tests that ran
    (None: all of them). A module is judged only when all its test targets ran and its files were
    instrumented; then its files no test even depended on are added at 0% too."""
    for path, record in list(merged.items()):
        if record.lines or record.branches:
            continue
        entry = next((e for e in policy.modules if module_of(path, [e.module])), None)
        if entry is not None:
            merged[path] = _unmeasured(path, source_root, entry.module, entry.build_file)
        elif os.path.isfile(os.path.join(source_root, path)):
            merged[path] = unmeasured_file(path, os.path.join(source_root, path))
    results = []
    judged_all = True
    for entry in policy.modules:
        instrumented = any(module_of(path, [entry.module]) for path in merged)
        judged = instrumented and (ran is None or module_ran_fully(entry.test_targets, ran))
        judged_all = judged_all and judged
        if judged:
            for source in entry.sources:
                if source not in merged:
                    merged[source] = _unmeasured(source, source_root, entry.module, entry.build_file)
        files = [f for path, f in merged.items() if module_of(path, [entry.module])]
        results.append(summarize(entry.module, entry.floor, entry.build_file, files, judged))
    total = summarize("TOTAL", policy.total_floor, policy.total_build_file, list(merged.values()), judged_all)
    results.append(total)
    return results


def _unmeasured(source: str, source_root: str, module: str, build_file: str) -> FileCoverage:
    source_path = os.path.join(source_root, source)
    if not os.path.isfile(source_path):
        raise CoverageReportError(
            f"{source} is a source of {module} (coverage_floor in {build_file}) but is missing from the "
            f"source tree at {source_path}; was it deleted while Bazel ran? Run `bazel coverage` again."
        )
    return unmeasured_file(source, source_path)


def write_html(tracefile: str, out_dir: str, source_root: str) -> str | None:
    """Renders the tracefile with genhtml (Debian's lcov); returns the index path, or None with a reason printed.

    genhtml runs in `source_root`, since the tracefile names sources by workspace path (SF:d0_gateway/...).
    """
    genhtml = shutil.which("genhtml")
    if genhtml is None:
        print("coverage: no HTML report: genhtml not found (apt-get install lcov)", file=sys.stderr)
        return None
    out_dir = os.path.abspath(out_dir)
    shutil.rmtree(out_dir, ignore_errors=True)
    result = subprocess.run(
        [genhtml, "--quiet", "--branch-coverage", "--output-directory", out_dir, os.path.abspath(tracefile)],
        cwd=source_root,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        print(f"coverage: genhtml failed:\n{result.stderr}", file=sys.stderr)
        return None
    return os.path.join(out_dir, "index.html")


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports_file", required=True)
    parser.add_argument("--output_file", required=True)
    parser.add_argument("--source_root", default=None, help="workspace to read BUILD files and sources from")
    parser.add_argument("--no_html", action="store_true")
    args, _unknown = parser.parse_known_args(argv)

    source_root = args.source_root or find_workspace_root(os.getcwd())
    if source_root is None:
        print("coverage FAILED: cannot find the workspace (no WORKSPACE file) to read the floors from", file=sys.stderr)
        return 2
    report_paths = read_report_paths(args.reports_file)
    ran = targets_that_ran(report_paths)
    try:
        policy = read_policy(source_root)
        merged = merge(read_reports(report_paths))
        results = evaluate(policy, merged, source_root, ran if len(ran) == len(report_paths) else None)
    except (CoverageReportError, PolicyError) as error:
        print(f"coverage FAILED: {error}", file=sys.stderr)
        return 2
    with open(args.output_file, "w", encoding="utf-8") as out:
        out.write(format_lcov(merged.values()))
    out_dir = os.path.dirname(os.path.abspath(args.output_file))
    with open(os.path.join(out_dir, "coverage_summary.json"), "w", encoding="utf-8") as out:
        json.dump(
            [dict(vars(r), percent=round(r.percent, 2), passed=r.passed, verdict=r.verdict) for r in results],
            out,
            indent=2,
        )

    print(TABLE_TITLE)
    print(format_table(results))
    not_judged = [r.module for r in results if not r.judged and r.module != "TOTAL"]
    if not_judged:
        print(
            f"not judged (not all of their test targets ran): {', '.join(not_judged)}; their rows and TOTAL "
            "show what this run's tests measured"
        )
    print(f"lcov report: {os.path.abspath(args.output_file)}")
    if not args.no_html:
        index = write_html(args.output_file, os.path.join(out_dir, "html"), source_root)
        if index:
            print(f"HTML report: {index}")
    failures = [r for r in results if not r.passed]
    for failure in failures:
        print(
            f"coverage FAILED: {failure.module} is at {failure.percent:.2f}%, under its floor of "
            f"{failure.floor:.0f}% (set in {failure.build_file})",
            file=sys.stderr,
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
