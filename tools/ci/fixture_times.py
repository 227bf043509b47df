"""Fixture-time report: which fixtures cost the most setup time, per test target and across the suite, and
the slowest tests, from the `fixture_times.json` the pytest runner writes to each test's undeclared outputs.

    python3 -m tools.ci.fixture_times --testlogs DIR --out DIR LABEL...

Writes <out>/fixture_times.json (suite-wide and per-target figures; `trend append --fixture-report` reads
it) and <out>/fixture_times.md, and prints the suite's slowest fixtures and tests.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tools.ci.errors import CiToolError
from tools.ci.undeclared_outputs import TargetOutput, read_target_outputs

OUTPUT_NAME = "fixture_times.json"
"""The runner's per-target file (tools/pytest_runner/fixture_times.py) and this report's file."""
TOP_SUITE = 15
TOP_PER_TARGET = 5


class FixtureReportError(CiToolError):
    """A target's fixture_times.json is not in the runner's format."""


@dataclass
class FixtureTotal:
    """One fixture (name, scope, defining module) summed over targets, shards and runs."""

    name: str
    scope: str
    module: str
    setups: int = 0
    seconds: float = 0.0
    max_seconds: float = 0.0
    targets: set[str] = field(default_factory=set)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "scope": self.scope,
            "module": self.module,
            "setups": self.setups,
            "seconds": round(self.seconds, 4),
            "max_seconds": round(self.max_seconds, 4),
            "targets": len(self.targets),
        }


@dataclass
class TargetTimes:
    """One target's pytest phases, fixtures and slowest tests, its shards and runs added up."""

    label: str
    phases: dict[str, float] = field(default_factory=dict)
    fixtures: dict[tuple[str, str, str], FixtureTotal] = field(default_factory=dict)
    slowest_tests: list[tuple[str, float]] = field(default_factory=list)


def _merge(into: dict[tuple[str, str, str], FixtureTotal], fixture: FixtureTotal) -> None:
    key = (fixture.name, fixture.scope, fixture.module)
    total = into.setdefault(key, FixtureTotal(*key))
    total.setups += fixture.setups
    total.seconds += fixture.seconds
    total.max_seconds = max(total.max_seconds, fixture.max_seconds)
    total.targets |= fixture.targets


def _fixture_of(label: str, row: Any) -> FixtureTotal:
    return FixtureTotal(
        name=str(row["name"]),
        scope=str(row["scope"]),
        module=str(row["module"]),
        setups=int(row["setups"]),
        seconds=float(row["seconds"]),
        max_seconds=float(row["max_seconds"]),
        targets={label},
    )


def target_times(outputs: Sequence[TargetOutput]) -> TargetTimes:
    """Sums one target's files (one per shard or run); raises FixtureReportError naming a malformed one."""
    times = TargetTimes(outputs[0].label)
    tests: dict[str, float] = {}
    for output in outputs:
        try:
            for when, seconds in output.data["phases"].items():
                times.phases[str(when)] = times.phases.get(str(when), 0.0) + float(seconds)
            for row in output.data["fixtures"]:
                _merge(times.fixtures, _fixture_of(output.label, row))
            for test in output.data["slowest_tests"]:
                tests[str(test["nodeid"])] = max(tests.get(str(test["nodeid"]), 0.0), float(test["seconds"]))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            where = f"{output.label} {output.part}".strip()
            raise FixtureReportError(f"{where}: {OUTPUT_NAME} is not in the runner's format ({error!r})") from error
    times.slowest_tests = sorted(tests.items(), key=lambda item: (-item[1], item[0]))
    return times


def suite_fixtures(targets: Sequence[TargetTimes]) -> list[FixtureTotal]:
    """Every fixture across the suite, by total setup seconds (largest first)."""
    suite: dict[tuple[str, str, str], FixtureTotal] = {}
    for target in targets:
        for fixture in target.fixtures.values():
            _merge(suite, fixture)
    return _ranked(suite.values())


def _ranked(fixtures: Iterable[FixtureTotal]) -> list[FixtureTotal]:
    return sorted(fixtures, key=lambda f: (-f.seconds, f.name, f.scope, f.module))


