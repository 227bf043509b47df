"""Test-name manifests: which names a target's tests carry, so `--test_filter` can skip a target without pytest.

At build time `py_pytest_test` runs this module over the target's test files (`python -m
tools.pytest_runner.name_manifest --out MANIFEST FILE...`); it parses them with `ast` and writes, per test, the
names pytest's `-k` matches against (function, class, file and folder names, markers, parameter ids,
attributes decorators set). At run time pytest_main.py asks `may_match(manifest, filter)` before importing
pytest: only a filter that can match no test of the target lets it exit at once. Conservative by design:
whatever the parser cannot pin down (a decorator it does not know, parameters that are not literals,
collection hooks, tests bound by assignment or import, inherited test methods) makes the test "open", and an
open test may match any filter. Standard library only.
"""

from __future__ import annotations

import argparse
import ast
import itertools
import json
import math
import os
import re
import sys
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from tools.pytest_runner.source_resolver import BUILTIN_EXCEPTIONS, ClassInfo, EnumInfo, FunctionInfo, dotted_name

Resolver = Callable[[str, str], ClassInfo | EnumInfo | FunctionInfo | None]
"""(module, name) -> what the workspace defines under that name, when certain (source_resolver.py)."""

FORMAT_VERSION = 1

CATEGORY_NAMES = ("unit", "integration", "e2e")
"""Markers a test may carry without a decorator: its target's category (tools/pytest_runner/categories.py)."""
ASYNC_NAMES = ("asyncio",)
"""pytest-asyncio (asyncio_mode = auto) marks every `async def` test."""
MARK_NAMES = ("?pytestmark",)
"""A `@pytest.mark.X` decorator stores its marks in the decorated object's `pytestmark` attribute, which -k
sees on functions but not on classes or modules: a name the test may carry (`?` marks those)."""
HYPOTHESIS_DECORATORS = frozenset({"given", "settings", "example", "seed", "reproduce_failure", "note"})
HYPOTHESIS_NAMES = ("hypothesis", "is_hypothesis_test")
"""The `hypothesis` marker its plugin adds and the attribute `@given` sets on every test it wraps."""
HYPOTHESIS_MAYBE_NAMES = (
    "__wrapped__",
    "_hypothesis_internal_add_digest",
    "_hypothesis_internal_database_key",
    "_hypothesis_internal_print_given_args",
    "_hypothesis_internal_settings_applied",
    "_hypothesis_internal_use_generated_seed",
    "_hypothesis_internal_use_reproduce_failure",
    "_hypothesis_internal_use_seed",
    "_hypothesis_internal_use_settings",
)
"""Attributes the locked Hypothesis (6.170) sets on some decorated tests (seeds, settings, reproductions)."""
_ITEM_HOOKS = re.compile(r"^pytest_(generate_tests|collection_modifyitems|itemcollected|pycollect_makeitem|collect)")
_MAX_PARAMETER_SETS = 2000


class ManifestError(ValueError):
    """A manifest file is missing, unreadable or of another format version."""


@dataclass(frozen=True)
class TestNames:
    """What pytest's -k matches for one test: the names it surely carries, names it may carry, and whether it
    may carry names nobody can tell before collection (open)."""

    __test__ = False  # not a pytest test class, though named like one

    names: tuple[str, ...]
    open: bool = False
    maybe: tuple[str, ...] = CATEGORY_NAMES


def manifest_of(files: Sequence[str], resolver: Resolver | None = None) -> dict[str, object]:
    """The manifest of a target's test files (workspace-relative paths), as written to its JSON file.
    `resolver` says what names imported from the workspace are (source_resolver.py); without it (the build,
    which sees the test files only) parameters built from them leave their tests open."""
    tests: list[TestNames] = []
    target_open = False
    _RESOLVER[:] = [resolver] if resolver else []
    try:
        for path in files:
            with open(path, encoding="utf-8") as source:
                text = source.read()
            try:
                tree = ast.parse(text, filename=path)
            except SyntaxError:
                tests.append(TestNames(tuple(_base_names(path)), open=True))  # pytest reports the error itself
                target_open = True
                continue
            tests.extend(_tests_in_tree(tree, path))
            target_open = target_open or _parametrizes_other_tests(tree)
    finally:
        _RESOLVER.clear()
    if target_open:  # a hook or a parametrized fixture may rename or mark any test of the target
        tests = [TestNames(test.names, True, test.maybe) for test in tests]
    return {
        "version": FORMAT_VERSION,
        "files": sorted(os.path.normpath(path) for path in files),
        "tests": [{"names": list(test.names), "open": test.open, "maybe": list(test.maybe)} for test in tests],
    }


