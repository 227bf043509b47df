"""Test categories: every test target is `unit`, `integration` or `e2e`, stated once, in its BUILD file.

    py_pytest_test(name = "server_test", srcs = ["test_server.py"], category = "e2e", ...)

The `py_pytest_test` macro turns `category` into the target's Bazel tag (`--test_tag_filters=unit`) and hands
it to the runner, which marks every test of the target with the pytest marker of the same name
(`pytest -m "not e2e"`). Under plain pytest, this plugin reads the category from the BUILD file beside the
test file instead, so the tag and the marker always come from the same line. A test that carries another
category's marker itself is a collection error.

- unit: one module's code in one process, in memory (an in-memory SQLite database counts).
- integration: across module boundaries, or real files (SQLite databases on disk), or a server on loopback.
- e2e: the servers and CLIs run as a user runs them (a subprocess, a real socket, the real entry point).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import pytest

from tools.build_file import BuildFileError, build_file_in, rule_calls
from tools.pytest_runner.bazel_plugin import CATEGORY_ENV

CATEGORIES = ("unit", "integration", "e2e")
_DESCRIPTIONS = {
    "unit": "one module, one process, in memory (category of the test's Bazel target)",
    "integration": "module boundaries, real SQLite files or a server on loopback (category of its target)",
    "e2e": "servers and CLIs run as a user runs them (category of its target)",
}


def CategoryError(message: str) -> pytest.UsageError:  # noqa: N802 - reads as the error it makes
    """A test's category cannot be told, or disagrees with its target's (pytest.UsageError is final)."""
    return pytest.UsageError(message)


def pytest_configure(config: pytest.Config) -> None:
    for category in CATEGORIES:
        config.addinivalue_line("markers", f"{category}: {_DESCRIPTIONS[category]}")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    fixed = os.environ.get(CATEGORY_ENV)
    if fixed is not None and fixed not in CATEGORIES:
        raise CategoryError(f"{CATEGORY_ENV}={fixed!r} is not one of {', '.join(CATEGORIES)}")
    lookup = _BuildFileCategories()
    for item in items:
        category = fixed or lookup.category_of(str(item.path))
        marked = {mark.name for mark in item.iter_markers() if mark.name in CATEGORIES}
        if marked - {category}:
            raise CategoryError(
                f"{item.nodeid} is marked {', '.join(sorted(marked))} but its target's category is {category}; "
                "set `category` on the target in its BUILD file instead of marking tests"
            )
        item.add_marker(category)


class _BuildFileCategories:
    """Category of each test file, read from the py_pytest_test targets of the BUILD file beside it."""

    def __init__(self) -> None:
        self._by_folder: dict[str, Mapping[str, str]] = {}

    def category_of(self, test_file: str) -> str:
        folder, name = os.path.split(os.path.abspath(test_file))
        if folder not in self._by_folder:
            self._by_folder[folder] = _categories_in(folder)
        categories = self._by_folder[folder]
        if name not in categories:
            raise CategoryError(
                f"{test_file} is in no py_pytest_test target of {folder}'s BUILD file, so its category "
                "(unit, integration or e2e) is unknown; add it to a target's srcs"
            )
        return categories[name]


def _categories_in(folder: str) -> Mapping[str, str]:
    build = build_file_in(folder)
    if build is None:
        return {}
    found: dict[str, str] = {}
    try:
        calls = rule_calls(build, "py_pytest_test")
    except BuildFileError as error:
        raise CategoryError(str(error)) from error
    for call in calls:
        category = call.string("category")
        srcs = call.arguments.get("srcs")
        if category not in CATEGORIES or not isinstance(srcs, list):
            raise CategoryError(
                f"{build}:{call.line}: py_pytest_test {call.string('name')!r} needs a literal srcs list and "
                f"category, one of {', '.join(CATEGORIES)}"
            )
        for src in srcs:
            if isinstance(src, str):
                found[os.path.basename(src)] = category
    return found