def build_report(targets: Sequence[TargetTimes]) -> dict[str, Any]:
    """The JSON report: suite totals, the suite's fixtures and slowest tests, and each target's figures."""
    fixtures = suite_fixtures(targets)
    tests = sorted(
        ((target.label, nodeid, seconds) for target in targets for nodeid, seconds in target.slowest_tests),
        key=lambda item: (-item[2], item[0], item[1]),
    )
    return {
        "targets": len(targets),
        "fixture_setup_seconds": round(sum(f.seconds for f in fixtures), 4),
        "phases": {
            when: round(sum(t.phases.get(when, 0.0) for t in targets), 4) for when in ("setup", "call", "teardown")
        },
        "fixtures": [f.as_json() for f in fixtures],
        "slowest_tests": [
            {"target": label, "nodeid": nodeid, "seconds": round(seconds, 4)} for label, nodeid, seconds in tests[:50]
        ],
        "per_target": {
            target.label: {
                "phases": {when: round(seconds, 4) for when, seconds in sorted(target.phases.items())},
                "fixtures": [f.as_json() for f in _ranked(target.fixtures.values())[:TOP_PER_TARGET]],
            }
            for target in sorted(targets, key=lambda t: t.label)
        },
    }


def _fixture_label(row: dict[str, Any]) -> str:
    return f"`{row['name']}` ({row['scope']}, {row['module']})"


def format_markdown(report: dict[str, Any], missing: Sequence[str]) -> str:
    """The human report: suite's slowest fixtures and tests, then each target's top fixtures."""
    phases = report["phases"]
    lines = [
        "# Fixture setup times",
        "",
        f"{report['targets']} test targets; fixture setup {report['fixture_setup_seconds']:.2f} s in all; pytest "
        f"phases: setup {phases['setup']:.2f} s, call {phases['call']:.2f} s, teardown {phases['teardown']:.2f} s.",
        "",
        f"## Slowest fixtures across the suite (top {TOP_SUITE}, by total setup seconds)",
        "",
        "| fixture | setups | total s | max s | targets |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in report["fixtures"][:TOP_SUITE]:
        lines.append(
            f"| {_fixture_label(row)} | {row['setups']} | {row['seconds']:.3f} | {row['max_seconds']:.3f} | "
            f"{row['targets']} |"
        )
    lines += ["", f"## Slowest tests (top {TOP_SUITE}, setup + call + teardown)", "", "| test | target | s |"]
    lines.append("|---|---|---:|")
    for row in report["slowest_tests"][:TOP_SUITE]:
        lines.append(f"| `{row['nodeid']}` | `{row['target']}` | {row['seconds']:.3f} |")
    lines += ["", f"## Per target (top {TOP_PER_TARGET} fixtures)", ""]
    for label, figures in report["per_target"].items():
        top = ", ".join(f"{_fixture_label(row)} {row['seconds']:.3f} s" for row in figures["fixtures"]) or "none"
        lines.append(f"- `{label}` (setup {figures['phases'].get('setup', 0.0):.2f} s): {top}")
    if missing:
        lines += ["", f"No fixture timings from: {', '.join(f'`{label}`' for label in missing)}"]
    return "\n".join(lines) + "\n"


def collect(testlogs: str, labels: Sequence[str]) -> tuple[list[TargetTimes], list[str]]:
    """Each target's times, and the labels that left no fixture_times.json (not run, or not a pytest target)."""
    targets, missing = [], []
    for label in labels:
        outputs = read_target_outputs(testlogs, label, OUTPUT_NAME)
        if outputs:
            targets.append(target_times(outputs))
        else:
            missing.append(label)
    return targets, missing


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--testlogs", required=True, help="`bazel info bazel-testlogs`")
    parser.add_argument("--out", required=True, help="folder for fixture_times.json and fixture_times.md")
    parser.add_argument("labels", nargs="+", help="test targets, e.g. //d1_targeting/tests:geo_test")
    args = parser.parse_args(argv)
    try:
        targets, missing = collect(args.testlogs, args.labels)
    except CiToolError as error:
        print(f"fixture_times: {error}", file=sys.stderr)
        return 2
    report = build_report(targets)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, OUTPUT_NAME), "w", encoding="utf-8") as out:
        json.dump(report, out, indent=1)
    markdown = os.path.join(args.out, "fixture_times.md")
    with open(markdown, "w", encoding="utf-8") as out:
        out.write(format_markdown(report, missing))
    print(f"fixture_times: {len(targets)} targets, fixture setup {report['fixture_setup_seconds']:.2f} s; {markdown}")
    for row in report["fixtures"][:5]:
        print(f"fixture_times:   {row['seconds']:8.3f} s  {row['setups']:5} setups  {row['name']} ({row['module']})")
    for row in report["slowest_tests"][:5]:
        print(f"fixture_times:   slowest test {row['seconds']:8.3f} s  {row['nodeid']}")
    if missing:
        print(f"fixture_times: no timings from {len(missing)} target(s): {', '.join(missing)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