def _base_names(path: str) -> list[str]:
    """The names every test of a file carries: its folders' and its own."""
    folder_names = [part for part in os.path.normpath(path).split(os.sep)[:-1] if part not in ("", ".")]
    return [*folder_names, os.path.basename(path)]


def _tests_in_tree(tree: ast.Module, path: str) -> list[TestNames]:
    """The tests a test file (or conftest.py) defines, with the names -k sees for each."""
    base = _base_names(path)
    bound_anywhere = _names_bound_anywhere(tree)
    _UNBOUND.clear()
    if bound_anywhere is not None:
        _UNBOUND.update((_BUILTIN_CONTAINERS | BUILTIN_EXCEPTIONS | {"float"}) - bound_anywhere)
    _CONSTANTS.clear()
    _CONSTANTS.update(_literal_constants(tree.body))
    _CONSTANTS.update(_literal_constants(tree.body))  # again: `NEW_YORK = Point(...)` needs `Point` known
    module_open, module_marks = _marks_of_statements(tree.body)
    if any(_is_item_hook(node) for node in tree.body):
        module_open = True
    tests: list[TestNames] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
            tests.extend(_function_tests(node, [*base, *module_marks], [], module_open))
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            tests.extend(_class_tests(node, [*base, *module_marks], [], module_open))
        elif _binds_test_name(node):
            tests.append(TestNames(tuple(base), open=True))
    return tests


