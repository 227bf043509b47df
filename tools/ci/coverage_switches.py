"""What TEST_COVERAGE_ENFORCEMENT and COVERAGE_MODULE_REPORTS do to `bazel coverage` (tools/bazel).

The report generator runs inside Bazel's CoverageReport action, whose environment is fixed, so the switches
act on its outcome instead:

    bazel coverage ... 2>&1 | python3 -m tools.ci.coverage_switches filter     # drops the module rows
    python3 -m tools.ci.coverage_switches outcome --summary S --bazel-exit N    # exit status to report

`outcome` with TEST_COVERAGE_ENFORCEMENT=false turns a run that failed only on coverage floors (Bazel
exit 1, every test passed, coverage_summary.json has FAIL rows) into exit 0 with a loud warning; a failing
test, a build error or a missing report keeps Bazel's status.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence

from tools.ci.switches import read_switch

TABLE_TITLE = "Coverage by module (lines + branches; floors from each module's BUILD.bazel)"
"""First line of the generator's table (tools/coverage/module_table.py), which this filter looks for."""
BAZEL_BUILD_FAILED = 1
"""Bazel's exit status when an action (here: the CoverageReport action) failed; failing tests give 3."""
_FAILED_TEST = ("FAILED", "TIMEOUT", "NO STATUS", "INCOMPLETE", "FAILED TO BUILD")


def filter_module_rows(lines: Iterable[str]) -> Iterator[str]:
    """The lines with the module rows of the coverage table left out (title, header, rule, TOTAL kept)."""
    state = "outside"  # outside -> header -> rule -> rows -> outside
    for line in lines:
        text = line.rstrip("\n")
        if state == "outside" and text.endswith(TABLE_TITLE):
            state = "header"
        elif state == "header" and text.lstrip().startswith("module "):
            state = "rule"
        elif state == "rule" and set(text.strip()) == {"-"}:
            state = "rows"
        elif state == "rows":
            if set(text.strip()) == {"-"}:
                state = "outside"  # the rule above TOTAL goes too: one rule between header and TOTAL
            continue
        yield line


def failing_tests(lines: Iterable[str]) -> list[str]:
    """Test targets Bazel's summary reports as failing (`//pkg:target   FAILED in 3.1s`)."""
    failing = []
    for line in lines:
        parts = line.split(maxsplit=1)
        if len(parts) == 2 and parts[0].startswith("//") and parts[1].startswith(_FAILED_TEST):
            failing.append(parts[0])
    return failing


def outcome(
    bazel_exit: int, summary_path: str, bazel_output: Sequence[str], environment: Mapping[str, str]
) -> tuple[int, list[str]]:
    """The exit status tools/bazel reports, and the warnings to print (empty when Bazel's status stands)."""
    if bazel_exit == 0 or read_switch("TEST_COVERAGE_ENFORCEMENT", environment):
        return bazel_exit, []
    if bazel_exit != BAZEL_BUILD_FAILED or failing_tests(bazel_output) or not os.path.isfile(summary_path):
        return bazel_exit, []
    try:
        with open(summary_path, encoding="utf-8") as handle:
            rows = json.load(handle)
        under = [(str(r["module"]), float(r["percent"]), float(r["floor"])) for r in rows if r.get("verdict") == "FAIL"]
    except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
        return bazel_exit, []
    if not under:
        return bazel_exit, []
    banner = "!" * 100
    warnings = [
        banner,
        "TEST_COVERAGE_ENFORCEMENT=false: coverage floors NOT enforced; this run would FAIL with them on:",
        *(f"  {module} is at {percent:.2f}%, under its floor of {floor:.0f}%" for module, percent, floor in under),
        "Every test passed. Turn enforcement back on (unset TEST_COVERAGE_ENFORCEMENT) once the emergency is over.",
        banner,
    ]
    return 0, warnings


def main(argv: Sequence[str], environment: Mapping[str, str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("filter", help="copy stdin to stdout without the coverage table's module rows")
    decide = commands.add_parser("outcome", help="exit status of a `bazel coverage` run under the switches")
    decide.add_argument("--bazel-exit", type=int, required=True)
    decide.add_argument("--summary", required=True, help="coverage_summary.json this run wrote (or did not)")
    decide.add_argument("--bazel-log", help="Bazel's output of the run (to see failing tests)")
    args = parser.parse_args(argv)
    if args.command == "filter":
        for line in filter_module_rows(sys.stdin):
            sys.stdout.write(line)
            sys.stdout.flush()
        return 0
    log: list[str] = []
    if args.bazel_log:
        with open(args.bazel_log, encoding="utf-8", errors="replace") as handle:
            log = handle.readlines()
    status, warnings = outcome(args.bazel_exit, args.summary, log, environment)
    for warning in warnings:
        print(warning, file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], os.environ))
