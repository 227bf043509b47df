"""Which test targets of a `--test_filter` run cannot hold a matching test, so tools/bazel never starts them.

    python3 -m tools.pytest_runner.filter_targets --bazel BAZEL [--startup OPT]... --filter F -- PATTERN...

Each target still starting only to find its manifest empty costs ~0.85 s (sandbox, test wrapper, Python):
~36 s for a one-test filter across `//...`. tools/bazel asks this module first when `bazel test` gets a
filter and a wildcard pattern. It queries the test-name manifest rules under the patterns
(`<target>_test_names`, tools/pytest_runner/defs.bzl), builds each target's manifest from the same sources
the build would (`name_manifest.manifest_of`), and prints the test targets whose manifest says the filter
matches none of their tests, one per line; tools/bazel excludes them (`-//pkg:target`). Conservative: a
target whose sources it cannot read, a source from another repository or a generated one, is kept, and any
failure prints nothing (every target starts, as before). Standard library only (the host's python3).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from tools.pytest_runner.name_manifest import cannot_match, manifest_of, tests_of
from tools.pytest_runner.source_resolver import WorkspaceResolver

MANIFEST_TOOL = "//tools/pytest_runner:name_manifest"
"""The tool of every manifest rule py_pytest_test declares: how a `_test_names` genrule is recognised."""
MANIFEST_SUFFIX = "_test_names"


@dataclass(frozen=True)
class ManifestRule:
    """One target's manifest rule as the query reports it: the test's label and its sources' labels."""

    test: str
    srcs: tuple[str, ...]


def manifest_rules(query_xml: str) -> list[ManifestRule]:
    """The manifest rules in `bazel query --output=xml` output (other rules are ignored)."""
    rules = []
    for rule in ElementTree.fromstring(query_xml).iter("rule"):
        name = rule.get("name", "")
        tools = [label.get("value") for node in rule.iter("list") if node.get("name") == "tools" for label in node]
        if rule.get("class") != "genrule" or not name.endswith(MANIFEST_SUFFIX) or MANIFEST_TOOL not in tools:
            continue
        srcs = [label.get("value", "") for node in rule.iter("list") if node.get("name") == "srcs" for label in node]
        rules.append(ManifestRule(test=name[: -len(MANIFEST_SUFFIX)], srcs=tuple(srcs)))
    return rules


def source_path(label: str, workspace: str) -> str | None:
    """Workspace-relative path of a source file label (`//pkg:sub/file.py`); None when it is not one."""
    if not label.startswith("//") or ":" not in label:
        return None
    package, name = label[2:].split(":", 1)
    path = os.path.join(package, name) if package else name
    return path if os.path.isfile(os.path.join(workspace, path)) else None


def unmatched_targets(rules: Sequence[ManifestRule], test_filter: str, workspace: str) -> list[str]:
    """The test labels whose sources hold no test the filter can select; any doubt keeps a target."""
    unmatched = []
    previous = os.getcwd()
    os.chdir(workspace)  # manifests name files as the build does: workspace-relative
    resolver = WorkspaceResolver(".")  # unlike the build, sees the code the tests import: fewer open tests
    try:
        for rule in rules:
            paths = [source_path(label, ".") for label in rule.srcs]
            files = [path for path in paths if path is not None]
            if not files or len(files) != len(paths):
                continue
            try:
                manifest = manifest_of(files, resolver)
            except (OSError, UnicodeDecodeError):
                continue
            if cannot_match(cast(list[str], manifest["files"]), tests_of(manifest), test_filter):
                unmatched.append(rule.test)
    finally:
        os.chdir(previous)
    return unmatched


def query_expression(patterns: Sequence[str]) -> str:
    """Bazel target patterns (`-` excludes) as one query expression over their manifest rules."""
    expression = ""
    for pattern in patterns:
        if pattern.startswith("-"):
            expression = f"({expression} - {pattern[1:]})" if expression else ""
        else:
            expression = f"({expression} + {pattern})" if expression else pattern
    return f'kind(genrule, filter("{MANIFEST_SUFFIX}$", {expression}))' if expression else ""


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="tools.pytest_runner.filter_targets")
    parser.add_argument("--bazel", required=True)
    parser.add_argument("--startup", action="append", default=[])
    parser.add_argument("--filter", required=True)
    parser.add_argument("--workspace", required=True, help="the workspace root (the query runs where it is called)")
    parser.add_argument("patterns", nargs="+")
    args = parser.parse_args(argv)
    expression = query_expression(args.patterns)
    if not expression:
        return 0
    query = subprocess.run(
        [args.bazel, *args.startup, "query", "--output=xml", "--noshow_progress", expression],
        capture_output=True,
        text=True,
    )
    if query.returncode != 0:
        return 0
    try:
        rules = manifest_rules(query.stdout)
    except ElementTree.ParseError:
        return 0
    for label in unmatched_targets(rules, args.filter, args.workspace):
        print(label)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