def _parametrizes_other_tests(tree: ast.Module) -> bool:
    """True when a file has collection hooks or fixtures with `params`, which change other tests' names."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _is_item_hook(node):
            return True
        if isinstance(node, ast.Call) and any(keyword.arg == "params" for keyword in node.keywords):
            dotted = dotted_name(node.func) or ""
            if dotted.split(".")[-1] == "fixture":
                return True
    return False


def _is_item_hook(node: ast.stmt) -> bool:
    return isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and bool(_ITEM_HOOKS.match(node.name))


def _binds_test_name(node: ast.stmt) -> bool:
    """An import or assignment that puts a test-looking name in the module (pytest collects those too)."""
    names: list[str] = []
    if isinstance(node, ast.Import | ast.ImportFrom):
        names = [(alias.asname or alias.name).split(".")[0] for alias in node.names]
    elif isinstance(node, ast.Assign):
        names = [target.id for target in node.targets if isinstance(target, ast.Name)]
    elif isinstance(node, ast.AnnAssign | ast.AugAssign) and isinstance(node.target, ast.Name):
        names = [node.target.id]
    return any(name.startswith(("test", "Test")) or name == "*" for name in names)


def _class_tests(node: ast.ClassDef, outer: list[str], params: list[list[str]], outer_open: bool) -> list[TestNames]:
    is_open = outer_open or bool(node.bases) or bool(node.keywords)
    names = [*outer, node.name]
    for decorator in node.decorator_list:
        known, decorator_params = _decorator_names(decorator)
        if known is None:
            is_open = True
        else:
            names.extend(known)
            if decorator_params is None:
                is_open = True
            elif decorator_params:
                params = [*params, decorator_params]
    body_open, body_marks = _marks_of_statements(node.body)
    names.extend(body_marks)
    is_open = is_open or body_open
    tests: list[TestNames] = []
    for child in node.body:
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) and child.name.startswith("test"):
            tests.extend(_function_tests(child, names, params, is_open))
        elif isinstance(child, ast.ClassDef) and child.name.startswith("Test"):
            tests.extend(_class_tests(child, names, params, is_open))
        elif _binds_test_name(child):
            tests.append(TestNames(tuple(names), open=True))
    return tests


def _function_tests(
    node: ast.FunctionDef | ast.AsyncFunctionDef, outer: list[str], params: list[list[str]], outer_open: bool
) -> list[TestNames]:
    is_open = outer_open
    names = [*outer]
    if isinstance(node, ast.AsyncFunctionDef):
        names.extend(ASYNC_NAMES)
    for decorator in node.decorator_list:
        known, decorator_params = _decorator_names(decorator)
        if known is None:
            is_open = True
            continue
        names.extend(known)
        if decorator_params is None:
            is_open = True
        elif decorator_params:
            params = [*params, decorator_params]
    ids = _parameter_ids(params)
    maybe = (*CATEGORY_NAMES, *sorted({name[1:] for name in names if name.startswith("?")}))
    names = [name for name in names if not name.startswith("?")]
    if ids is None:
        return [TestNames(tuple([*names, node.name]), True, maybe)]
    return [TestNames(tuple([*names, f"{node.name}[{item}]" if item else node.name]), is_open, maybe) for item in ids]


def _parameter_ids(params: list[list[str]]) -> list[str] | None:
    """Ids of every parameter set, joined as pytest joins stacked parametrize ids; None past a sane size."""
    if not params:
        return [""]
    total = 1
    for ids in params:
        total *= len(ids)
    if total > _MAX_PARAMETER_SETS:
        return None
    # The decorator nearest the function applies first; its ids come first in the item's name.
    return ["-".join(combination) for combination in itertools.product(*reversed(params))]


def _marks_of_statements(body: Iterable[ast.stmt]) -> tuple[bool, list[str]]:
    """`pytestmark = ...` in a module or class body: (open, marker names)."""
    for node in body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "pytestmark" for target in node.targets
        ):
            marks = node.value.elts if isinstance(node.value, ast.List | ast.Tuple) else [node.value]
            names: list[str] = ["?pytestmark"]
            for mark in marks:
                known, mark_params = _decorator_names(mark)
                if known is None or mark_params:
                    return True, names
                names.extend(known)
            return False, names
    return False, []


def _decorator_names(decorator: ast.expr) -> tuple[list[str] | None, list[str] | None]:
    """(names the decorator adds, parameter ids it adds: [] none, None unknown); (None, None) when unknown."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    dotted = dotted_name(target)
    if dotted is None:
        return None, None
    parts = dotted.split(".")
    alias = _CONSTANTS.get(dotted) if isinstance(decorator, ast.Name) else None
    if isinstance(alias, _MarkAlias):
        return [alias.name, *MARK_NAMES], []
    if len(parts) >= 3 and parts[-3] == "pytest" and parts[-2] == "mark" or parts[:2] == ["mark"] and len(parts) == 2:
        marker = parts[-1]
        if marker == "parametrize":
            if not isinstance(decorator, ast.Call):
                return None, None
            return [marker, *MARK_NAMES], _parametrize_ids(decorator)
        return [marker, *MARK_NAMES], []
    if parts[-1] in HYPOTHESIS_DECORATORS and (len(parts) == 1 or parts[0] == "hypothesis"):
        return [*HYPOTHESIS_NAMES, *(f"?{name}" for name in HYPOTHESIS_MAYBE_NAMES)], []
    return None, None


_CONSTANTS: dict[str, object] = {}
"""Module-level names of the file being read that are bound once to a literal (`CASES = [...]`)."""
_UNKNOWN = object()


@dataclass(frozen=True)
class _MarkAlias:
    """`needs_x = pytest.mark.skipif(...)` at module level: decorating with `@needs_x` adds marker `needs_x.name`."""

    name: str


def _marker_name(node: ast.expr) -> str | None:
    """`X` for `pytest.mark.X` or `pytest.mark.X(...)` (parametrize excluded: it renames tests)."""
    target = node.func if isinstance(node, ast.Call) else node
    parts = (dotted_name(target) or "").split(".")
    if len(parts) == 3 and parts[:2] == ["pytest", "mark"] and parts[2] != "parametrize":
        return parts[2]
    return None


_LAMBDA = object()


@dataclass(frozen=True)
class _Opaque:
    """A value pytest names after its argument and position (`amount0`): neither a string, a number, an enum,
    a pattern nor anything with a `__name__`: a container, an exception, a Decimal, a Path, a date."""


_OPAQUE = _Opaque()


@dataclass(frozen=True)
class _Named:
    """A function or class the file defines once, undecorated: pytest names the parameter by its `__name__`."""

    name: str


