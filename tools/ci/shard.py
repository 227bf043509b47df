"""Sharded CI: splits the test targets into N shards of about equal test time, and bundles one shard's
results (JUnit XML and per-target coverage) for the merge step (tools/ci/merge_shards.py).

    python3 -m tools.ci.shard select --shard I/N [--baseline F] LABEL...    # prints shard I's labels
    python3 -m tools.ci.shard bundle --shard I/N --testlogs DIR --out DIR [--baseline F] LABEL...

LABEL... is every test target of the run (the same list on every shard), so each shard computes the same
partition on its own machine. The split is greedy longest-processing-time over the committed test-time
baseline: targets in order of decreasing seconds (ties by label) each go to the shard with the least time so
far (ties: the lowest shard). A target without a baseline weighs the baseline's median. It depends only on
the labels and the baseline, so it is stable from run to run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tools.ci.errors import CiToolError, ShardError
from tools.ci.test_times import DEFAULT_BASELINE, load_baseline

BUNDLE_FILE = "shard.json"
"""What a bundle says of itself: which shard of how many, its labels and every label of the run."""

KEPT_FILES = ("test.xml", "coverage.dat")
"""What a bundle keeps of each target's testlogs folder (and of each of its shard_*/run_* folders)."""
OUTPUTS_FOLDER = "test.outputs"
"""A test's undeclared outputs (outputs.zip, or loose files): kept whole, for the mock-usage and fixture-time
reports of the merge."""

DEFAULT_SECONDS = 1.0
"""Weight of every target when the baseline is empty."""


@dataclass(frozen=True)
class ShardSpec:
    """Shard `index` (1-based) of `count`."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(spec: str) -> ShardSpec:
    """Reads `I/N` (1 <= I <= N); raises ShardError saying what is wrong."""
    index_text, slash, count_text = spec.partition("/")
    if not slash or not index_text.isdigit() or not count_text.isdigit():
        raise ShardError(f"--shard must be I/N with whole numbers, e.g. 1/2; got {spec!r}")
    index, count = int(index_text), int(count_text)
    if count < 1 or not 1 <= index <= count:
        raise ShardError(f"--shard {spec}: need 1 <= I <= N")
    return ShardSpec(index, count)


def target_weights(labels: Sequence[str], baseline: Mapping[str, float]) -> dict[str, float]:
    """Label -> expected seconds: its baseline, or the baseline's median for a target the baseline lacks."""
    median = statistics.median(baseline.values()) if baseline else DEFAULT_SECONDS
    return {label: baseline.get(label, median) for label in labels}


def partition(weights: Mapping[str, float], count: int) -> list[list[str]]:
    """Splits the labels into `count` shards of about equal total weight (greedy LPT); each shard sorted."""
    if count < 1:
        raise ShardError(f"need at least one shard, got {count}")
    shards: list[list[str]] = [[] for _ in range(count)]
    totals = [0.0] * count
    for label in sorted(weights, key=lambda name: (-weights[name], name)):
        lightest = min(range(count), key=lambda shard: (totals[shard], shard))
        shards[lightest].append(label)
        totals[lightest] += weights[label]
    return [sorted(shard) for shard in shards]


def select(labels: Sequence[str], baseline: Mapping[str, float], spec: ShardSpec) -> list[str]:
    """The labels of shard `spec` among every label of the run."""
    return partition(target_weights(sorted(set(labels)), baseline), spec.count)[spec.index - 1]


def _kept_files(testlogs: str, label: str) -> list[str]:
    """Paths (relative to testlogs) of the files a bundle keeps of one target."""
    package, _, name = label.lstrip("/").partition(":")
    folder = os.path.join(package, name)
    kept: list[str] = []
    for current, dirs, files in os.walk(os.path.join(testlogs, folder)):
        if OUTPUTS_FOLDER in os.path.relpath(current, testlogs).split(os.sep):
            dirs.sort()
            kept.extend(os.path.relpath(os.path.join(current, f), testlogs) for f in sorted(files))
            continue
        dirs[:] = sorted(d for d in dirs if d.startswith(("shard_", "run_")) or d == OUTPUTS_FOLDER)
        kept.extend(os.path.relpath(os.path.join(current, f), testlogs) for f in sorted(files) if f in KEPT_FILES)
    return kept


def write_bundle(
    testlogs: str, spec: ShardSpec, shard_labels: Sequence[str], all_labels: Sequence[str], out: str
) -> list[str]:
    """Copies the shard's test.xml and coverage.dat files to <out>/testlogs (same layout as Bazel's testlogs,
    which the coverage report reads to know which targets ran) and writes <out>/shard.json. Returns the
    labels that left no test.xml (they crashed or never ran; the merge counts them as failed)."""
    shutil.rmtree(os.path.join(out, "testlogs"), ignore_errors=True)
    missing = []
    for label in shard_labels:
        kept = _kept_files(testlogs, label)
        if not any(os.path.basename(path) == "test.xml" for path in kept):
            missing.append(label)
        for relative in kept:
            destination = os.path.join(out, "testlogs", relative)
            os.makedirs(os.path.dirname(destination), exist_ok=True)
            shutil.copyfile(os.path.join(testlogs, relative), destination)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, BUNDLE_FILE), "w", encoding="utf-8") as handle:
        json.dump(
            {
                "shard": spec.index,
                "of": spec.count,
                "labels": sorted(shard_labels),
                "all_labels": sorted(set(all_labels)),
            },
            handle,
            indent=2,
        )
        handle.write("\n")
    return missing


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["select", "bundle"])
    parser.add_argument("--shard", required=True, help="I/N: shard I (1-based) of N")
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="test-time baseline (JSON)")
    parser.add_argument("--testlogs", help="bundle: `bazel info bazel-testlogs` of the shard's run")
    parser.add_argument("--out", help="bundle: folder to write the bundle to")
    parser.add_argument("labels", nargs="*", help="every test target of the run")
    args = parser.parse_intermixed_args(argv)
    try:
        spec = parse_shard(args.shard)
        labels = select(args.labels, load_baseline(args.baseline), spec)
        if args.command == "select":
            print("\n".join(labels))
            return 0
        if not args.testlogs or not args.out:
            raise ShardError("bundle needs --testlogs and --out")
        missing = write_bundle(args.testlogs, spec, labels, args.labels, args.out)
    except CiToolError as error:
        print(f"shard: {error}", file=sys.stderr)
        return 2
    if missing:
        print(f"shard: no JUnit XML for: {', '.join(missing)}", file=sys.stderr)
    print(f"shard {spec}: bundle of {len(labels)} targets ({len(labels) - len(missing)} with results) in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
