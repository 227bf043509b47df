"""What an imported name is, read from the workspace's sources without importing them (for test-name manifests).

A parameter such as `Coordinate(40.7, -74.0)` or `InvalidRequest` gets its pytest id from the value's type:
an instance of an ordinary class is named after its argument and position (`point0`), a class or a function
by its `__name__`. `WorkspaceResolver` follows `from pkg import Name` through the workspace's modules
(re-exports included) to the `class` or `def` statement and says which of the two it is, only when that is
certain: a class whose instances cannot be strings, numbers, enums or patterns and cannot answer
`__name__`, or an undecorated function. Anything else (third-party code, decorators other than
`dataclass`, metaclasses, `__getattr__`, names bound twice) answers None, and the test stays open.
Standard library only.
"""

from __future__ import annotations

import ast
import builtins
import os
from dataclasses import dataclass

_MAX_DEPTH = 12
BUILTIN_EXCEPTIONS = frozenset(
    name for name, value in vars(builtins).items() if isinstance(value, type) and issubclass(value, BaseException)
)
"""The builtin exception classes: their instances have no `__name__`, so pytest names them by position."""
_SAFE_BUILTIN_BASES = BUILTIN_EXCEPTIONS | {"object"}
"""Builtin bases whose instances pytest names by position: object and the exceptions."""
_ATTRIBUTE_HOOKS = frozenset({"__name__", "__getattr__", "__getattribute__", "__new__", "__init_subclass__"})


@dataclass(frozen=True)
class ClassInfo:
    """A class defined in the workspace: its `__name__`, and whether pytest names its instances by position."""

    name: str
    opaque_instances: bool


@dataclass(frozen=True)
class EnumInfo:
    """An enum defined in the workspace: its `__name__` and the pytest id of each member (`Kind.RED` for a
    plain Enum, the escaped value for a StrEnum or a str mixin, which pytest treats as strings)."""

    name: str
    member_ids: tuple[tuple[str, str], ...]

    def member_id(self, member: str) -> str | None:
        return dict(self.member_ids).get(member)


@dataclass(frozen=True)
class FunctionInfo:
    """An undecorated function defined in the workspace: pytest names it by its `__name__`."""

    name: str


@dataclass
class _ModuleNames:
    bound: dict[str, int]
    statements: dict[str, ast.stmt]
    path: str


class WorkspaceResolver:
    """Resolves `(module, name)` to a ClassInfo or FunctionInfo from the sources under `root`, else None."""

    def __init__(self, root: str) -> None:
        self._root = root
        self._modules: dict[str, _ModuleNames | None] = {}

    def __call__(self, module: str, name: str) -> ClassInfo | EnumInfo | FunctionInfo | None:
        return self._resolve(module, name, 0)

    def _resolve(self, module: str, name: str, depth: int) -> ClassInfo | EnumInfo | FunctionInfo | None:
        names = self._module(module)
        if names is None or depth > _MAX_DEPTH or names.bound.get(name) != 1 or name not in names.statements:
            return None
        statement = names.statements[name]
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            return None if statement.decorator_list else FunctionInfo(statement.name)
        if isinstance(statement, ast.ClassDef):
            return self._class(statement, module, names, depth)
        if isinstance(statement, ast.ImportFrom):
            source = _absolute(module, statement, names.path)
            for alias in statement.names:
                if (alias.asname or alias.name) == name and source is not None:
                    return self._resolve(source, alias.name, depth + 1)
        return None

    def _class(self, node: ast.ClassDef, module: str, names: _ModuleNames, depth: int) -> ClassInfo | EnumInfo | None:
        if node.keywords or not all(_is_dataclass_decorator(d, names) for d in node.decorator_list):
            return None  # a metaclass or a decorator may make it anything
        enum_kind = _enum_kind(node, names)
        if enum_kind is not None:
            return _enum(node, enum_kind)
        opaque = not any(
            isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            and item.name in _ATTRIBUTE_HOOKS
            or isinstance(item, ast.Assign | ast.AnnAssign)
            and _assigns(item, _ATTRIBUTE_HOOKS)
            for item in node.body
        )
        for base in node.bases:
            if isinstance(base, ast.Name) and base.id in _SAFE_BUILTIN_BASES and base.id not in names.bound:
                continue
            resolved = self._resolve(module, base.id, depth + 1) if isinstance(base, ast.Name) else None
            if not isinstance(resolved, ClassInfo):
                return None
            opaque = opaque and resolved.opaque_instances
        return ClassInfo(node.name, opaque)

    def _module(self, module: str) -> _ModuleNames | None:
        if module not in self._modules:
            self._modules[module] = self._read(module)
        return self._modules[module]

    def _read(self, module: str) -> _ModuleNames | None:
        relative = module.replace(".", os.sep)
        for candidate in (os.path.join(relative, "__init__.py"), relative + ".py"):
            path = os.path.join(self._root, candidate)
            if os.path.isfile(path):
                try:
                    with open(path, encoding="utf-8") as handle:
                        tree = ast.parse(handle.read(), filename=path)
                except (OSError, UnicodeDecodeError, SyntaxError):
                    return None
                return _names_of(tree, candidate)
        return None