@dataclass(frozen=True)
class _Imported:
    """A module-level name bound once by `import module` (name "") or `from module import name`."""

    module: str
    name: str


_OPAQUE_CONSTRUCTORS = frozenset(
    {
        ("decimal", "Decimal"),
        ("pathlib", "Path"),
        ("pathlib", "PurePath"),
        ("pathlib", "PurePosixPath"),
        ("datetime", "date"),
        ("datetime", "datetime"),
        ("datetime", "time"),
        ("datetime", "timedelta"),
    }
)
"""Standard-library classes whose instances pytest names `argname<index>` (see _Opaque)."""
_BUILTIN_CONTAINERS = frozenset({"dict", "list", "set", "frozenset", "tuple"})
_MATH_CONSTANTS = frozenset({"pi", "e", "tau", "inf", "nan"})
_RESOLVER: list[Resolver] = []
"""The resolver of the manifest being written, if any."""
_UNBOUND: set[str] = set()
"""Builtin names the file being read never binds (and it has no `import *`): they are the builtins."""


def _literal_constants(body: Iterable[ast.stmt]) -> dict[str, object]:
    bound: dict[str, int] = {}
    values: dict[str, object] = {}
    for node in body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound[node.name] = bound.get(node.name, 0) + 1
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                name = (alias.asname or alias.name).split(".")[0]
                bound[name] = bound.get(name, 0) + 1
        for target in targets:
            for name_node in ast.walk(target):
                if isinstance(name_node, ast.Name):
                    bound[name_node.id] = bound.get(name_node.id, 0) + 1
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            marker = _marker_name(node.value)
            values[node.targets[0].id] = _MarkAlias(marker) if marker else _evaluate_value(node.value)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and not node.decorator_list:
            values[node.name] = _Named(node.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if "." not in alias.name:
                    values[alias.asname or alias.name] = _Imported(alias.name, "")
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                values[alias.asname or alias.name] = _Imported(node.module, alias.name)
    return {name: value for name, value in values.items() if bound.get(name) == 1 and value is not _UNKNOWN}


def _names_bound_anywhere(tree: ast.Module) -> set[str] | None:
    """Every name the file binds in any scope; None when an `import *` may bind any name."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                if alias.name == "*":
                    return None
                names.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.Global | ast.Nonlocal):
            names.update(node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
            names.add(node.name)
    return names


def _evaluate_value(node: ast.expr) -> object:
    """A parameter value as far as it can be known without running code; _UNKNOWN otherwise."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in _UNBOUND and node.id != "float":
            return _Named(node.id)  # a builtin class: pytest uses its __name__
        value = _CONSTANTS.get(node.id, _UNKNOWN)
        if isinstance(value, _Imported) and value.module == "math" and value.name in _MATH_CONSTANTS:
            return getattr(math, value.name)
        return _resolved_name(value) if isinstance(value, _Imported) else value
    if isinstance(node, ast.Lambda):
        return _LAMBDA
    if isinstance(node, ast.List | ast.Tuple):
        items = [_evaluate_value(item) for item in node.elts]
        if _UNKNOWN in items:
            return _OPAQUE  # a container: its id is argname+index whatever it holds
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Dict | ast.Set | ast.ListComp | ast.SetComp | ast.DictComp):
        return _OPAQUE
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        module = _CONSTANTS.get(node.value.id)
        if isinstance(module, _Imported) and module.name and _RESOLVER:
            enum = _RESOLVER[0](module.module, module.name)
            member_id = enum.member_id(node.attr) if isinstance(enum, EnumInfo) else None
            return _Named(member_id) if member_id is not None else _UNKNOWN
        if module == _Imported("math", "") and node.attr in _MATH_CONSTANTS:
            return getattr(math, node.attr)
        if isinstance(module, _Imported) and not module.name:
            return _resolved_name(_Imported(module.module, node.attr))
    if isinstance(node, ast.Call):
        return _evaluate_call(node)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _evaluate_value(node.operand)
        if isinstance(operand, int | float | complex) and not isinstance(operand, bool):
            return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mult):
        left, right = _evaluate_value(node.left), _evaluate_value(node.right)
        try:
            if isinstance(node.op, ast.Add) and type(left) is type(right) and isinstance(left, str | int | float):
                return left + right  # type: ignore[operator]
            if (
                isinstance(node.op, ast.Mult)
                and {type(left), type(right)} <= {str, int}
                and type(left) is not type(right)
            ):
                count = right if isinstance(right, int) else left
                if isinstance(count, int) and count <= 10_000:
                    return left * right  # type: ignore[operator]
        except TypeError:
            return _UNKNOWN
    return _UNKNOWN


