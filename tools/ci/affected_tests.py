"""Checks that `bazel query 'tests(rdeps(//..., FILE))'` names exactly the tests that rerun when FILE changes.

The truth is each test's runfiles manifest (`bazel-bin/<package>/<target>.runfiles_manifest`): a test reruns
when a file in its runfiles changes, and only then. Tools that pick the tests of a change (pre-commit's
tools/ci/test_changed.sh, bazel-diff, target-determinator) trust the query, so a false dependency edge makes
them run everything, and a missing one skips a test that should run.

    python3 -m tools.ci.affected_tests --bazel-bin .bazel/bin d0_gateway/client.py d1_targeting/fair_split.py

Needs the tests built (any `bazel test` or `bazel coverage` of them); exits 1 naming each difference.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Iterable, Sequence

from tools.ci.errors import CiToolError

WORKSPACE_NAME = "leadfactory"
MUTATION_TARGETS = 'attr(tags, "\\bmutation\\b", //...)'
"""Mutation tests (tools/mutation) are built only with --config=mutation: CI's runs never hold their runfiles."""


class QueryError(CiToolError):
    """`bazel query` failed or a test's runfiles manifest is missing (the tests were not built)."""


def file_label(path: str, workspace_root: str) -> str:
    """The Bazel label of a source file: its package is the nearest folder above it with a BUILD file."""
    folder, name = os.path.split(os.path.normpath(path))
    parts: list[str] = [name]
    while not any(os.path.isfile(os.path.join(workspace_root, folder, b)) for b in ("BUILD.bazel", "BUILD")):
        if not folder:
            raise QueryError(f"{path} is in no Bazel package (no BUILD file above it)")
        folder, last = os.path.split(folder)
        parts.insert(0, last)
    return f"//{folder}:{'/'.join(parts)}"


def manifest_path(bazel_bin: str, test_label: str) -> str:
    package, _, name = test_label.removeprefix("//").partition(":")
    return os.path.join(bazel_bin, package, f"{name}.runfiles_manifest")


def targets_using(path: str, tests: Iterable[str], bazel_bin: str) -> set[str]:
    """The tests whose runfiles contain the workspace file `path`."""
    wanted = f"{WORKSPACE_NAME}/{os.path.normpath(path)} "
    using = set()
    for test in tests:
        manifest = manifest_path(bazel_bin, test)
        if not os.path.isfile(manifest):
            raise QueryError(f"no runfiles manifest for {test} at {manifest}: build the tests first")
        with open(manifest, encoding="utf-8") as handle:
            if any(line.startswith(wanted) for line in handle):
                using.add(test)
    return using


def bazel_query(bazel: str, expression: str) -> set[str]:
    result = subprocess.run([bazel, "query", expression, "--output=label"], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise QueryError(f"bazel query {expression!r} failed:\n{result.stderr.strip()}")
    return {line.strip() for line in result.stdout.splitlines() if line.strip()}


def compare(path: str, queried: set[str], really: set[str]) -> list[str]:
    """Lines describing how the query differs from the truth (empty when they agree)."""
    problems = [
        f"{path}: query names {test}, which does not depend on it (false edge)" for test in sorted(queried - really)
    ]
    problems += [f"{path}: query misses {test}, which reruns when it changes" for test in sorted(really - queried)]
    return problems


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bazel", default="tools/bazel")
    parser.add_argument("--bazel-bin", required=True)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    try:
        all_tests = bazel_query(args.bazel, f"tests(//...) except {MUTATION_TARGETS}")
        problems = []
        for path in args.files:
            label = file_label(path, os.getcwd())
            queried = bazel_query(args.bazel, f"tests(rdeps(//..., {label})) except {MUTATION_TARGETS}")
            really = targets_using(path, all_tests, args.bazel_bin)
            print(f"affected tests: {path}: query {len(queried)}, runfiles {len(really)} of {len(all_tests)} tests")
            problems += compare(path, queried, really)
    except CiToolError as error:
        print(f"affected tests: {error}", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"affected tests FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
