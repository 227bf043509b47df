"""Hypothesis's Unicode tables, shipped so a fresh test process does not rebuild them.

The first `st.text()` / `st.characters()` of a process makes Hypothesis classify every code point
(`unicodedata.category` and a UTF-8 encode/decode of all 1.1 million of them) and cache the result under
its storage directory. A Bazel test starts with an empty sandbox, so every test process paid for that
again: 3-9 s under `bazel coverage`, charged to whichever property test ran first. The tables live in
testing/hypothesis_unicode_tables/<Unicode version>/, exactly as Hypothesis writes them; `seed_unicode_tables`
copies them into the storage directory before any strategy is built. For a Python with another Unicode
version nothing is copied and Hypothesis builds its own tables as before. To add or refresh a version:
run any `st.text()` test with HYPOTHESIS_STORAGE_DIRECTORY=<empty dir> and copy
<dir>/unicode_data/<version>/*.json.gz here.
"""

from __future__ import annotations

import os
import shutil
import unicodedata
from pathlib import Path

from hypothesis.configuration import storage_directory

SHIPPED_TABLES = Path(__file__).parent / "hypothesis_unicode_tables"
"""One folder per Unicode version (`unicodedata.unidata_version`), holding Hypothesis's *.json.gz tables."""


def seed_unicode_tables(
    storage: Path | None = None,
    unicode_version: str = unicodedata.unidata_version,
    shipped: Path = SHIPPED_TABLES,
) -> list[Path]:
    """Copies the shipped tables of `unicode_version` that `storage` lacks; returns the files written.

    `storage` defaults to Hypothesis's own `unicode_data/<version>` folder (HYPOTHESIS_STORAGE_DIRECTORY or
    ./.hypothesis). Tables already there are left alone, so a workstation keeps its own cache; an unwritable folder is
    skipped.
    """
    source = shipped / unicode_version
    if not source.is_dir():
        return []
    target = storage or storage_directory("unicode_data", unicode_version, intent_to_write=False).path
    written = []
    for table in sorted(source.glob("*.json.gz")):
        destination = target / table.name
        if destination.exists():
            continue
        partial = destination.with_name(f".{table.name}.{os.getpid()}")
        try:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(table, partial)
            os.replace(partial, destination)  # atomic: a concurrent reader sees no table or a whole one
        except OSError:
            break  # an unwritable storage folder only costs time: Hypothesis then builds its tables itself
        written.append(destination)
    return written
