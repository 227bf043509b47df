"""Judges a plain-pytest coverage run against the floors Bazel enforces, and prints the same table.

    .venv/bin/pytest -n 2 --cov && .venv/bin/python -m tools.coverage.pytest_floors

`.coveragerc` makes coverage.py measure as `bazel coverage` does: branch coverage of the modules' own
sources (tests omitted, never-imported files at 0%). Data files a run left uncombined (one per process)
are combined first. Floors come from the BUILD files (build_policy.py); a module's figure is lines +
branches covered, as in the Bazel report. Exit 1 when a module or the total is under its floor, 2 when
the data or the floors cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import coverage

from tools.coverage.build_policy import ModulePolicy, PolicyError, read_policy
from tools.coverage.module_table import TABLE_TITLE, ModuleResult, format_table


def module_results(
    files: Mapping[str, Mapping[str, Any]], modules: Sequence[ModulePolicy], total: ModulePolicy
) -> list[ModuleResult]:
    """One row per module and a TOTAL row, from coverage.py's JSON report `files` (path -> its summary)."""
    results = [_result(floor, _files_of(files, [floor.module])) for floor in modules]
    results.append(_result(total, _files_of(files, [floor.module for floor in modules])))
    return results


def failures(results: Sequence[ModuleResult]) -> list[str]:
    """One line per row under its floor, naming it, its figure and the BUILD file that sets the floor."""
    return [
        f"coverage FAILED: {result.module} is at {result.percent:.2f}%, under its floor of "
        f"{result.floor:g}% (set in {result.build_file})"
        for result in results
        if not result.passed
    ]


def _files_of(files: Mapping[str, Mapping[str, Any]], modules: Sequence[str]) -> list[Mapping[str, Any]]:
    return [
        summary
        for path, summary in files.items()
        if any(Path(path).parts[0] == module for module in modules) and "tests" not in Path(path).parts
    ]


def _result(floor: ModulePolicy, files: Sequence[Mapping[str, Any]]) -> ModuleResult:
    return ModuleResult(
        module=floor.module,
        floor=floor.floor,
        build_file=floor.build_file,
        lines_found=sum(int(f["summary"]["num_statements"]) for f in files),
        lines_hit=sum(int(f["summary"]["covered_lines"]) for f in files),
        branches_found=sum(int(f["summary"].get("num_branches", 0)) for f in files),
        branches_hit=sum(int(f["summary"].get("covered_branches", 0)) for f in files),
    )


def _json_report(data_file: Path, config_file: Path) -> dict[str, Any]:
    measurement = coverage.Coverage(data_file=str(data_file), config_file=str(config_file))
    if any(data_file.parent.glob(data_file.name + ".*")):
        measurement.combine(data_paths=[str(data_file.parent)])  # one data file per process of the run
        measurement.save()
    measurement.load()
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "coverage.json"
        measurement.json_report(outfile=str(report))
        loaded: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return loaded


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.coverage.pytest_floors", description=__doc__.split("\n")[0])
    parser.add_argument("--workspace", type=Path, default=Path.cwd(), help="repository root (default: cwd)")
    parser.add_argument("--data-file", type=Path, default=Path(".coverage"), help="coverage data of the run")
    args = parser.parse_args(argv)
    workspace = args.workspace
    data_file = args.data_file if args.data_file.is_absolute() else workspace / args.data_file
    if not data_file.is_file() and not any(data_file.parent.glob(data_file.name + ".*")):
        print(f"coverage: no coverage data at {data_file}; run `pytest -n 2 --cov` first", file=sys.stderr)
        return 2
    try:
        policy = read_policy(str(workspace))
        report = _json_report(data_file, workspace / ".coveragerc")
    except (PolicyError, coverage.CoverageException) as error:
        print(f"coverage: {error}", file=sys.stderr)
        return 2
    total = ModulePolicy("TOTAL", policy.total_floor, policy.total_build_file, sources=(), test_targets=())
    results = module_results(report["files"], policy.modules, total)
    print(TABLE_TITLE)
    print(format_table(results))
    problems = failures(results)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
