"""Lists, per installed distribution, the files of a shared `pip install --target` folder that belong to it.

Run by //tools/python:pip.bzl after the one pip process that installs the whole lock: each package's
repository then links exactly its own files (its RECORD, plus the bytecode compiled beside them), so there
is still one Bazel repository per package. Standard library only.

    python split_site_packages.py SITE_PACKAGES OUT_DIR   # writes OUT_DIR/<normalized name>.files
"""

from __future__ import annotations

import csv
import os
import re
import sys
from pathlib import Path


def normalized(name: str) -> str:
    """The repository suffix pip.bzl derives from a package name: lower case, `-` and `.` as `_`."""
    return re.sub(r"[-_.]+", "_", name).lower()


def distribution_name(dist_info: Path) -> str:
    """The `Name:` of a .dist-info folder's METADATA (the folder name escapes some characters)."""
    with open(dist_info / "METADATA", encoding="utf-8") as metadata:
        for line in metadata:
            if line.startswith("Name:"):
                return line.split(":", 1)[1].strip()
            if not line.strip():
                break
    return dist_info.name.rsplit("-", 1)[0]


def files_of(site_packages: Path, dist_info: Path) -> list[str]:
    """The files a distribution installed (RECORD) that still exist, with their compiled bytecode."""
    files: set[str] = set()
    with open(dist_info / "RECORD", encoding="utf-8", newline="") as record:
        for row in csv.reader(record):
            if not row:
                continue
            relative = os.path.normpath(row[0])
            if relative.startswith("..") or os.path.isabs(relative):
                continue  # scripts pip put outside the target folder (bin/ is dropped anyway)
            if (site_packages / relative).is_file():
                files.add(relative)
    for relative in list(files):
        if relative.endswith(".py"):
            folder, name = os.path.split(relative)
            pyc = os.path.join(folder, "__pycache__", f"{name[:-3]}.{sys.implementation.cache_tag}.pyc")
            if (site_packages / pyc).is_file():
                files.add(pyc)
    return sorted(files)


def main(site_packages: str, out_dir: str) -> int:
    root = Path(site_packages)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for dist_info in sorted(root.glob("*.dist-info")):
        listing = files_of(root, dist_info)
        (out / f"{normalized(distribution_name(dist_info))}.files").write_text(
            "".join(f"{path}\n" for path in listing), encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
