"""Collected test-name manifests: the names pytest itself gives a target's tests, for `--test_filter` narrowing.

The static manifest (name_manifest.py) leaves a test "open" when its source alone cannot tell its names
(parameters computed at import time, a state machine bound by assignment, collection hooks), and tools/bazel
must then start the target under every filter. `py_pytest_test` also declares `<name>_collected_names`, a
`manual` build action that runs the target's collection the way its test does and writes, for each
collected item, the names `-k` matches (pytest's own KeywordMatcher), in the manifest format. Nothing builds
it but tools/bazel's narrowing (tools/pytest_runner/filter_targets.py); Bazel caches it like any action.

The names are those of the items after collection, a superset of what `-k` saw if a plugin marks items
later, so it may rule out only expressions without `not` (name_manifest.is_monotone).
Anything collection did not finish (an error, a module skipped as a whole) makes the manifest open.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence

import pytest
from _pytest.mark import KeywordMatcher  # pytest's -k matcher: the names it builds are the truth to record

from tools.pytest_runner.name_manifest import FORMAT_VERSION, dump_manifest

COLLECT_ARG = "--leadfactory_collect_out="
"""The argument `<name>_collected_names` gives pytest_main.py: collect only, write the manifest here."""


class CollectedNames:
    """pytest plugin: records each collected item's -k names and whether collection went through."""

    def __init__(self) -> None:
        self.tests: list[list[str]] = []
        self.complete = True

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if not report.passed:
            self.complete = False  # an import error or a skipped module: its tests are unknown

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: Sequence[pytest.Item]) -> None:
        self.tests = [sorted(KeywordMatcher.from_item(item)._names) for item in items]

    def manifest(self, files: Collection[str], exit_code: int) -> dict[str, object]:
        """The manifest to write for `files` (the target's test files) after pytest returned `exit_code`."""
        finished = self.complete and exit_code in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED)
        if finished:
            tests = [{"names": names, "open": False, "maybe": []} for names in self.tests]
        else:
            tests = [{"names": [], "open": True, "maybe": []}]
        return {
            "version": FORMAT_VERSION,
            "collected": True,
            "files": sorted(os.path.normpath(path) for path in files),
            "tests": tests,
        }

    def write(self, files: Collection[str], exit_code: int, out: str) -> None:
        """Writes `manifest(files, exit_code)` to `out`, as the build's manifests are written."""
        dump_manifest(self.manifest(files, exit_code), out)
