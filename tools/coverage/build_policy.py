"""The coverage policy as the BUILD files state it: each module's floor, its sources and its test targets.

BUILD files are Starlark, which Python's own parser reads, so the floors have one source of truth that both
Bazel (`coverage_floor` in tools/coverage/floors.bzl checks them at analysis) and this module read:

- the root BUILD.bazel's `coverage_policy(modules = [...], total_floor = N)` lists the modules;
- each module's `coverage_floor(name = ..., floor = N, ...)` sets its floor;
- a module's sources are its `.py` files outside `tests/` folders (what its `py_library` globs);
- a module's test targets are the `py_pytest_test` targets declared anywhere under its folder, plus those
  under the folders its `coverage_floor(tested_by = [...])` names (a test kit is exercised by the tests of
  the modules it serves).

The coverage report reads the policy at report time instead of depending on the modules' sources, so
`bazel query 'tests(rdeps(//..., X))'` names only the tests that really depend on X (issue: every test used
to reach every module through the report generator). Needs only the standard library.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

from tools.build_file import BuildFileError, RuleCall, build_file_in, rule_calls

TEST_MACROS = ("py_pytest_test",)
"""Rules and macros whose targets are a module's coverage tests (each writes a coverage.dat)."""


class PolicyError(ValueError):
    """The BUILD files do not state a readable coverage policy; the message names the file and the problem."""


@dataclass(frozen=True)
class ModulePolicy:
    """One module's floor (percent of lines + branches), where it is set, its sources and test targets."""

    module: str
    floor: float
    build_file: str
    sources: tuple[str, ...]
    test_targets: tuple[str, ...]
    """Test labels as `package:name` (workspace-relative package, no leading //)."""


@dataclass(frozen=True)
class CoveragePolicy:
    """Every module's policy and the floor of the repository as a whole."""

    modules: tuple[ModulePolicy, ...]
    total_floor: float
    total_build_file: str


def read_policy(workspace_root: str) -> CoveragePolicy:
    """Reads the policy from the BUILD files under `workspace_root`; raises PolicyError when it cannot."""
    try:
        root_build = _build_file(workspace_root, "")
        calls = rule_calls(root_build, "coverage_policy")
        relative_root = os.path.relpath(root_build, workspace_root)
        if len(calls) != 1:
            raise PolicyError(f"{relative_root} must declare exactly one coverage_policy(...), found {len(calls)}")
        module_labels = calls[0].arguments.get("modules")
        if not (isinstance(module_labels, list) and all(isinstance(label, str) for label in module_labels)):
            raise PolicyError(f"{relative_root}: modules must be a literal list of labels (line {calls[0].line})")
        total_floor = _floor(calls[0], "total_floor", relative_root)
        modules = tuple(_read_module(workspace_root, label, relative_root) for label in module_labels)
    except BuildFileError as error:
        raise PolicyError(str(error)) from error
    return CoveragePolicy(modules=modules, total_floor=total_floor, total_build_file=relative_root)


def _read_module(workspace_root: str, label: str, referenced_from: str) -> ModulePolicy:
    package, _, name = label.removeprefix("//").partition(":")
    name = name or package.rsplit("/", 1)[-1]
    build = _build_file(workspace_root, package)
    relative_build = os.path.relpath(build, workspace_root)
    calls = [call for call in rule_calls(build, "coverage_floor") if call.string("name") == name]
    if not calls:
        raise PolicyError(f"{referenced_from} lists {label}, but {relative_build} declares no coverage_floor {name!r}")
    tested_by = calls[0].arguments.get("tested_by", [])
    if not (isinstance(tested_by, list) and all(isinstance(p, str) and p.startswith("//") for p in tested_by)):
        raise PolicyError(f'{relative_build}: tested_by must be a literal list of packages like "//mod/tests"')
    test_packages = [package, *(p.removeprefix("//").removesuffix("/...") for p in tested_by)]
    return ModulePolicy(
        module=package,
        floor=_floor(calls[0], "floor", relative_build),
        build_file=relative_build,
        sources=tuple(_module_sources(workspace_root, package)),
        test_targets=tuple(t for folder in test_packages for t in _test_targets(workspace_root, folder)),
    )


def _floor(call: RuleCall, name: str, where: str) -> float:
    value = call.arguments.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PolicyError(f"{where}: {name} must be a literal number (line {call.line})")
    if not 0 <= value <= 100:
        raise PolicyError(f"{where}: {name} must be between 0 and 100, got {value:g}")
    return float(value)


def _module_sources(workspace_root: str, package: str) -> Iterator[str]:
    top = os.path.join(workspace_root, package)
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d != "tests" and not d.startswith((".", "__pycache__")))
        for name in sorted(files):
            if name.endswith(".py"):
                yield os.path.relpath(os.path.join(folder, name), workspace_root)


def _test_targets(workspace_root: str, package: str) -> Iterator[str]:
    top = os.path.join(workspace_root, package)
    for folder, dirs, _files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        build = build_file_in(folder)
        if build is None:
            continue
        test_package = os.path.relpath(folder, workspace_root)
        for macro in TEST_MACROS:
            for call in rule_calls(build, macro):
                name = call.string("name")
                if name:
                    yield f"{test_package}:{name}"


def _build_file(workspace_root: str, package: str) -> str:
    build = build_file_in(os.path.join(workspace_root, package))
    if build is None:
        raise PolicyError(f"no BUILD file in {package or 'the workspace root'} ({workspace_root})")
    return build