def _evaluate_call(node: ast.Call) -> object:
    """A call whose result pytest names without running it: a builtin container or exception, a known
    standard-library class (_OPAQUE_CONSTRUCTORS), or `float(<literal>)`; _UNKNOWN otherwise."""
    if isinstance(node.func, ast.Name) and node.func.id in _UNBOUND:
        if node.func.id == "float":
            argument = _evaluate_value(node.args[0]) if len(node.args) == 1 and not node.keywords else _UNKNOWN
            if isinstance(argument, str | int | float) and not isinstance(argument, bool):
                try:
                    return float(argument)
                except ValueError:
                    return _UNKNOWN
            return _UNKNOWN
        return _OPAQUE
    origin: _Imported | None = None
    if isinstance(node.func, ast.Name):
        bound = _CONSTANTS.get(node.func.id)
        origin = bound if isinstance(bound, _Imported) else None
    elif isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
        bound = _CONSTANTS.get(node.func.value.id)
        if isinstance(bound, _Imported) and not bound.name:
            origin = _Imported(bound.module, node.func.attr)
    if origin is not None and (origin.module, origin.name) in _OPAQUE_CONSTRUCTORS:
        return _OPAQUE
    if origin is not None and origin.name and _RESOLVER:
        resolved = _RESOLVER[0](origin.module, origin.name)
        if isinstance(resolved, ClassInfo) and resolved.opaque_instances:
            return _OPAQUE
    return _UNKNOWN


def _resolved_name(imported: _Imported) -> object:
    """A class or function imported from the workspace, as pytest names it (its __name__); else _UNKNOWN."""
    if not imported.name or not _RESOLVER:
        return _UNKNOWN
    resolved = _RESOLVER[0](imported.module, imported.name)
    return _Named(resolved.name) if resolved is not None else _UNKNOWN


def _parametrize_ids(call: ast.Call) -> list[str] | None:
    """The ids pytest gives a `parametrize` call whose values (and `ids`) are known without running code."""
    if len(call.args) != 2 or any(keyword.arg != "ids" for keyword in call.keywords):
        return None
    argnames = _evaluate_value(call.args[0])
    if isinstance(argnames, str):
        argnames = [name.strip() for name in argnames.split(",") if name.strip()]
    if not isinstance(argnames, list | tuple) or not all(isinstance(name, str) for name in argnames):
        return None
    rows = call.args[1]
    if isinstance(rows, ast.Name) and isinstance(_CONSTANTS.get(rows.id), list | tuple):
        rows = ast.parse(repr(_CONSTANTS[rows.id]), mode="eval").body
    if not isinstance(rows, ast.List | ast.Tuple) or not rows.elts:
        return None
    ids: list[str] = []
    for index, row in enumerate(rows.elts):
        explicit: str | None = None
        if isinstance(row, ast.Call) and dotted_name(row.func) in ("pytest.param", "param"):
            if any(keyword.arg != "id" for keyword in row.keywords):
                return None  # marks= add markers this reader does not model
            explicit_value = _evaluate_value(row.keywords[0].value) if row.keywords else None
            if row.keywords and not isinstance(explicit_value, str):
                return None
            explicit = explicit_value if isinstance(explicit_value, str) else None
            items = [_evaluate_value(item) for item in row.args]
        elif len(argnames) > 1 and isinstance(row, ast.List | ast.Tuple):
            items = [_evaluate_value(item) for item in row.elts]
        else:
            value = _evaluate_value(row)
            items = list(value) if len(argnames) > 1 and isinstance(value, list | tuple) else [value]
        if explicit is not None:
            ids.append(explicit)
            continue
        if len(items) != len(argnames):
            return None
        parts = [_value_id(item, name, index) for item, name in zip(items, argnames, strict=True)]
        if any(part is None for part in parts):
            return None
        ids.append("-".join(part for part in parts if part is not None))
    given_ids = [keyword.value for keyword in call.keywords]
    if given_ids:
        listed = _evaluate_value(given_ids[0])
        if not isinstance(listed, list | tuple) or len(listed) != len(ids):
            return None
        if not all(isinstance(item, str) and item.isascii() and item.isprintable() for item in listed):
            return None
        ids = [str(item) for item in listed]
    if len(set(ids)) != len(ids):
        return None  # pytest makes duplicates unique with suffixes
    return ids


