"""Which lines a change adds or modifies, from `git diff -U0` (the input of diff coverage)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping

from tools.ci.errors import DiffParseError, GitError

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")

ChangedLines = Mapping[str, frozenset[int]]
"""Repository-relative path -> line numbers (in the new version) the change added or modified."""


def parse_unified_diff(text: str) -> dict[str, frozenset[int]]:
    """Reads `git diff -U0` output into changed lines per file; deleted files and pure deletions add none."""
    changed: dict[str, set[int]] = {}
    current: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("+++ "):
            target = line[4:].strip()
            if target.startswith('"') and target.endswith('"'):
                target = target[1:-1]
            current = None if target == "/dev/null" else target.removeprefix("b/")
            if current is not None:
                changed.setdefault(current, set())
        elif line.startswith("@@"):
            match = _HUNK.match(line)
            if match is None:
                raise DiffParseError(f"git diff line {number}: malformed hunk header {line!r}")
            if current is None:
                continue  # a hunk of a deleted file
            start, count = int(match.group(1)), int(match.group(2) or "1")
            changed[current].update(range(start, start + count))
    return {path: frozenset(lines) for path, lines in changed.items() if lines}


def git_changed_lines(repo: str, base: str, pathspecs: tuple[str, ...] = ("*.py",)) -> dict[str, frozenset[int]]:
    """Lines changed between the merge base of `base` and HEAD in `repo`, for files matching `pathspecs`."""
    command = [
        "git",
        "-C",
        repo,
        "-c",
        "core.quotepath=off",
        "diff",
        "-U0",
        "--no-color",
        "--no-ext-diff",
        "--find-renames",
        f"{base}...HEAD",
        "--",
        *pathspecs,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise GitError(f"`git diff {base}...HEAD` failed in {repo}: {result.stderr.strip()}")
    return parse_unified_diff(result.stdout)


def format_ranges(lines: frozenset[int] | set[int] | list[int]) -> str:
    """Compacts line numbers into ranges: {3, 4, 5, 9} -> "3-5, 9"."""
    runs: list[list[int]] = []
    for line in sorted(set(lines)):
        if runs and line == runs[-1][1] + 1:
            runs[-1][1] = line
        else:
            runs.append([line, line])
    return ", ".join(str(first) if first == last else f"{first}-{last}" for first, last in runs)
