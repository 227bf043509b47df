"""Per-target test timings for the fixture-time report: each fixture's setup seconds (by name, scope and
defining module), pytest's own setup/call/teardown seconds, and the slowest tests.

BazelTestPlugin feeds it from pytest's hooks and writes `fixture_times.json` into the test's undeclared
outputs; tools/ci/fixture_times.py aggregates the files of every target.
"""

from __future__ import annotations

import heapq
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

OUTPUT_NAME = "fixture_times.json"
FORMAT_VERSION = 1
SLOWEST_TESTS = 10
"""How many of the target's slowest tests (setup + call + teardown) the file keeps."""


@dataclass
class FixtureCost:
    """Setups of one fixture in this run and the seconds they took (its own setup, not its dependencies')."""

    setups: int = 0
    seconds: float = 0.0
    max_seconds: float = 0.0

    def add(self, seconds: float) -> None:
        self.setups += 1
        self.seconds += seconds
        self.max_seconds = max(self.max_seconds, seconds)


@dataclass
class FixtureTimes:
    """Collects one pytest session's timings; `timer` is injected (time.perf_counter by default)."""

    timer: Callable[[], float] = time.perf_counter
    fixtures: dict[tuple[str, str, str], FixtureCost] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=lambda: {"setup": 0.0, "call": 0.0, "teardown": 0.0})
    test_seconds: dict[str, float] = field(default_factory=dict)

    def add_fixture(self, name: str, scope: str, module: str, seconds: float) -> None:
        self.fixtures.setdefault((name, scope, module), FixtureCost()).add(seconds)

    def add_phase(self, nodeid: str, when: str, seconds: float) -> None:
        """One of pytest's test phases (setup, call, teardown) and its duration."""
        self.phases[when] = self.phases.get(when, 0.0) + seconds
        self.test_seconds[nodeid] = self.test_seconds.get(nodeid, 0.0) + seconds

    def to_json(self, target: str) -> dict[str, Any]:
        slowest = heapq.nlargest(SLOWEST_TESTS, self.test_seconds.items(), key=lambda item: (item[1], item[0]))
        ranked = sorted(self.fixtures.items(), key=lambda item: (-item[1].seconds, item[0]))
        return {
            "version": FORMAT_VERSION,
            "target": target,
            "tests": len(self.test_seconds),
            "phases": {when: round(seconds, 6) for when, seconds in self.phases.items()},
            "fixtures": [
                {
                    "name": name,
                    "scope": scope,
                    "module": module,
                    "setups": cost.setups,
                    "seconds": round(cost.seconds, 6),
                    "max_seconds": round(cost.max_seconds, 6),
                }
                for (name, scope, module), cost in ranked
            ],
            "slowest_tests": [{"nodeid": nodeid, "seconds": round(seconds, 6)} for nodeid, seconds in slowest],
        }

    def write(self, directory: str, target: str) -> str:
        """Writes fixture_times.json into `directory` (the test's undeclared outputs); returns its path."""
        path = os.path.join(directory, OUTPUT_NAME)
        with open(path, "w", encoding="utf-8") as out:
            json.dump(self.to_json(target), out, indent=1)
        return path
