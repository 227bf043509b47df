"""Counts test cases from Bazel's JUnit XML and prints the closing line CI reads: `N passed, N failed`.

Usage: test_results.py TESTLOGS_DIR TARGET...   (targets as Bazel labels, e.g. //d1_targeting/tests:geo_test)
A target with no readable test.xml (it crashed or never ran) counts as one failed test.
"""

from __future__ import annotations

import os
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass
class Counts:
    passed: int = 0
    failed: int = 0
    skipped: int = 0

    def add(self, other: Counts) -> None:
        self.passed += other.passed
        self.failed += other.failed
        self.skipped += other.skipped

    def closing_line(self) -> str:
        line = f"{self.passed} passed, {self.failed} failed"
        return line + (f", {self.skipped} skipped" if self.skipped else "")


def xml_paths(testlogs: str, label: str) -> list[str]:
    """The test.xml files of //<package>:<name>: one, or one per shard/run (shard_1_of_2/test.xml)."""
    package, _, name = label.lstrip("/").partition(":")
    folder = os.path.join(testlogs, package, name)
    single = os.path.join(folder, "test.xml")
    if os.path.exists(single):
        return [single]
    try:
        parts = sorted(entry for entry in os.listdir(folder) if entry.startswith(("shard_", "run_")))
    except OSError:
        return []
    return [path for path in (os.path.join(folder, part, "test.xml") for part in parts) if os.path.exists(path)]


def count_junit(text: str) -> Counts:
    """Counts test cases in one JUnit XML document (pytest's, one <testsuite> per run or shard)."""
    root = ElementTree.fromstring(text)
    counts = Counts()
    for case in root.iter("testcase"):
        outcomes = {child.tag for child in case}
        if outcomes & {"failure", "error"}:
            counts.failed += 1
        elif "skipped" in outcomes:
            counts.skipped += 1
        else:
            counts.passed += 1
    return counts


def count_target(testlogs: str, label: str) -> Counts:
    paths = xml_paths(testlogs, label)
    if not paths:
        return Counts(failed=1)
    counts = Counts()
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                counts.add(count_junit(handle.read()))
        except (OSError, ElementTree.ParseError):
            counts.failed += 1
    return counts


def main(argv: Sequence[str]) -> int:
    if len(argv) < 1:
        print(__doc__, file=sys.stderr)
        return 2
    testlogs, labels = argv[0], argv[1:]
    total = Counts()
    for label in labels:
        total.add(count_target(testlogs, label))
    print(f"Tests: {total.closing_line()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
