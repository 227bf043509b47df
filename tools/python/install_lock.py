"""Installs a hashed pip-compile lock into one `--target` folder with a few pip processes at once.

Run by //tools/python:pip.bzl: a single `pip install` unpacks the ~35 locked wheels one after another (~30 s
on a cold 2-core machine). Here the lock's requirements are split into a few groups, one pip process each, run
side by side into folders of their own, then merged into SITE_PACKAGES. Every group is installed with
`--require-hashes --no-deps --only-binary=:all:`, so every wheel is still checked against the lock's hashes.
Standard library only (it runs before any locked package exists).

    python install_lock.py LOCK SITE_PACKAGES [--jobs N]

On this 2-core machine, warm pip cache: one pip process 33 s and 31 s; four 15 s (2026-12-01).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

PIP_ARGS = (
    "install",
    "--quiet",
    "--no-deps",
    "--require-hashes",
    "--only-binary=:all:",
    "--no-compile",  # pip.bzl compiles everything afterwards, reproducibly
    "--no-warn-script-location",
    "--disable-pip-version-check",
)


class InstallError(RuntimeError):
    """A group's pip process failed, or two groups installed the same file; the message says which."""


def requirement_blocks(lock_text: str) -> list[str]:
    """Each pinned requirement of a pip-compile lock with its `--hash` lines, comments dropped, in lock order."""
    blocks: list[list[str]] = []
    for raw in lock_text.splitlines():
        line = raw.split(" #", 1)[0].rstrip().rstrip("\\").strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("--hash="):
            if not blocks:
                raise InstallError(f"a hash before any requirement: {raw.strip()!r}")
            blocks[-1].append(line)
        elif line.startswith("-"):
            raise InstallError(f"unsupported option in the lock: {raw.strip()!r}")
        else:
            blocks.append([line])
    return [" \\\n    ".join(block) + "\n" for block in blocks]


def split_round_robin(blocks: Sequence[str], groups: int) -> list[list[str]]:
    """`blocks` dealt into at most `groups` non-empty groups (every block exactly once)."""
    dealt: list[list[str]] = [[] for _ in range(max(1, min(groups, len(blocks))))]
    for index, block in enumerate(blocks):
        dealt[index % len(dealt)].append(block)
    return [group for group in dealt if group]


def merge_tree(source: Path, target: Path) -> None:
    """Moves everything under `source` into `target`; folders present in both (namespace packages) are merged,
    a file present in both is an error (two distributions would own it)."""
    target.mkdir(parents=True, exist_ok=True)
    for entry in sorted(source.iterdir()):
        destination = target / entry.name
        if entry.is_dir() and not entry.is_symlink() and destination.is_dir():
            merge_tree(entry, destination)
        elif destination.exists() or destination.is_symlink():
            raise InstallError(f"{destination} is installed by two groups of the lock")
        else:
            shutil.move(str(entry), str(destination))


def install(lock: Path, site_packages: Path, jobs: int, python: str = sys.executable) -> None:
    """Installs `lock` into `site_packages` with up to `jobs` pip processes at once."""
    groups = split_round_robin(requirement_blocks(lock.read_text(encoding="utf-8")), jobs)
    with tempfile.TemporaryDirectory(prefix="install-lock-", dir=site_packages.parent) as scratch:
        running = []
        for index, group in enumerate(groups):
            requirements = Path(scratch, f"group{index}.txt")
            requirements.write_text("".join(group), encoding="utf-8")
            folder = Path(scratch, f"site{index}")
            command = [python, "-m", "pip", *PIP_ARGS, "--target", str(folder), "-r", str(requirements)]
            running.append(
                (folder, subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
            )
        failures = []
        for folder, process in running:
            output, _ = process.communicate()
            if process.returncode != 0:
                failures.append(f"pip exited {process.returncode} installing {folder.name}:\n{output}")
        if failures:
            raise InstallError("\n".join(failures))
        for folder, _ in running:
            if folder.is_dir():
                merge_tree(folder, site_packages)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("lock", type=Path)
    parser.add_argument("site_packages", type=Path)
    parser.add_argument("--jobs", type=int, default=4, help="pip processes at once (default 4: unpacking waits on I/O)")
    args = parser.parse_args(argv)
    try:
        install(args.lock, args.site_packages, args.jobs)
    except (InstallError, OSError) as error:
        print(f"install_lock: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