def _value_id(value: object, argname: str, index: int) -> str | None:
    if value is _UNKNOWN:
        return None
    if value is _LAMBDA:
        return "<lambda>"
    if isinstance(value, _Opaque):
        return f"{argname}{index}"
    if isinstance(value, _Named):
        return value.name if value.name.isascii() else None
    if isinstance(value, bool) or value is None or isinstance(value, int | float | complex):
        return str(value)
    if isinstance(value, str | bytes):
        # pytest's ascii_escaped: escapes non-ASCII and non-printable characters (and the backslash).
        text = value.encode("unicode_escape").decode("ascii") if isinstance(value, str) else None
        if isinstance(value, bytes):
            text = value.decode("ascii", "backslashreplace")
        return text if text is not None and text.isprintable() else None
    if isinstance(value, list | tuple | dict | set | frozenset):
        return f"{argname}{index}"  # pytest names containers after the argument and position
    return None


def write_manifest(files: Sequence[str], out: str) -> None:
    dump_manifest(manifest_of(files), out)


def dump_manifest(manifest: Mapping[str, object], out: str) -> None:
    """Writes a manifest (`manifest_of`'s, or a collected one: collected_names.py) as its JSON file."""
    with open(out, "w", encoding="utf-8") as stream:
        json.dump(manifest, stream, indent=0, sort_keys=True)


# -k expressions, as pytest parses them (src/_pytest/mark/expression.py): or/and/not, parentheses, identifiers.
_TOKEN = re.compile(r"\s*(?:(\()|(\))|((?:\w|:|\+|-|\.|\[|\\|/)+))")


class _Unsure(Exception):
    """The expression is outside the grammar this matcher understands: run pytest and let it judge."""


def may_match(tests: Sequence[TestNames], expression: str) -> bool:
    """False only when the -k `expression` selects none of `tests`, whatever names they may also carry."""
    return match_state(tests, expression) is not False


def match_state(tests: Sequence[TestNames], expression: str) -> bool | None:
    """True when the -k `expression` surely selects one of `tests`, False when it surely selects none, None
    when only collection can tell.

    Kleene logic over each test: an identifier is true when it is a substring (ignoring case) of a name the
    test surely carries, unknown when it is a substring of a name it may carry or the test is open, else false.
    An expression outside the grammar understood here is unknown.
    """
    try:
        tokens = _tokens(expression)
        if not tokens:
            return bool(tests)
        tree, rest = _parse_or(tokens)
        if rest:
            raise _Unsure
    except _Unsure:
        return None
    state: bool | None = False
    for test in tests:
        names = [name.lower() for name in test.names]
        maybe = [name.lower() for name in test.maybe]
        result = _evaluate(tree, names, maybe, test.open)
        if result is True:
            return True
        if result is None:
            state = None
    return state


def is_monotone(expression: str) -> bool:
    """True for a -k expression without `not` that this module parses: adding names to a test can only make it
    match more, so names recorded after collection (collected_names.py) may rule it out."""
    try:
        tokens = _tokens(expression)
        _, rest = _parse_or(tokens) if tokens else (None, [])
    except _Unsure:
        return False
    return not rest and "not" not in tokens


def _tokens(expression: str) -> list[str]:
    tokens = []
    position = 0
    while position < len(expression):
        if expression[position:].strip() == "":
            break
        match = _TOKEN.match(expression, position)
        if match is None:
            raise _Unsure
        tokens.append(match.group(0).strip())
        position = match.end()
    return tokens


_Tree = tuple[str, object]


def _parse_or(tokens: list[str]) -> tuple[_Tree, list[str]]:
    left, tokens = _parse_and(tokens)
    while tokens and tokens[0] == "or":
        right, tokens = _parse_and(tokens[1:])
        left = ("or", (left, right))
    return left, tokens


