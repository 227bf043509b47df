"""Merge step of sharded CI: joins the N shards' bundles (tools/ci/shard.py) into one testlogs tree and
judges it with the coverage report of a single-machine run (tools/coverage/coverage_report.py), so the
per-module table, the floors verdict, the merged lcov, coverage_summary.json and the HTML are the same.

    tools/bazel run //tools/ci:merge_shards -- --out DIR [--source-root .] SHARD_DIR...

(a py_binary: the coverage report reads sources with the `coverage` package, locked in requirements_lock.txt;
relative paths are taken from where `bazel run` was called, the source root defaults to the workspace.)

Writes DIR/testlogs/<package>/<target>/{test.xml,coverage.dat} (every shard's), DIR/targets.txt (every test
target of the run) and DIR/coverage/ (_coverage_report.dat, coverage_summary.json, html/). The later CI tools
(artifacts, test_times, pr_report, trend, test_results) read these as they read a single run's outputs.
Exit status: the report's (1 when a module or the total is under its floor); 2 when the bundles are not one
complete partition of one run (a shard missing or given twice, a target in two shards, bundles of other runs).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from tools.ci.errors import CiToolError, ShardError
from tools.ci.shard import BUNDLE_FILE
from tools.coverage import coverage_report

REPORTS_FILE = "coverage_reports.txt"
"""The list of every shard's coverage.dat, given to the coverage report as Bazel gives its own."""


@dataclass(frozen=True)
class ShardBundle:
    """One shard's bundle: which shard of how many, its labels, every label of the run, and its folder."""

    folder: str
    index: int
    count: int
    labels: tuple[str, ...]
    all_labels: tuple[str, ...]


def read_bundle(folder: str) -> ShardBundle:
    """Reads <folder>/shard.json; raises ShardError naming the file when it is missing or malformed."""
    path = os.path.join(folder, BUNDLE_FILE)
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        return ShardBundle(
            folder=folder,
            index=int(data["shard"]),
            count=int(data["of"]),
            labels=tuple(str(label) for label in data["labels"]),
            all_labels=tuple(str(label) for label in data["all_labels"]),
        )
    except FileNotFoundError as error:
        raise ShardError(f"{folder} is not a shard bundle: no {BUNDLE_FILE} (written by `.ci/run --shard`)") from error
    except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise ShardError(f"{path}: not a shard bundle ({error})") from error


def check_partition(bundles: Sequence[ShardBundle]) -> list[str]:
    """Every label of the run, once the bundles are shown to be shards 1..N of one run that together ran each
    test target exactly once; raises ShardError saying what is missing or repeated otherwise."""
    if not bundles:
        raise ShardError("no shard bundles to merge")
    count = bundles[0].count
    all_labels = bundles[0].all_labels
    for bundle in bundles:
        if bundle.count != count or bundle.all_labels != all_labels:
            raise ShardError(
                f"{bundle.folder} (shard {bundle.index}/{bundle.count}) is not of the same run as "
                f"{bundles[0].folder} (shard {bundles[0].index}/{count}): shard counts or test targets differ"
            )
    indices = sorted(bundle.index for bundle in bundles)
    if indices != list(range(1, count + 1)):
        missing = sorted(set(range(1, count + 1)) - set(indices))
        repeated = sorted({index for index in indices if indices.count(index) > 1})
        raise ShardError(
            f"need shards 1..{count} once each; missing {missing or 'none'}, repeated {repeated or 'none'}"
        )
    seen: dict[str, int] = {}
    for bundle in bundles:
        for label in bundle.labels:
            if label in seen:
                raise ShardError(f"{label} ran in shard {seen[label]} and in shard {bundle.index}")
            seen[label] = bundle.index
    unrun = sorted(set(all_labels) - set(seen))
    unknown = sorted(set(seen) - set(all_labels))
    if unrun or unknown:
        raise ShardError(f"the shards do not partition the run's targets: in no shard {unrun}, unknown {unknown}")
    return sorted(all_labels)


def merge_testlogs(bundles: Sequence[ShardBundle], testlogs: str) -> list[str]:
    """Copies every bundle's testlogs tree into `testlogs`; returns the coverage.dat paths, sorted."""
    shutil.rmtree(testlogs, ignore_errors=True)
    reports = []
    for bundle in bundles:
        source = os.path.join(bundle.folder, "testlogs")
        if not os.path.isdir(source):
            continue
        shutil.copytree(source, testlogs, dirs_exist_ok=True)
        for folder, dirs, files in os.walk(source):
            dirs.sort()
            if "coverage.dat" in files:
                relative = os.path.relpath(os.path.join(folder, "coverage.dat"), source)
                reports.append(os.path.abspath(os.path.join(testlogs, relative)))
    return sorted(reports)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="folder for the merged testlogs and coverage report")
    parser.add_argument(
        "--source-root",
        default=os.environ.get("BUILD_WORKSPACE_DIRECTORY", "."),
        help="checkout to read the floors (BUILD files) from; default: the workspace",
    )
    parser.add_argument("--no-html", action="store_true")
    parser.add_argument("shards", nargs="+", help="the shards' bundle folders (`.ci/run --shard I/N` output)")
    args = parser.parse_args(argv)
    here = os.environ.get("BUILD_WORKING_DIRECTORY", os.getcwd())  # under `bazel run`: where it was called
    args.out = os.path.join(here, args.out)
    args.shards = [os.path.join(here, folder) for folder in args.shards]
    try:
        bundles = sorted((read_bundle(folder) for folder in args.shards), key=lambda bundle: bundle.index)
        labels = check_partition(bundles)
    except CiToolError as error:
        print(f"merge_shards: {error}", file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)
    reports = merge_testlogs(bundles, os.path.join(args.out, "testlogs"))
    with open(os.path.join(args.out, "targets.txt"), "w", encoding="utf-8") as handle:
        handle.writelines(f"{label}\n" for label in labels)
    reports_file = os.path.join(args.out, REPORTS_FILE)
    with open(reports_file, "w", encoding="utf-8") as handle:
        handle.writelines(f"{path}\n" for path in reports)
    coverage_dir = os.path.join(args.out, "coverage")
    shutil.rmtree(coverage_dir, ignore_errors=True)
    os.makedirs(coverage_dir)
    print(f"merge_shards: {len(bundles)} shards, {len(labels)} test targets, {len(reports)} coverage reports")
    report_args = [
        f"--reports_file={reports_file}",
        f"--output_file={os.path.join(coverage_dir, '_coverage_report.dat')}",
        f"--source_root={os.path.abspath(args.source_root)}",
    ]
    return coverage_report.main(report_args + (["--no_html"] if args.no_html else []))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
