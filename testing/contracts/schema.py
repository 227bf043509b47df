"""A validator for the JSON Schema subset the shipped contract slices use, naming the provider and the
field on every violation.

The slices are cut from OpenAPI 3 / discovery documents or transcribed from API references; they use
`type` (incl. `nullable` and type lists), `enum`, `const`, `properties`, `required`, `additionalProperties`,
`items`, `anyOf`/`oneOf`, `minimum`/`maximum`, `minLength`, `pattern` and local `$ref`s
(`#/definitions/<Name>`). Any other keyword is documentation and ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "boolean": (bool,),
    "null": (type(None),),
}


@dataclass(frozen=True)
class Violation:
    """One place where a payload breaks its contract: `field` is a dotted path ('' for the whole body)."""

    field: str
    problem: str

    def __str__(self) -> str:
        return f"field {self.field or '<body>'!r}: {self.problem}"


class ContractViolation(AssertionError):
    """A payload (a mock's, a fixture's, a strategy's) breaks the provider's published contract."""

    def __init__(self, provider: str, definition: str, violations: list[Violation]) -> None:
        listed = "; ".join(str(violation) for violation in violations)
        super().__init__(f"{provider} {definition} breaks the provider's contract: {listed}")
        self.provider = provider
        self.definition = definition
        self.violations = violations


def violations(schema: Mapping[str, Any], instance: Any, root: Mapping[str, Any], path: str = "") -> list[Violation]:
    """Every way `instance` breaks `schema` (refs resolved against `root`), in document order."""
    if "$ref" in schema:
        return violations(_resolve(root, schema["$ref"]), instance, root, path)
    if "anyOf" in schema or "oneOf" in schema:
        options = schema.get("anyOf", schema.get("oneOf"))
        found = [violations(option, instance, root, path) for option in options]
        if all(found):
            return min(found, key=len)
    if not _type_matches(schema, instance):
        return [Violation(path, f"expected {_type_name(schema)}, got {_json_type(instance)} {_short(instance)}")]
    if instance is None:
        return []
    problems = _scalar_violations(schema, instance, path)
    if isinstance(instance, dict):
        problems += _object_violations(schema, instance, root, path)
    elif isinstance(instance, list) and "items" in schema:
        for index, item in enumerate(instance):
            problems += violations(schema["items"], item, root, f"{path}[{index}]")
    return problems


def _object_violations(
    schema: Mapping[str, Any], instance: dict[str, Any], root: Mapping[str, Any], path: str
) -> list[Violation]:
    problems = [
        Violation(_join(path, name), "required by the contract but missing")
        for name in schema.get("required", [])
        if name not in instance
    ]
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for name, value in instance.items():
        if name in properties:
            problems += violations(properties[name], value, root, _join(path, name))
        elif extra is False:
            problems.append(Violation(_join(path, name), "not in the contract (no additional properties)"))
        elif isinstance(extra, Mapping):
            problems += violations(extra, value, root, _join(path, name))
    return problems


def _scalar_violations(schema: Mapping[str, Any], instance: Any, path: str) -> list[Violation]:
    problems = []
    if "enum" in schema and instance not in schema["enum"]:
        problems.append(Violation(path, f"{_short(instance)} is not one of {schema['enum']}"))
    if "const" in schema and instance != schema["const"]:
        problems.append(Violation(path, f"{_short(instance)} is not {schema['const']!r}"))
    if isinstance(instance, (int, float)) and not isinstance(instance, bool):
        if "minimum" in schema and instance < schema["minimum"]:
            problems.append(Violation(path, f"{instance} is below the minimum {schema['minimum']}"))
        if "maximum" in schema and instance > schema["maximum"]:
            problems.append(Violation(path, f"{instance} is above the maximum {schema['maximum']}"))
    if isinstance(instance, str):
        if len(instance) < schema.get("minLength", 0):
            problems.append(Violation(path, f"{_short(instance)} is shorter than {schema['minLength']}"))
        if "pattern" in schema and not re.search(schema["pattern"], instance):
            problems.append(Violation(path, f"{_short(instance)} does not match {schema['pattern']!r}"))
    return problems


def _type_matches(schema: Mapping[str, Any], instance: Any) -> bool:
    if "type" not in schema:
        return True
    names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    if schema.get("nullable"):
        names = [*names, "null"]
    return any(_is(name, instance) for name in names)


def _is(name: str, instance: Any) -> bool:
    if name == "integer":
        return isinstance(instance, int) and not isinstance(instance, bool)
    if name == "number":
        return isinstance(instance, (int, float)) and not isinstance(instance, bool)
    return isinstance(instance, _TYPES[name])


def _type_name(schema: Mapping[str, Any]) -> str:
    names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    return " or ".join([*names, "null"] if schema.get("nullable") else names)


def _json_type(instance: Any) -> str:
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _is(name, instance):
            return name
    return type(instance).__name__


def _resolve(root: Mapping[str, Any], reference: str) -> Mapping[str, Any]:
    prefix = "#/definitions/"
    if not reference.startswith(prefix) or reference[len(prefix) :] not in root.get("definitions", {}):
        raise KeyError(f"unresolvable $ref {reference!r} (slices use local #/definitions/<Name> refs)")
    return root["definitions"][reference[len(prefix) :]]


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 50 else text[:47] + "..."
