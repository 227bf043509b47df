"""Reading calls out of BUILD files: Starlark's syntax is Python's, so `ast` reads them without Bazel.

Used where a tool needs what a BUILD file states without running a build (the coverage floors for the report
and for plain pytest, each test target's category for plain pytest). Values are read when they are literals,
string concatenations or `%` formatting of literals, also inside a top-level list comprehension over a
literal list (`[py_pytest_test(name = area + "_test", ...) for area in ["a", "b"]]`); anything else (a
variable defined elsewhere, a glob()) reads as `NOT_LITERAL`.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass
from typing import Any

BUILD_FILE_NAMES = ("BUILD.bazel", "BUILD")
NOT_LITERAL: Any = object()
"""Stands for an argument whose value is not a literal (e.g. `glob([...])`)."""


class BuildFileError(ValueError):
    """A BUILD file could not be read; the message names the file and line."""


@dataclass(frozen=True)
class RuleCall:
    """One top-level call in a BUILD file: its function name, literal keyword arguments and line."""

    function: str
    arguments: dict[str, Any]
    line: int

    def string(self, name: str) -> str | None:
        value = self.arguments.get(name)
        return value if isinstance(value, str) else None


def build_file_in(folder: str) -> str | None:
    """The BUILD file of the package in `folder`, or None when it is not a package."""
    for name in BUILD_FILE_NAMES:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path
    return None


def rule_calls(build_file: str, function: str) -> list[RuleCall]:
    """Top-level calls of `function` in `build_file`, in file order."""
    with open(build_file, encoding="utf-8") as handle:
        text = handle.read()
    try:
        tree = ast.parse(text, filename=build_file)
    except SyntaxError as error:
        raise BuildFileError(f"{build_file}:{error.lineno}: cannot read the BUILD file: {error.msg}") from error
    calls = []
    for node in tree.body:
        if not isinstance(node, ast.Expr):
            continue
        for call, bindings in _expanded_calls(node.value):
            if isinstance(call.func, ast.Name) and call.func.id == function:
                arguments = {kw.arg: _value(kw.value, bindings) for kw in call.keywords if kw.arg is not None}
                calls.append(RuleCall(function=function, arguments=arguments, line=call.lineno))
    return calls


def _expanded_calls(node: ast.expr) -> list[tuple[ast.Call, dict[str, Any]]]:
    """A call, or each call a one-loop list comprehension over a literal list makes, with its loop value."""
    if isinstance(node, ast.Call):
        return [(node, {})]
    if (
        isinstance(node, ast.ListComp)
        and isinstance(node.elt, ast.Call)
        and len(node.generators) == 1
        and isinstance(node.generators[0].target, ast.Name)
        and not node.generators[0].ifs
    ):
        loop = node.generators[0]
        variable = loop.target.id if isinstance(loop.target, ast.Name) else ""
        values = _value(loop.iter, {})
        if isinstance(values, list):
            return [(node.elt, {variable: value}) for value in values]
    return []


def _value(node: ast.expr, bindings: dict[str, Any]) -> Any:
    if isinstance(node, ast.Name):
        return bindings.get(node.id, NOT_LITERAL)
    if isinstance(node, ast.List | ast.Tuple):
        items = [_value(item, bindings) for item in node.elts]
        return NOT_LITERAL if any(item is NOT_LITERAL for item in items) else list(items)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        left, right = _value(node.left, bindings), _value(node.right, bindings)
        if isinstance(left, str) and (isinstance(right, str) or isinstance(node.op, ast.Mod)):
            try:
                return left + right if isinstance(node.op, ast.Add) else left % right
            except (TypeError, ValueError):
                return NOT_LITERAL
        return NOT_LITERAL
    try:
        return ast.literal_eval(node)
    except ValueError:
        return NOT_LITERAL
