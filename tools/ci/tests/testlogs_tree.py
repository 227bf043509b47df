"""Builds a bazel-testlogs tree with undeclared test outputs, zipped as Bazel keeps them by default."""

import json
import zipfile
from pathlib import Path


def write_outputs(testlogs: Path, label: str, files: dict, part: str = "", zipped: bool = True) -> Path:
    """Writes `files` (name -> JSON data) as `label`'s undeclared outputs (of shard/run `part`, if given)."""
    package, _, name = label.lstrip("/").partition(":")
    outputs = testlogs / package / name / part / "test.outputs"
    outputs.mkdir(parents=True, exist_ok=True)
    if zipped:
        with zipfile.ZipFile(outputs / "outputs.zip", "w") as archive:
            for file_name, data in files.items():
                archive.writestr(file_name, json.dumps(data))
    else:
        for file_name, data in files.items():
            (outputs / file_name).write_text(json.dumps(data))
    return outputs