def _names_of(tree: ast.Module, path: str) -> _ModuleNames | None:
    """Each top-level name's binding statement and how often the module binds it (a name bound inside an
    `if`, `try` or loop counts too, as does any `global`); None when an `import *` may bind anything."""
    bound: dict[str, int] = {}
    statements: dict[str, ast.stmt] = {}

    def bind(name: str, statement: ast.stmt) -> None:
        bound[name] = bound.get(name, 0) + 1
        statements[name] = statement

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom | ast.Import) and any(alias.name == "*" for alias in node.names):
            return None
        if isinstance(node, ast.Global):
            for name in node.names:
                bind(name, node)
    for statement in tree.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bind(statement.name, statement)
            continue
        for node in ast.walk(statement):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
                bind(node.id, statement)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                bind(node.name, statement)
            elif isinstance(node, ast.Import | ast.ImportFrom):
                for alias in node.names:
                    bind((alias.asname or alias.name).split(".")[0], statement)
    return _ModuleNames(bound, statements, path)


_ENUM_BASES = {("enum", "Enum"): "plain", ("enum", "StrEnum"): "str"}
_ENUM_HOOKS = frozenset(
    {"__str__", "__format__", "__new__", "__init__", "__getattr__", "__getattribute__", "_generate_next_value_"}
)


def _enum_kind(node: ast.ClassDef, names: _ModuleNames) -> str | None:
    """ "plain" for `class K(Enum)`, "str" for `class K(StrEnum)` or `class K(str, Enum)`; else None."""
    origins = []
    for base in node.bases:
        dotted = dotted_name(base) or ""
        if dotted == "str" and "str" not in names.bound:
            origins.append(("builtins", "str"))
        elif (origin := _import_origin(dotted, names)) is not None:
            origins.append(origin)
        else:
            return None
    if len(origins) == 1 and origins[0] in _ENUM_BASES:
        return _ENUM_BASES[origins[0]]
    return "str" if origins == [("builtins", "str"), ("enum", "Enum")] else None


def _import_origin(dotted: str, names: _ModuleNames) -> tuple[str, str] | None:
    """(module, name) that `Name` or `module.Name` reads when the module binds its head once, by an absolute
    import: `from enum import Enum` or `import enum` (not `import other as enum`); else None."""
    head, _, rest = dotted.partition(".")
    statement = names.statements.get(head) if names.bound.get(head) == 1 else None
    if isinstance(statement, ast.ImportFrom) and statement.module and not statement.level and not rest:
        return next(((statement.module, a.name) for a in statement.names if (a.asname or a.name) == head), None)
    if isinstance(statement, ast.Import) and rest and "." not in rest:
        imported = next((a.name for a in statement.names if (a.asname or a.name) == head), None)
        return (imported, rest) if imported == head else None
    return None


def _enum(node: ast.ClassDef, kind: str) -> EnumInfo | None:
    """The members of an enum whose body is members with distinct literal values, methods and a docstring."""
    members: dict[str, str] = {}
    values: list[object] = []
    for index, item in enumerate(node.body):
        if index == 0 and isinstance(item, ast.Expr) and isinstance(item.value, ast.Constant):
            continue
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name not in _ENUM_HOOKS:
            continue
        if not (
            isinstance(item, ast.Assign)
            and len(item.targets) == 1
            and isinstance(item.targets[0], ast.Name)
            and not item.targets[0].id.startswith("_")
            and isinstance(item.value, ast.Constant)
        ):
            return None
        value = item.value.value
        if value in values or (kind == "str" and not isinstance(value, str)):
            return None  # an alias, or a value pytest would not see as this text
        values.append(value)
        member = item.targets[0].id
        if kind == "plain":
            members[member] = f"{node.name}.{member}"
        else:
            escaped = str(value).encode("unicode_escape").decode("ascii")
            if not escaped.isprintable():
                return None
            members[member] = escaped
    return EnumInfo(node.name, tuple(sorted(members.items())))


def _is_dataclass_decorator(decorator: ast.expr, names: _ModuleNames) -> bool:
    """`@dataclass` or `@dataclass(...)` from the standard library's dataclasses (returns the class itself)."""
    dotted = dotted_name(decorator.func if isinstance(decorator, ast.Call) else decorator) or ""
    return _import_origin(dotted, names) == ("dataclasses", "dataclass")


def _absolute(module: str, statement: ast.ImportFrom, path: str) -> str | None:
    """The module an `from ... import` statement reads, made absolute."""
    if not statement.level:
        return statement.module
    package = module if os.path.basename(path) == "__init__.py" else module.rpartition(".")[0]
    for _ in range(statement.level - 1):
        package = package.rpartition(".")[0]
    if not package:
        return None
    return f"{package}.{statement.module}" if statement.module else package


def _assigns(node: ast.Assign | ast.AnnAssign, names: frozenset[str]) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return any(isinstance(target, ast.Name) and target.id in names for target in targets)


def dotted_name(node: ast.expr) -> str | None:
    """`a.b.c` for a name or an attribute chain; None for any other expression."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        outer = dotted_name(node.value)
        return None if outer is None else f"{outer}.{node.attr}"
    return None