def _parse_and(tokens: list[str]) -> tuple[_Tree, list[str]]:
    left, tokens = _parse_not(tokens)
    while tokens and tokens[0] == "and":
        right, tokens = _parse_not(tokens[1:])
        left = ("and", (left, right))
    return left, tokens


def _parse_not(tokens: list[str]) -> tuple[_Tree, list[str]]:
    if not tokens:
        raise _Unsure
    head = tokens[0]
    if head == "not":
        inner, rest = _parse_not(tokens[1:])
        return ("not", inner), rest
    if head == "(":
        inner, rest = _parse_or(tokens[1:])
        if not rest or rest[0] != ")":
            raise _Unsure
        return inner, rest[1:]
    if head in (")", "or", "and") or head in ("True", "False", "None"):
        raise _Unsure
    if len(tokens) > 1 and tokens[1] == "(":
        raise _Unsure  # ident(kwargs): -m syntax; pytest decides
    return ("ident", head.lower()), tokens[1:]


def _evaluate(tree: _Tree, names: list[str], maybe: list[str], is_open: bool) -> bool | None:
    kind, value = tree
    if kind == "ident":
        if any(str(value) in name for name in names):
            return True
        return None if is_open or any(str(value) in name for name in maybe) else False
    if kind == "not":
        inner = _evaluate(cast(_Tree, value), names, maybe, is_open)
        return None if inner is None else not inner
    left_tree, right_tree = cast(tuple[_Tree, _Tree], value)
    left = _evaluate(left_tree, names, maybe, is_open)
    right = _evaluate(right_tree, names, maybe, is_open)
    if kind == "and":
        if left is False or right is False:
            return False
        return None if left is None or right is None else True
    if left is True or right is True:
        return True
    return None if left is None or right is None else False


MANIFEST_ARG = "--leadfactory_manifest="
"""The argument py_pytest_test passes: the runfiles path of the target's test-name manifest."""


def is_node_id(text: str) -> bool:
    """A pytest node id or test file path (`pkg/tests/test_x.py`, `...py::test_name[param]`)."""
    return "::" in text or text.endswith(".py")


def filter_cannot_match(argv: Sequence[str], environment: Mapping[str, str]) -> bool:
    """True when Bazel's --test_filter (TESTBRIDGE_TEST_ONLY) can select no test of this target, judged from
    its manifest alone; False when unsure (no filter, no manifest, a -k of the user's own)."""
    test_filter = environment.get("TESTBRIDGE_TEST_ONLY", "")
    manifests = [arg[len(MANIFEST_ARG) :] for arg in argv if arg.startswith(MANIFEST_ARG)]
    if not test_filter or len(manifests) != 1 or any(arg == "-k" or arg.startswith("-k") for arg in argv):
        return False
    try:
        files, tests = read_manifest_files(manifests[0])
    except ManifestError:
        return False
    return cannot_match(files, tests, test_filter)


def cannot_match(files: Collection[str], tests: Sequence[TestNames], test_filter: str) -> bool:
    """True when `test_filter` (a -k expression or a node id) selects none of the `tests` of a target whose
    test files are `files` (normalised paths, as a manifest lists them)."""
    if is_node_id(test_filter):
        return os.path.normpath(test_filter.split("::", 1)[0]) not in files
    return not may_match(tests, test_filter)


def tests_of(manifest: Mapping[str, Any]) -> list[TestNames]:
    """The tests of a manifest, as `manifest_of` returns it or its JSON file holds it."""
    return [TestNames(tuple(test["names"]), bool(test["open"]), tuple(test["maybe"])) for test in manifest["tests"]]


def read_manifest_files(path: str) -> tuple[set[str], list[TestNames]]:
    """The test files and the tests of a manifest."""
    try:
        with open(path, encoding="utf-8") as manifest:
            data = json.load(manifest)
    except (OSError, ValueError) as error:
        raise ManifestError(f"test-name manifest {path} is unreadable: {error}") from error
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
        raise ManifestError(f"test-name manifest {path} is not format version {FORMAT_VERSION}")
    return set(data["files"]), tests_of(data)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description="Writes the test-name manifest of a target's test files.")
    parser.add_argument("--out", required=True)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    write_manifest(args.files, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
