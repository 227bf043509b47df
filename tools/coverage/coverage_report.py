"""Bazel's coverage report generator for this repository (`bazel coverage //...` runs it once, at the end).

Called as `coverage_report --reports_file=F --output_file=O`: merges every test's coverage.dat into O
(bazel-out/_coverage/_coverage_report.dat), adds each module's never-imported files at 0%, prints the
per-module table, writes an HTML report with genhtml, and exits non-zero when a module or the total is
under its floor (modules set theirs in their own BUILD.bazel; see tools/coverage/floors.bzl).

Only modules with a test target in the run are judged: `bazel coverage //d1_targeting/...` checks
d1_targeting (and a TOTAL over it) and lists the other modules as "not run" instead of failing them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence

from tools.coverage.lcov import FileCoverage, format_lcov, merge, parse_lcov
from tools.coverage.module_table import TABLE_TITLE, ModuleResult, format_table
from tools.coverage.unmeasured import unmeasured_file


class CoverageReportError(Exception):
    """The report cannot be computed from what the build gave it (the message says what is missing)."""


def _workspace_root_in_runfiles() -> str:
    here = os.path.dirname(os.path.abspath(__file__))  # <runfiles>/<workspace>/tools/coverage
    return os.path.dirname(os.path.dirname(here))


def load_policy(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


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


def modules_under_test(report_paths: Sequence[str], modules: Sequence[str]) -> set[str] | None:
    """Modules that own at least one test target of this run, from where Bazel keeps each test's
    coverage.dat (`.../testlogs/<package>/<target>/coverage.dat`); None when the paths do not say."""
    packages = []
    for path in report_paths:
        _, found, package_path = path.replace(os.sep, "/").partition(_TESTLOGS)
        if not found:
            return None
        packages.append(package_path)
    return {module for module in modules if any(module_of(package, [module]) for package in packages)}


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
    policy: dict, merged: dict[str, FileCoverage], source_root: str, tested: set[str] | None = None
) -> list[ModuleResult]:
    """Per-module results plus a final TOTAL row over the judged modules; adds never-imported module
    files at 0% to `merged`. `tested` names the modules whose tests ran (None: all of them)."""
    for entry in policy["modules"]:
        for source in entry["sources"]:
            if source not in merged:
                source_path = os.path.join(source_root, source)
                if not os.path.isfile(source_path):
                    raise CoverageReportError(
                        f"{source} is a source of {entry['module']} (coverage_floor in {entry['build_file']}) "
                        f"but is missing from the build's source tree at {source_path}; was it deleted while "
                        "Bazel ran? Run `bazel coverage` again."
                    )
                merged[source] = unmeasured_file(source, source_path)
    judged = [e["module"] for e in policy["modules"] if tested is None or e["module"] in tested]
    results = []
    for entry in policy["modules"]:
        files = [f for path, f in merged.items() if module_of(path, [entry["module"]])]
        results.append(
            summarize(entry["module"], entry["floor"], entry["build_file"], files, entry["module"] in judged)
        )
    measured = [f for path, f in merged.items() if module_of(path, judged)]
    results.append(summarize("TOTAL", policy["total_floor"], policy["total_build_file"], measured, bool(judged)))
    return results


def write_html(tracefile: str, out_dir: str) -> str | None:
    """Renders the tracefile with genhtml (Debian's lcov); returns the index path, or None with a reason printed."""
    genhtml = shutil.which("genhtml")
    if genhtml is None:
        print("coverage: no HTML report: genhtml not found (apt-get install lcov)", file=sys.stderr)
        return None
    shutil.rmtree(out_dir, ignore_errors=True)
    result = subprocess.run(
        [genhtml, "--quiet", "--branch-coverage", "--output-directory", out_dir, tracefile],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        print(f"coverage: genhtml failed:\n{result.stderr}", file=sys.stderr)
        return None
    return os.path.abspath(os.path.join(out_dir, "index.html"))


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports_file", required=True)
    parser.add_argument("--output_file", required=True)
    parser.add_argument("--policy", default=os.path.join(_workspace_root_in_runfiles(), "coverage_policy.json"))
    parser.add_argument("--source_root", default=_workspace_root_in_runfiles())
    parser.add_argument("--no_html", action="store_true")
    args, _unknown = parser.parse_known_args(argv)

    policy = load_policy(args.policy)
    report_paths = read_report_paths(args.reports_file)
    merged = merge(read_reports(report_paths))
    tested = modules_under_test(report_paths, [entry["module"] for entry in policy["modules"]])
    try:
        results = evaluate(policy, merged, args.source_root, tested)
    except CoverageReportError as error:
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
    not_run = [r.module for r in results if not r.judged and r.module != "TOTAL"]
    if not_run:
        print(f"not judged (none of their tests ran): {', '.join(not_run)}; TOTAL covers the others")
    print(f"lcov report: {os.path.abspath(args.output_file)}")
    if not args.no_html:
        index = write_html(args.output_file, os.path.join(out_dir, "html"))
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
