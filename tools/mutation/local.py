"""Runs a module's mutation test outside Bazel, with the very engine its Bazel actions run.

    python -m tools.mutation.local --module d1_targeting [--file d1_targeting/priority.py ...]

Run it from the repository root with a Python that has the lock installed (e.g. a venv:
`python3 -m venv /tmp/venv && /tmp/venv/bin/pip install --no-deps -r requirements_lock.txt`, then
`/tmp/venv/bin/python -m tools.mutation.local ...`). It copies the repository's packages into a temp dir (the
work tree is never written), maps the module's tests to its files, mutates the chosen files (default: all)
and prints the table and survivors that `//<module>:mutation_test` prints. Exit 1 under the floor.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence

from tools.build_file import BuildFileError, rule_calls
from tools.mutation.engine_cli import main as engine_main
from tools.mutation.mutation_report import ReportError, read_results, read_skips, render, score_module

_NOT_COPIED = (".git/", ".bazel/", "bazel-", "ci-artifacts/")


class LocalRunError(RuntimeError):
    """The local run cannot start; the message says what is missing."""


def module_settings(workspace: str, module: str) -> tuple[float, str, str | None]:
    """The module's floor, its test BUILD file and its skip file, read from its `mutation_floor` call."""
    build = os.path.join(workspace, module, "BUILD.bazel")
    try:
        calls = rule_calls(build, "mutation_floor") if os.path.isfile(build) else []
    except BuildFileError as error:
        raise LocalRunError(str(error)) from error
    if not calls:
        raise LocalRunError(f"{module}/BUILD.bazel declares no mutation_floor: nothing to run")
    call = calls[0]
    floor = call.arguments.get("floor")
    test_build = call.string("test_build")
    if not isinstance(floor, int | float) or not test_build:
        raise LocalRunError(f"{module}/BUILD.bazel: mutation_floor needs a literal floor and test_build")
    skips = call.string("skips")
    return float(floor), test_build.lstrip("/").replace(":", "/"), os.path.join(module, skips) if skips else None


def tracked_files(workspace: str) -> list[str]:
    """The repository's files as git knows them (with uncommitted edits), minus build and CI outputs."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=workspace,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    return [f for f in listed if f and not f.startswith(_NOT_COPIED) and os.path.isfile(os.path.join(workspace, f))]


def module_sources(files: list[str], module: str) -> list[str]:
    """The module's `.py` files that are mutated (not its tests)."""
    return [f for f in files if f.startswith(module + "/") and f.endswith(".py") and "/tests/" not in f]


def _in_python_package(workspace: str, path: str) -> bool:
    """Files of the top-level packages (modules, testing/, tools/): what the tests may import or read."""
    top = path.split("/", 1)[0]
    return "/" in path and os.path.isfile(os.path.join(workspace, top, "__init__.py"))


def _engine(argv: list[str]) -> None:
    if engine_main(argv) != 0:
        raise LocalRunError("the mutation engine failed (its message is above)")


def run(workspace: str, module: str, only: list[str], keep: str | None) -> int:
    """Maps the tests, mutates each chosen file, prints the report; returns the exit code."""
    floor, test_build, skips_file = module_settings(workspace, module)
    # The engine's children import the temp dir's copies only, never the work tree (`python -m` put it first).
    sys.path[:] = [p for p in sys.path if os.path.realpath(p or os.curdir) != os.path.realpath(workspace)]
    files = tracked_files(workspace)
    sources = module_sources(files, module)
    unknown = sorted(set(only) - set(sources))
    if unknown:
        raise LocalRunError(f"not a source file of {module}: {', '.join(unknown)} (give paths from the repo root)")
    chosen = only or sources
    scratch = keep or tempfile.mkdtemp(prefix="mutation-local-")
    os.makedirs(scratch, exist_ok=True)
    copy = os.path.join(scratch, "copy.json")
    with open(copy, "w", encoding="utf-8") as handle:
        json.dump({f: os.path.join(workspace, f) for f in files if _in_python_package(workspace, f)}, handle)
    lists = {source: os.path.join(scratch, source + ".tests") for source in sources}
    for path in lists.values():
        os.makedirs(os.path.dirname(path), exist_ok=True)
    print(f"mutation: mapping {module}'s tests to its files", flush=True)
    _engine(["test-map", "--module", module, "--copy", copy, *[f"--out={s}={p}" for s, p in lists.items()]])
    results = []
    for source in chosen:
        print(f"mutation: mutating {source}", flush=True)
        result = os.path.join(scratch, source + ".mutation.json")
        _engine(
            [
                "mutate",
                "--module",
                module,
                "--copy",
                copy,
                "--file",
                source,
                "--tests",
                lists[source],
                "--test-build",
                test_build,
                "--out",
                result,
                "--unused-out",
                os.path.join(scratch, "unused"),
            ]
        )
        results.append(result)
    skips = read_skips(os.path.join(workspace, skips_file) if skips_file else None)
    skips = {key: reason for key, reason in skips.items() if key.split("::", 1)[0] in chosen}
    report = score_module(module, floor, f"{module}/BUILD.bazel", read_results(results), skips)
    print(render(report))
    if only:
        print(f"(only {len(chosen)} of {module}'s {len(sources)} files: the floor applies to the whole module)")
    if keep is None:
        shutil.rmtree(scratch, ignore_errors=True)
    else:
        print(f"results kept in {scratch}")
    return 0 if report.passed else 1


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.mutation.local", description=__doc__.split("\n")[0])
    parser.add_argument("--module", required=True, help="top-level package, e.g. d1_targeting")
    parser.add_argument("--file", action="append", default=[], help="a source file to mutate (repeatable)")
    parser.add_argument("--keep", help="keep the test lists and JSON results in this folder")
    args = parser.parse_args(argv)
    try:
        import mutmut  # noqa: F401  (the lock's packages must be importable)
    except ImportError:
        print(
            "mutation: mutmut is not importable: run with a Python that has requirements_lock.txt installed, e.g.\n"
            "  python3 -m venv /tmp/venv && /tmp/venv/bin/pip install --no-deps -r requirements_lock.txt\n"
            "  /tmp/venv/bin/python -m tools.mutation.local --module ...",
            file=sys.stderr,
        )
        return 2
    try:
        return run(os.getcwd(), args.module.strip("/"), args.file, args.keep)
    except (LocalRunError, ReportError) as error:
        print(f"mutation: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
