"""The coverage floors, read from the BUILD files Bazel enforces them from (one source of truth).

The root BUILD.bazel's `coverage_policy(modules = [...], total_floor = N)` lists the modules; each module's
own BUILD.bazel sets its floor with `coverage_floor(floor = N)`. BUILD files are Starlark, whose syntax is
Python's, so `ast` reads them without Bazel. Used by plain pytest (tools/coverage/pytest_floors.py).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path


class BuildFloorsError(Exception):
    """The floors cannot be read: names the BUILD file and what is missing or malformed in it."""


@dataclass(frozen=True)
class Floor:
    """One module's floor (percent of lines + branches) and the BUILD file that sets it."""

    module: str
    floor: float
    build_file: str


@dataclass(frozen=True)
class Floors:
    """Every module's floor, in the root policy's order, and the floor of the total."""

    modules: tuple[Floor, ...]
    total: Floor


def read_floors(workspace: Path) -> Floors:
    """The floors of every module listed in `workspace`/BUILD.bazel's coverage_policy."""
    policy = _single_call(workspace, "BUILD.bazel", "coverage_policy")
    labels = _keyword(policy, "modules", "BUILD.bazel")
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        raise BuildFloorsError("BUILD.bazel: coverage_policy's modules must be a list of labels")
    modules = tuple(_module_floor(workspace, label) for label in labels)
    return Floors(modules, Floor("TOTAL", _percent(policy, "BUILD.bazel"), "BUILD.bazel"))


def _module_floor(workspace: Path, label: str) -> Floor:
    if not label.startswith("//") or ":" not in label:
        raise BuildFloorsError(f"BUILD.bazel: {label!r} is not a label like '//d0_gateway:coverage_floor'")
    package, name = label[2:].split(":", 1)
    build_file = f"{package}/BUILD.bazel"
    calls = [
        call for call in _calls(workspace, build_file, "coverage_floor") if _keyword(call, "name", build_file) == name
    ]
    if len(calls) != 1:
        raise BuildFloorsError(f"{build_file}: expected one coverage_floor named {name!r}, found {len(calls)}")
    return Floor(package, _percent(calls[0], build_file), build_file)


def _percent(call: ast.Call, build_file: str) -> float:
    key = "floor" if _function_name(call) == "coverage_floor" else "total_floor"
    value = _keyword(call, key, build_file)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        raise BuildFloorsError(f"{build_file}: {key} must be a number between 0 and 100, got {value!r}")
    return float(value)


def _single_call(workspace: Path, build_file: str, function: str) -> ast.Call:
    calls = _calls(workspace, build_file, function)
    if len(calls) != 1:
        raise BuildFloorsError(f"{build_file}: expected one {function}(...) call, found {len(calls)}")
    return calls[0]


def _calls(workspace: Path, build_file: str, function: str) -> list[ast.Call]:
    path = workspace / build_file
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except OSError as error:
        raise BuildFloorsError(f"{build_file}: cannot be read ({error.strerror})") from None
    except SyntaxError as error:
        raise BuildFloorsError(f"{build_file}:{error.lineno}: not valid Starlark: {error.msg}") from None
    return [
        statement.value
        for statement in tree.body
        if isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Call)
        and _function_name(statement.value) == function
    ]


def _function_name(call: ast.Call) -> str | None:
    return call.func.id if isinstance(call.func, ast.Name) else None


def _keyword(call: ast.Call, key: str, build_file: str) -> object:
    for keyword in call.keywords:
        if keyword.arg == key:
            try:
                return ast.literal_eval(keyword.value)
            except ValueError:
                raise BuildFloorsError(
                    f"{build_file}:{keyword.value.lineno}: {key} must be a literal, not an expression"
                ) from None
    raise BuildFloorsError(f"{build_file}:{call.lineno}: {_function_name(call)}(...) has no {key}")
