"""Collects what CI keeps from a run into one folder the workflow uploads: the coverage report (merged
lcov, coverage_summary.json, HTML) and every target's JUnit XML.

    python3 -m tools.ci.artifacts --testlogs DIR --coverage-dir DIR --out ci-artifacts LABEL...

Writes <out>/coverage/... and <out>/junit/<package>/<target>[/<shard or run>].xml; anything a failed run
did not produce is reported and skipped, so the artifacts of a failing run are still kept.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Sequence

from tools.ci.test_results import xml_paths

COVERAGE_FILES = ("_coverage_report.dat", "coverage_summary.json")


def collect_coverage(coverage_dir: str, out: str) -> list[str]:
    """Copies the combined coverage report into <out>/coverage; returns the names it could not find."""
    target = os.path.join(out, "coverage")
    os.makedirs(target, exist_ok=True)
    missing = []
    for name in COVERAGE_FILES:
        source = os.path.join(coverage_dir, name)
        if os.path.isfile(source):
            shutil.copyfile(source, os.path.join(target, name))
        else:
            missing.append(name)
    html = os.path.join(coverage_dir, "html")
    if os.path.isdir(html):
        shutil.rmtree(os.path.join(target, "html"), ignore_errors=True)
        shutil.copytree(html, os.path.join(target, "html"))
    else:
        missing.append("html")
    return missing


def collect_junit(testlogs: str, labels: Sequence[str], out: str) -> list[str]:
    """Copies each target's test.xml (one per shard/run) under <out>/junit; returns labels without any."""
    missing = []
    for label in labels:
        paths = xml_paths(testlogs, label)
        if not paths:
            missing.append(label)
            continue
        package, _, name = label.lstrip("/").partition(":")
        for path in paths:
            part = os.path.basename(os.path.dirname(path))
            relative = f"{name}.xml" if part == name else os.path.join(name, f"{part}.xml")
            destination = os.path.join(out, "junit", package, relative)
            os.makedirs(os.path.dirname(destination), exist_ok=True)
            shutil.copyfile(path, destination)
    return missing


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--testlogs", required=True)
    parser.add_argument("--coverage-dir", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("labels", nargs="*")
    args = parser.parse_args(argv)
    missing_coverage = collect_coverage(args.coverage_dir, args.out)
    missing_junit = collect_junit(args.testlogs, args.labels, args.out)
    if missing_coverage:
        print(f"artifacts: not produced by this run: {', '.join(missing_coverage)}", file=sys.stderr)
    if missing_junit:
        print(f"artifacts: no JUnit XML for: {', '.join(missing_junit)}", file=sys.stderr)
    print(f"artifacts: coverage report and JUnit XML of {len(args.labels) - len(missing_junit)} targets in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
