"""Test-time regression gate: per-target seconds from Bazel's JUnit XML against a committed baseline.

    python3 -m tools.ci.test_times check  --testlogs DIR [--baseline F] [--bep FILE] LABEL...
    python3 -m tools.ci.test_times update --testlogs DIR [--baseline F] LABEL...   (refresh the baseline)

A target fails the check when it is both more than 50% and more than 2 s slower than its baseline.
Machine load slows every target alike, so the baseline is first scaled by the run's load factor: the
median of new/baseline over all targets, never below 1. A target that got slower on its own still stands
out; a busy machine does not fail the job. With `--bep` (Bazel's --build_event_json_file of the run), a
target whose result came from a cache is not judged: its seconds were measured by another run, on another
machine or under another load, and say nothing about this change.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tools.ci.errors import BaselineError, CiToolError
from tools.ci.test_results import xml_paths

DEFAULT_BASELINE = os.path.join("tools", "ci", "test_time_baseline.json")
SLOWER_RATIO = 1.5
SLOWER_SECONDS = 2.0


def junit_seconds(text: str) -> float:
    """Sum of the `time` of every <testsuite> in one JUnit XML document (pytest's session time)."""
    root = ElementTree.fromstring(text)
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    return sum(float(suite.get("time", "0") or 0) for suite in suites)


def target_seconds(testlogs: str, label: str) -> float | None:
    """Seconds one target's tests took: shards add up; under --runs_per_test, the mean of the runs."""
    paths = xml_paths(testlogs, label)
    if not paths:
        return None
    total = 0.0
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                total += junit_seconds(handle.read())
        except (OSError, ElementTree.ParseError, ValueError):
            return None
    runs = {part for part in (os.path.basename(os.path.dirname(p)) for p in paths) if part.startswith("run_")}
    return total / max(1, len(runs))


def read_durations(testlogs: str, labels: Sequence[str]) -> dict[str, float]:
    """Label -> seconds for every target with readable JUnit XML (targets without any are left out)."""
    durations = {}
    for label in labels:
        seconds = target_seconds(testlogs, label)
        if seconds is not None:
            durations[label] = round(seconds, 3)
    return durations


@dataclass(frozen=True)
class Slowdown:
    """A target slower than its (load-scaled) baseline by more than both thresholds."""

    label: str
    baseline: float
    scaled_baseline: float
    seconds: float

    def describe(self) -> str:
        return (
            f"{self.label}: {self.seconds:.2f}s, baseline {self.baseline:.2f}s "
            f"(scaled for load {self.scaled_baseline:.2f}s): "
            f"+{self.seconds - self.scaled_baseline:.2f}s, x{self.seconds / self.scaled_baseline:.2f}"
        )


def cached_labels(bep_path: str) -> set[str]:
    """Targets whose test results this run took from a cache (local action cache, disk or remote cache), per
    the TestResult events of Bazel's JSON build event file."""
    cached: set[str] = set()
    try:
        with open(bep_path, encoding="utf-8") as events:
            for line in events:
                event = json.loads(line) if line.strip() else {}
                label = event.get("id", {}).get("testResult", {}).get("label")
                result = event.get("testResult")
                if label and isinstance(result, dict):
                    if result.get("cachedLocally") or result.get("executionInfo", {}).get("cachedRemotely"):
                        cached.add(label)
    except (OSError, ValueError) as error:
        raise BaselineError(f"{bep_path}: not a JSON build event file ({error})") from error
    return cached


def load_factor(baseline: Mapping[str, float], current: Mapping[str, float]) -> float:
    """Median slowdown of all targets with a baseline, never below 1: how much slower the machine is."""
    ratios = [current[label] / seconds for label, seconds in baseline.items() if label in current and seconds > 0]
    return max(1.0, statistics.median(ratios)) if ratios else 1.0


def find_slowdowns(
    baseline: Mapping[str, float],
    current: Mapping[str, float],
    ratio: float = SLOWER_RATIO,
    seconds: float = SLOWER_SECONDS,
    normalize: bool = True,
) -> list[Slowdown]:
    """Targets more than `ratio` times and more than `seconds` slower than their (scaled) baseline."""
    factor = load_factor(baseline, current) if normalize else 1.0
    slow = []
    for label in sorted(current):
        if label not in baseline:
            continue
        scaled = baseline[label] * factor
        if current[label] > scaled * ratio and current[label] - scaled > seconds:
            slow.append(Slowdown(label, baseline[label], scaled, current[label]))
    return slow


def load_baseline(path: str) -> dict[str, float]:
    """Label -> seconds from the committed baseline file."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        return {str(label): float(value) for label, value in data["seconds"].items()}
    except FileNotFoundError as error:
        raise BaselineError(f"no test-time baseline at {path}; create it with `test_times update`") from error
    except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as error:
        raise BaselineError(f"{path}: not a test-time baseline ({error})") from error


def write_baseline(path: str, durations: Mapping[str, float]) -> None:
    """Writes the baseline (sorted, stable diffs)."""
    data = {
        "about": "Seconds per test target (JUnit XML time). Refresh: python3 -m tools.ci.test_times update; "
        "see docs/ci.md.",
        "seconds": {label: round(value, 2) for label, value in sorted(durations.items())},
    }
    with open(path, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=2)
        out.write("\n")


def idle_seconds(previous: Mapping[str, float], current: Mapping[str, float]) -> tuple[dict[str, float], float]:
    """The run's seconds scaled back by its load factor against the previous baseline, so a baseline refreshed
    on a busy machine still holds idle-machine seconds (new targets are scaled alike); and that factor."""
    factor = load_factor(previous, current)
    return {label: seconds / factor for label, seconds in current.items()}, factor


def _update(path: str, current: Mapping[str, float], normalize: bool) -> int:
    factor = 1.0
    if normalize and os.path.exists(path):
        try:
            current, factor = idle_seconds(load_baseline(path), current)
        except CiToolError as error:
            print(f"test_times: {error}", file=sys.stderr)
            return 2
    write_baseline(path, current)
    print(f"test_times: baseline of {len(current)} targets written to {path} (run scaled by load factor x{factor:.2f})")
    return 0


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["check", "update"])
    parser.add_argument("--testlogs", required=True, help="`bazel info bazel-testlogs`")
    parser.add_argument("--baseline", default=DEFAULT_BASELINE)
    parser.add_argument("--no-normalize", action="store_true", help="compare raw seconds, no load factor")
    parser.add_argument("--bep", help="the run's --build_event_json_file: cached results are not judged")
    parser.add_argument("labels", nargs="+", help="test targets, e.g. //d1_targeting/tests:geo_test")
    args = parser.parse_args(argv)
    current = read_durations(args.testlogs, args.labels)
    if args.command == "update":
        return _update(args.baseline, current, normalize=not args.no_normalize)
    try:
        baseline = load_baseline(args.baseline)
        cached = cached_labels(args.bep) & set(current) if args.bep else set()
    except CiToolError as error:
        print(f"test_times: {error}", file=sys.stderr)
        return 2
    current = {label: seconds for label, seconds in current.items() if label not in cached}
    factor = load_factor(baseline, current) if not args.no_normalize else 1.0
    slow = find_slowdowns(baseline, current, normalize=not args.no_normalize)
    unknown = sorted(set(current) - set(baseline))
    print(
        f"test_times: {len(current)} targets, {sum(current.values()):.1f}s in all; load factor x{factor:.2f}; "
        f"{len(unknown)} without a baseline" + (f"; {len(cached)} cached, not judged" if args.bep else "")
    )
    for item in slow:
        print(f"test_times: SLOWER: {item.describe()}", file=sys.stderr)
    if slow:
        print(
            f"test_times: {len(slow)} target(s) more than {SLOWER_RATIO - 1:.0%} and {SLOWER_SECONDS:.0f} s slower "
            "than the baseline; if intended, refresh it (see docs/ci.md, `test_times update`)",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
