"""Reads a JSON file a test wrote to its undeclared outputs (TEST_UNDECLARED_OUTPUTS_DIR), for every shard
and run of a target: Bazel zips them into `<testlogs>/<pkg>/<target>[/shard_i_of_n|/run_i_of_n]/
test.outputs/outputs.zip` (or leaves the files in test.outputs/ under --nozip_undeclared_test_outputs)."""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass
from typing import Any

from tools.ci.errors import CiToolError


class UndeclaredOutputError(CiToolError):
    """A test's undeclared output is there but unreadable (corrupt zip, not JSON)."""


@dataclass(frozen=True)
class TargetOutput:
    """One shard's or run's copy of the file: the target's label, the part (`shard_1_of_2`, or "") and data."""

    label: str
    part: str
    data: Any


def _output_dirs(folder: str, part: str = "", depth: int = 2) -> list[tuple[str, str]]:
    """(part, test.outputs folder) of a target's folder and of its shard/run folders (runs hold shards)."""
    found = []
    outputs = os.path.join(folder, "test.outputs")
    if os.path.isdir(outputs):
        found.append((part, outputs))
    if depth > 0:
        try:
            entries = sorted(entry for entry in os.listdir(folder) if entry.startswith(("shard_", "run_")))
        except OSError:
            entries = []
        for entry in entries:
            found.extend(_output_dirs(os.path.join(folder, entry), os.path.join(part, entry), depth - 1))
    return found


def _read(outputs_dir: str, file_name: str) -> bytes | None:
    plain = os.path.join(outputs_dir, file_name)
    if os.path.isfile(plain):
        with open(plain, "rb") as handle:
            return handle.read()
    archive = os.path.join(outputs_dir, "outputs.zip")
    if not os.path.isfile(archive):
        return None
    try:
        with zipfile.ZipFile(archive) as zipped:
            names = [name for name in zipped.namelist() if os.path.basename(name) == file_name]
            return zipped.read(names[0]) if names else None
    except (zipfile.BadZipFile, OSError) as error:
        raise UndeclaredOutputError(f"{archive}: not a readable zip ({error})") from error


def read_target_outputs(testlogs: str, label: str, file_name: str) -> list[TargetOutput]:
    """Every shard's/run's `file_name` of one target; a target that wrote none gives an empty list."""
    package, _, name = label.lstrip("/").partition(":")
    outputs = []
    for part, outputs_dir in _output_dirs(os.path.join(testlogs, package, name)):
        raw = _read(outputs_dir, file_name)
        if raw is None:
            continue
        try:
            outputs.append(TargetOutput(label, part, json.loads(raw)))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise UndeclaredOutputError(f"{outputs_dir}: {file_name} is not JSON ({error})") from error
    return outputs
