"""Pull-request mutation gate: mutate only the files a change touches; list survivors on its changed lines.

    python3 -m tools.mutation.changed_files --base origin/main [--output ci-artifacts/mutation_pr.md]

For each changed `.py` file of a module whose BUILD.bazel declares `mutation_floor`, builds that file's
output group of `//<module>:mutation_test_results` (its test map and its mutate action; unchanged files
are not built at all, and a file already mutated at this content is a cache hit), then reports the
surviving mutants on lines the change added or modified that the module's known survivors
(`mutation_survivors.txt`) do not list. Exit 1 when there is any, 2 on bad input.
Standard library only (runs with the host python3, like the other CI gates).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections import Counter

from tools.ci.diff_lines import git_changed_lines
from tools.ci.errors import DiffParseError, GitError
from tools.mutation.mutation_report import (
    KILLED,
    Mutant,
    ReportError,
    match_known,
    read_known_survivors,
    read_results,
    read_skips,
)


def mutated_modules(workspace: str) -> set[str]:
    """Top-level packages whose BUILD.bazel declares a mutation floor."""
    modules = set()
    for entry in sorted(os.listdir(workspace)):
        build = os.path.join(workspace, entry, "BUILD.bazel")
        if os.path.isfile(build):
            with open(build, encoding="utf-8") as handle:
                if "mutation_floor(" in handle.read():
                    modules.add(entry)
    return modules


def output_group(path: str) -> str:
    """The output group of one file's result (tools/mutation/defs.bzl `_group`)."""
    return "mutation_" + path.replace("/", "_").replace(".", "_")


def changed_sources(changed: dict[str, frozenset[int]], modules: set[str]) -> dict[str, list[str]]:
    """Module -> its changed source files (not tests) that still exist."""
    by_module: dict[str, list[str]] = {}
    for path in sorted(changed):
        module = path.split("/", 1)[0]
        if module in modules and "/tests/" not in path and path.endswith(".py"):
            by_module.setdefault(module, []).append(path)
    return by_module


def survivors_on_changed_lines(
    mutants: list[Mutant],
    changed: dict[str, frozenset[int]],
    skips: dict[str, str],
    known: Counter[str] | None = None,
) -> list[Mutant]:
    """Surviving, non-equivalent mutants whose line the change added or modified, less the module's known
    survivors (each listed line excuses one survivor with its key: code moved, not a new gap)."""
    on_changed_lines = [
        m
        for m in mutants
        if m.status not in KILLED and m.key not in skips and m.line in changed.get(m.file, frozenset())
    ]
    return match_known(on_changed_lines, known or Counter())[0]


def render(base: str, survivors: list[Mutant], mutated: list[str], totals: dict[str, tuple[int, int]]) -> str:
    """Markdown for the pull-request comment."""
    lines = ["<!-- leadfactory-mutation-report -->", f"**Mutation testing of the files changed since `{base}`**", ""]
    if not mutated:
        return "\n".join([*lines, "No module source file changed: nothing to mutate."])
    lines += ["| file | mutants | killed |", "|---|---:|---:|"]
    lines += [f"| `{f}` | {totals[f][0]} | {totals[f][1]} |" for f in mutated]
    lines.append("")
    if survivors:
        lines.append(f"❌ {len(survivors)} new surviving mutant(s) on changed lines:")
        lines += [f"- `{m.file}:{m.line}`: `{m.original}` → `{m.mutant}` — `{m.command}`" for m in survivors]
    else:
        lines.append("✅ No surviving mutant on a changed line.")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="tools.mutation.changed_files")
    parser.add_argument("--base", required=True)
    parser.add_argument("--workspace", default=".")
    parser.add_argument("--bazel", default="tools/bazel")
    parser.add_argument("--output")
    args = parser.parse_args(argv)
    try:
        changed = dict(git_changed_lines(args.workspace, args.base))
    except (GitError, DiffParseError) as error:
        print(f"mutation: {error}", file=sys.stderr)
        return 2
    by_module = changed_sources(changed, mutated_modules(args.workspace))
    survivors: list[Mutant] = []
    totals: dict[str, tuple[int, int]] = {}
    mutated: list[str] = []
    if by_module:
        groups = ",".join(output_group(path) for paths in by_module.values() for path in paths)
        targets = [f"//{module}:mutation_test_results" for module in sorted(by_module)]
        build = subprocess.run(
            [args.bazel, "build", "--config=mutation", f"--output_groups={groups}", *targets], cwd=args.workspace
        )
        if build.returncode != 0:
            print("mutation: building the changed files' mutation results failed", file=sys.stderr)
            return 2
        bazel_bin = subprocess.run(
            [args.bazel, "info", "bazel-bin"], cwd=args.workspace, capture_output=True, text=True, check=True
        ).stdout.strip()
        try:
            for module, paths in sorted(by_module.items()):
                skips = read_skips(os.path.join(args.workspace, module, "mutation_skips.txt"))
                known_path = os.path.join(args.workspace, module, "mutation_survivors.txt")
                known = read_known_survivors(known_path) if os.path.exists(known_path) else None
                results = [
                    os.path.join(bazel_bin, module, "mutation_test_results", p + ".mutation.json") for p in paths
                ]
                mutants = read_results(results)
                for path in paths:
                    mine = [m for m in mutants if m.file == path]
                    totals[path] = (len(mine), sum(m.status in KILLED for m in mine))
                mutated += paths
                survivors += survivors_on_changed_lines(mutants, changed, skips, known)
        except (ReportError, OSError) as error:
            print(f"mutation: {error}", file=sys.stderr)
            return 2
    report = render(args.base, survivors, mutated, totals)
    print(report)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(report + "\n")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
