"""The slowest test cases across every target, from the JUnit XML the run kept.

    python3 -m tools.ci.slowest_tests --junit ci-artifacts/junit [--top 10] [--output slowest_tests.md]

Prints a table (seconds, test, target) and writes it as Markdown to --output, so it is kept with the
artifacts. Standard library only, like the other CI gates.
"""

from __future__ import annotations

import argparse
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class CaseTime:
    """One test case's duration: its seconds, name and the suite (Bazel target) that ran it."""

    seconds: float
    test: str
    suite: str


def read_times(paths: Iterable[Path]) -> list[CaseTime]:
    """Every test case of the JUnit XML files; files that cannot be parsed are reported and skipped."""
    times = []
    for path in sorted(paths):
        try:
            root = ElementTree.parse(path).getroot()
        except (OSError, ElementTree.ParseError) as error:
            print(f"slowest_tests: skipping {path}: {error}", file=sys.stderr)
            continue
        for suite in root.iter("testsuite"):
            for case in suite.iter("testcase"):
                name = f"{case.get('classname', '')}::{case.get('name', '')}".lstrip(":")
                times.append(CaseTime(_seconds(case.get("time")), name, suite.get("name", path.stem)))
    return times


def slowest(times: Sequence[CaseTime], top: int) -> list[CaseTime]:
    """The `top` longest test cases, longest first (ties by name, so the table is stable)."""
    return sorted(times, key=lambda t: (-t.seconds, t.test, t.suite))[:top]


def markdown_table(rows: Sequence[CaseTime], total: int) -> str:
    """A Markdown table of `rows`, titled with how many test cases they were picked from."""
    lines = [
        f"Slowest {len(rows)} of {total} tests (JUnit XML of every target)",
        "",
        "| seconds | test | target |",
        "|---:|---|---|",
    ]
    lines += [f"| {row.seconds:.2f} | `{row.test}` | `{row.suite}` |" for row in rows]
    return "\n".join(lines) + "\n"


def _seconds(raw: str | None) -> float:
    try:
        return float(raw) if raw else 0.0
    except ValueError:
        return 0.0


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--junit", type=Path, required=True, help="folder searched for *.xml")
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--output", type=Path, help="also write the table here (Markdown)")
    args = parser.parse_args(argv)
    times = read_times(args.junit.rglob("*.xml"))
    if not times:
        print(f"slowest_tests: no test cases in the JUnit XML under {args.junit}", file=sys.stderr)
        return 2
    table = markdown_table(slowest(times, args.top), len(times))
    print(table, end="")
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(table, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
