"""Which test targets of a `--test_filter` run cannot hold a matching test, so tools/bazel never starts them.

    python3 -m tools.pytest_runner.filter_targets --bazel BAZEL [--startup OPT]... [--option OPT]... \
        --workspace DIR --filter F -- PATTERN...

Each target still starting only to find its manifest empty costs ~0.85 s (sandbox, test wrapper, Python),
and one that must collect to decide ~2.9 s. tools/bazel asks this module first when `bazel test` gets a
filter and a wildcard pattern. Two steps, and it prints the test targets to leave out, one per line
(tools/bazel excludes them, `-//pkg:target`):

1. It queries the test-name manifest rules under the patterns (`<target>_test_names`,
   tools/pytest_runner/defs.bzl) and builds each target's manifest from the same sources the build would
   (`name_manifest.manifest_of`): a manifest that rules the filter out settles its target at once.
2. Targets whose tests are open (names known only after collection) are settled by what pytest collects:
   one `bazel test` invocation with the test command's own options (`--option`, so Bazel keeps its
   analysis cache for the run that follows) builds their `<target>_collected_names` actions
   (collected_names.py), cached like any action: the first filter after a change pays each collection once.
   Only for a -k expression without `not` (name_manifest.is_monotone).

Conservative: a target whose sources it cannot read, a source from another repository or a generated one,
one whose collection did not finish, is kept, and any failure prints nothing (every target starts, as
before). Standard library only (the host's python3).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from tools.pytest_runner.name_manifest import (
    ManifestError,
    cannot_match,
    is_monotone,
    is_node_id,
    manifest_of,
    match_state,
    read_manifest_files,
    tests_of,
)
from tools.pytest_runner.source_resolver import WorkspaceResolver

MANIFEST_TOOL = "//tools/pytest_runner:name_manifest"
"""The tool of every manifest rule py_pytest_test declares: how a `_test_names` genrule is recognised."""
MANIFEST_SUFFIX = "_test_names"
COLLECTED_SUFFIX = "_collected_names"
"""`<test>_collected_names`: the build action writing what pytest collects for a test (defs.bzl)."""


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


@dataclass(frozen=True)
class Narrowing:
    """What the sources say of each target under a filter: left out, or only collection can tell."""

    unmatched: list[str]
    unsettled: list[str]


def narrow(rules: Sequence[ManifestRule], test_filter: str, workspace: str) -> Narrowing:
    """Test labels whose sources hold no test the filter can select, and those whose tests' names are known
    only after collection (when collection may settle them: a -k expression without `not`)."""
    unmatched, unsettled = [], []
    collection_settles = not is_node_id(test_filter) and is_monotone(test_filter)
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
            tests = tests_of(manifest)
            if cannot_match(cast(list[str], manifest["files"]), tests, test_filter):
                unmatched.append(rule.test)
            elif collection_settles and match_state(tests, test_filter) is None:
                unsettled.append(rule.test)
    finally:
        os.chdir(previous)
    return Narrowing(unmatched, unsettled)


def unmatched_targets(rules: Sequence[ManifestRule], test_filter: str, workspace: str) -> list[str]:
    """The test labels whose sources hold no test the filter can select; any doubt keeps a target."""
    return narrow(rules, test_filter, workspace).unmatched


def collected_manifests(build_events: str) -> dict[str, str]:
    """Test label -> local path of its collected manifest, for each `_collected_names` target a build
    completed (Bazel's JSON build events, one per line). Outputs not on this machine are left out."""
    file_sets: dict[str, list[str]] = {}
    completed: dict[str, list[str]] = {}
    for line in build_events.splitlines():
        event = json.loads(line)
        event_id = event.get("id", {})
        if "namedSet" in event_id:
            files = event.get("namedSetOfFiles", {}).get("files", [])
            file_sets[event_id["namedSet"]["id"]] = [file.get("uri", "") for file in files]
        elif "targetCompleted" in event_id and event.get("completed", {}).get("success"):
            groups = event["completed"].get("outputGroup", [])
            default = [group for group in groups if group.get("name") == "default"]
            completed[event_id["targetCompleted"]["label"]] = [
                fs["id"] for group in default for fs in group["fileSets"]
            ]
    manifests = {}
    for label, ids in completed.items():
        uris = [uri for set_id in ids for uri in file_sets.get(set_id, [])]
        paths = [uri[len("file://") :] for uri in uris if uri.startswith("file://")]
        if label.endswith(COLLECTED_SUFFIX) and len(paths) == 1 and os.path.isfile(paths[0]):
            manifests[label[: -len(COLLECTED_SUFFIX)]] = paths[0]
    return manifests


def collect(bazel: str, startup: Sequence[str], options: Sequence[str], tests: Sequence[str]) -> dict[str, str]:
    """Builds the collected manifests of `tests` with the test command's options; label -> manifest path."""
    print(
        f"tools/bazel: --test_filter: {len(tests)} test target(s) name their tests only when collected; "
        "reading what pytest collects (cached after the first time)",
        file=sys.stderr,
    )
    with tempfile.TemporaryDirectory(prefix="leadfactory-filter-") as scratch:
        events = os.path.join(scratch, "events.json")
        command = [bazel, *startup, "test", *options, "--nobuild_tests_only", "--keep_going", "--noshow_progress"]
        command += [f"--build_event_json_file={events}", "--", *(test + COLLECTED_SUFFIX for test in tests)]
        subprocess.run(command, capture_output=True, text=True)  # "no test targets": its exit code says nothing
        try:
            with open(events, encoding="utf-8") as stream:
                return collected_manifests(stream.read())
        except (OSError, ValueError, KeyError):
            return {}


def collected_unmatched(manifests: dict[str, str], test_filter: str) -> list[str]:
    """The tests whose collected manifest says the filter selects none of their tests."""
    unmatched = []
    for test, path in manifests.items():
        try:
            files, tests = read_manifest_files(path)
        except ManifestError:
            continue
        if cannot_match(files, tests, test_filter):
            unmatched.append(test)
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
    parser.add_argument("--option", action="append", default=[], help="an option of the test command")
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
    narrowing = narrow(rules, args.filter, args.workspace)
    unmatched = narrowing.unmatched
    if narrowing.unsettled:
        manifests = collect(args.bazel, args.startup, args.option, narrowing.unsettled)
        unmatched += sorted(collected_unmatched(manifests, args.filter))
    for label in unmatched:
        print(label)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
