"""Hypothesis strategies that generate HTTP requests from an OpenAPI 3 document (e.g. FastAPI's app.openapi()).

    requests = openapi_requests(app.openapi(), path_values={"lead_id": st.sampled_from(known_ids)})

    @given(requests)
    async def test_no_server_errors(request):
        response = await client.request(**request.httpx_arguments())
        assert response.status_code < 500

Every operation's path, query and header parameters and its JSON request body are generated from their
JSON schemas (`$ref`, `allOf`/`anyOf`/`oneOf`, `enum`, `const`, formats, lengths, ranges, arrays, objects).
Valid requests follow the schema; invalid ones (`OpenApiRequest.conforms` is False) break exactly one part
of it: a wrong-typed or out-of-range value, a missing required field, an unknown property, garbage in a
path segment. The server must answer both kinds without an error of its own.
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_REF_PREFIX = "#/components/schemas/"
_MAX_ITEMS = 4


class UnsupportedSchemaError(ValueError):
    """The OpenAPI document uses something these strategies cannot generate; names the place."""


@dataclass(frozen=True)
class Parameter:
    """One path, query or header parameter of an operation."""

    name: str
    location: str
    required: bool
    schema: Mapping[str, Any]


@dataclass(frozen=True)
class Operation:
    """One method on one path, with its parameters, JSON body schema and documented status codes."""

    method: str
    path: str
    parameters: tuple[Parameter, ...]
    body_schema: Mapping[str, Any] | None
    body_required: bool
    documented_statuses: frozenset[int]

    @property
    def label(self) -> str:
        """`METHOD /path/{template}`, for messages."""
        return f"{self.method.upper()} {self.path}"


@dataclass(frozen=True)
class OpenApiRequest:
    """A generated request; `conforms` says whether every part of it follows the operation's schema."""

    operation: Operation
    path: str
    query: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    has_body: bool = False
    conforms: bool = True

    def httpx_arguments(self) -> dict[str, Any]:
        """Keyword arguments for `httpx.AsyncClient.request` / `httpx.Client.request`."""
        arguments: dict[str, Any] = {
            "method": self.operation.method.upper(),
            "url": self.path,
            "params": dict(self.query),
            "headers": dict(self.headers),
        }
        if self.has_body:
            arguments["json"] = self.body
        return arguments


def operations(document: Mapping[str, Any]) -> tuple[Operation, ...]:
    """Every operation of the document, in document order."""
    found: list[Operation] = []
    for path, item in document.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in HTTP_METHODS:
            if method not in item:
                continue
            spec = item[method]
            parameters = tuple(_parameter(raw, path, method) for raw in [*shared, *spec.get("parameters", [])])
            body = spec.get("requestBody")
            body_schema = body.get("content", {}).get("application/json", {}).get("schema") if body else None
            statuses = frozenset(int(code) for code in spec.get("responses", {}) if code.isdigit())
            found.append(
                Operation(method, path, parameters, body_schema, bool(body and body.get("required")), statuses)
            )
    return tuple(found)


class SchemaValues:
    """Strategies for values that do (`valid`) or deliberately do not (`invalid`) match JSON schemas."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._components: Mapping[str, Any] = document.get("components", {}).get("schemas", {})
        # Strategies are built once per schema object: building them on every draw is slow.
        self._cache: dict[tuple[str, int], tuple[Mapping[str, Any], st.SearchStrategy[Any]]] = {}

    def _cached(self, kind: str, schema: Mapping[str, Any], build: Any) -> st.SearchStrategy[Any]:
        key = (kind, id(schema))
        if key not in self._cache:
            self._cache[key] = (schema, build(schema))  # keeps `schema` alive so its id stays unique
        return self._cache[key][1]

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        """The schema a `$ref` points at (followed repeatedly); other schemas unchanged."""
        seen: list[str] = []
        while "$ref" in schema:
            reference = schema["$ref"]
            if not reference.startswith(_REF_PREFIX) or reference[len(_REF_PREFIX) :] not in self._components:
                raise UnsupportedSchemaError(
                    f"cannot resolve $ref {reference!r} (only {_REF_PREFIX}<name> is supported)"
                )
            if reference in seen:
                raise UnsupportedSchemaError(f"$ref cycle without content: {' -> '.join([*seen, reference])}")
            seen.append(reference)
            schema = self._components[reference[len(_REF_PREFIX) :]]
        return schema

    def valid(self, schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
        """Values that satisfy `schema`."""
        return self._cached("valid", schema, self._build_valid)

    def invalid(self, schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
        """Values that most likely break `schema`: wrong types, out-of-range values, broken objects."""
        return self._cached("invalid", schema, self._build_invalid)

    def _build_valid(self, schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
        schema = self.resolve(schema)
        if "allOf" in schema:
            return self.valid(self._merge_all_of(schema))
        for combinator in ("anyOf", "oneOf"):
            if combinator in schema:
                siblings = {key: value for key, value in schema.items() if key != combinator}
                return st.one_of([self.valid({**self.resolve(branch), **siblings}) for branch in schema[combinator]])
        if "const" in schema:
            return st.just(schema["const"])
        if "enum" in schema:
            return st.sampled_from(list(schema["enum"]))
        kind = schema.get("type")
        if isinstance(kind, list):
            return st.one_of([self.valid({**schema, "type": each}) for each in kind])
        if kind is None:
            kind = "object" if "properties" in schema else None
        builder = {
            "string": self._string,
            "integer": self._integer,
            "number": self._number,
            "boolean": lambda _schema: st.booleans(),
            "null": lambda _schema: st.none(),
            "array": self._array,
            "object": self._object,
        }.get(kind or "")
        if builder is None:
            if kind is not None:
                raise UnsupportedSchemaError(f"unknown JSON schema type {kind!r} in {dict(schema)!r}")
            return json_values()
        return builder(schema)

    def _build_invalid(self, schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
        schema = self.resolve(schema)
        if "allOf" in schema:
            schema = self._merge_all_of(schema)
        for combinator in ("anyOf", "oneOf"):
            if combinator in schema:
                return self._invalid_for_all(schema, combinator)
        kind = schema.get("type")
        if kind is None and "properties" in schema:
            kind = "object"
        options: list[st.SearchStrategy[Any]] = [_wrong_type(kind)]
        if kind == "object" and schema.get("properties"):
            options.append(self._broken_object(schema))
        if kind == "string":
            if "maxLength" in schema:
                limit = schema["maxLength"]
                options.append(st.text(min_size=limit + 1, max_size=limit + 20))
            if "minLength" in schema and schema["minLength"] > 0:
                options.append(st.text(max_size=schema["minLength"] - 1))
            if "format" in schema or "pattern" in schema:
                options.append(st.text(max_size=30))  # arbitrary text rarely has the format
        if kind in ("integer", "number"):
            if "minimum" in schema:
                options.append(st.integers(max_value=math.ceil(schema["minimum"]) - 1))
            if "exclusiveMinimum" in schema:
                options.append(st.integers(max_value=math.floor(schema["exclusiveMinimum"])))
            if "maximum" in schema:
                options.append(st.integers(min_value=math.floor(schema["maximum"]) + 1))
            if "exclusiveMaximum" in schema:
                options.append(st.integers(min_value=math.ceil(schema["exclusiveMaximum"])))
        allowed = [schema["const"]] if "const" in schema else schema.get("enum")
        if allowed is not None:
            options.append(st.text(max_size=15))
            return st.one_of(options).filter(lambda value: not any(_same_json(value, ok) for ok in allowed))
        return st.one_of(options)

    def _invalid_for_all(self, schema: Mapping[str, Any], combinator: str) -> st.SearchStrategy[Any]:
        """Values no branch accepts: a branch's own violations when no other branch takes that JSON type."""
        siblings = {key: value for key, value in schema.items() if key != combinator}
        branches = [{**self.resolve(branch), **siblings} for branch in schema[combinator]]
        kinds = [branch.get("type") for branch in branches]
        if not all(isinstance(kind, str) for kind in kinds) or len(set(kinds)) != len(kinds):
            return json_values()  # overlapping branches: no cheap way to miss them all
        type_names = [str(kind) for kind in kinds]
        options: list[st.SearchStrategy[Any]] = [
            self.invalid(branch).filter(_rejected_by_all_but(branch["type"], type_names)) for branch in branches
        ]
        return st.one_of(options)

    def _merge_all_of(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        merged: dict[str, Any] = {key: value for key, value in schema.items() if key != "allOf"}
        for part in schema["allOf"]:
            part = self.resolve(part)
            for key, value in part.items():
                if key == "properties":
                    merged["properties"] = {**merged.get("properties", {}), **value}
                elif key == "required":
                    merged["required"] = sorted({*merged.get("required", []), *value})
                else:
                    merged.setdefault(key, value)
        return merged

    def _string(self, schema: Mapping[str, Any]) -> st.SearchStrategy[str]:
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        formatted = _FORMATS.get(schema.get("format", ""))
        if formatted is not None:
            base = formatted
        elif "pattern" in schema:
            base = st.from_regex(schema["pattern"], fullmatch=True)
        else:
            return st.text(min_size=low, max_size=high if high is not None else max(low, 40))
        return base.filter(lambda value: low <= len(value) and (high is None or len(value) <= high))

    def _integer(self, schema: Mapping[str, Any]) -> st.SearchStrategy[int]:
        low, high = schema.get("minimum"), schema.get("maximum")
        if "exclusiveMinimum" in schema:
            low = int(schema["exclusiveMinimum"]) + 1
        if "exclusiveMaximum" in schema:
            high = int(schema["exclusiveMaximum"]) - 1
        return st.integers(min_value=low, max_value=high)

    def _number(self, schema: Mapping[str, Any]) -> st.SearchStrategy[float]:
        return st.floats(
            min_value=schema.get("minimum"),
            max_value=schema.get("maximum"),
            allow_nan=False,
            allow_infinity=False,
        )

    def _array(self, schema: Mapping[str, Any]) -> st.SearchStrategy[list[Any]]:
        low = schema.get("minItems", 0)
        high = min(schema.get("maxItems", low + _MAX_ITEMS), low + _MAX_ITEMS)
        items = self.valid(schema["items"]) if "items" in schema else json_values()
        return st.lists(items, min_size=low, max_size=high)

    def _object(self, schema: Mapping[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
        properties: Mapping[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", []))
        missing = required - set(properties)
        if missing:
            raise UnsupportedSchemaError(f"required properties {sorted(missing)} have no schema in {dict(schema)!r}")
        return st.fixed_dictionaries(
            {name: self._deferred_valid(spec) for name, spec in properties.items() if name in required},
            optional={name: self._deferred_valid(spec) for name, spec in properties.items() if name not in required},
        )

    def _deferred_valid(self, schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
        """`valid(schema)`, built only when drawn from (schemas may refer to themselves)."""
        return st.deferred(lambda: self.valid(schema))

    def _broken_object(self, schema: Mapping[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
        properties: Mapping[str, Any] = schema["properties"]
        required = [name for name in schema.get("required", []) if name in properties]
        valid_object = self._object(schema)
        wrong_value = st.sampled_from(sorted(properties)).flatmap(
            lambda name: st.tuples(st.just(name), st.deferred(lambda: self.invalid(properties[name])))
        )
        breakages: list[st.SearchStrategy[dict[str, Any]]] = [
            st.tuples(valid_object, wrong_value).map(lambda parts: {**parts[0], parts[1][0]: parts[1][1]}),
            st.tuples(valid_object, st.text(min_size=1, max_size=10).filter(lambda key: key not in properties)).map(
                lambda parts: {**parts[0], parts[1]: "unexpected"}
            ),
        ]
        if required:
            breakages.append(
                st.tuples(valid_object, st.sampled_from(required)).map(
                    lambda parts: {key: value for key, value in parts[0].items() if key != parts[1]}
                )
            )
        return st.one_of(breakages)


def json_values() -> st.SearchStrategy[Any]:
    """Any JSON document: null, booleans, numbers, text, and nested arrays and objects of them."""
    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
    return st.recursive(
        scalars,
        lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
        max_leaves=8,
    )


def openapi_requests(
    document: Mapping[str, Any],
    *,
    include_invalid: bool = True,
    path_values: Mapping[str, st.SearchStrategy[Any]] | None = None,
) -> st.SearchStrategy[OpenApiRequest]:
    """Requests to every operation of `document`; `path_values` adds candidates (e.g. known ids) per path parameter."""
    values = SchemaValues(document)
    found = operations(document)
    if not found:
        raise UnsupportedSchemaError("the OpenAPI document has no operations under 'paths'")
    extra = dict(path_values or {})
    return st.one_of([_operation_requests(_plan(operation, values, extra), include_invalid) for operation in found])


class _Omitted:
    """Marks an optional parameter or body left out of a request."""


_OMITTED = _Omitted()


@dataclass(frozen=True)
class _PartPlan:
    """How to draw one part of a request (a parameter, or the body) either following its schema or not."""

    name: str
    location: str
    required: bool
    valid: st.SearchStrategy[Any]
    broken: st.SearchStrategy[Any]


def _plan(
    operation: Operation, values: SchemaValues, path_values: Mapping[str, st.SearchStrategy[Any]]
) -> tuple[Operation, tuple[_PartPlan, ...]]:
    """Builds every strategy an operation needs once, up front (building strategies per draw is slow)."""
    parts: list[_PartPlan] = []
    for parameter in operation.parameters:
        valid = values.valid(parameter.schema)
        if parameter.location == "path" and parameter.name in path_values:
            valid = st.one_of(path_values[parameter.name], valid)
        broken = st.one_of(st.text(max_size=40), values.invalid(parameter.schema).map(str))
        if parameter.required:
            broken = st.one_of(st.just(_OMITTED), broken)
        else:
            valid = st.one_of(st.just(_OMITTED), valid)
        parts.append(_PartPlan(parameter.name, parameter.location, parameter.required, valid, broken))
    if operation.body_schema is not None:
        valid_body = values.valid(operation.body_schema)
        broken_body = values.invalid(operation.body_schema)
        if operation.body_required:
            broken_body = st.one_of(st.just(_OMITTED), broken_body)
        else:
            valid_body = st.one_of(st.just(_OMITTED), valid_body)
        parts.append(_PartPlan("<body>", "body", operation.body_required, valid_body, broken_body))
    return operation, tuple(parts)


def _operation_requests(
    plan: tuple[Operation, tuple[_PartPlan, ...]], include_invalid: bool
) -> st.SearchStrategy[OpenApiRequest]:
    operation, parts = plan
    choices: list[int | None] = [None, *range(len(parts))] if include_invalid else [None]
    broken_part = st.sampled_from(choices)

    @st.composite
    def requests(draw: st.DrawFn) -> OpenApiRequest:
        broken = draw(broken_part)
        path, query, headers = operation.path, {}, {}
        body, has_body = None, False
        for index, part in enumerate(parts):
            value = draw(part.broken if index == broken else part.valid)
            if value is _OMITTED:
                continue
            if value is None and part.location != "body":
                # An optional parameter's `null` means "not sent"; a required one is sent empty.
                if not part.required:
                    continue
                value = ""
            if part.location == "path":
                path = path.replace("{" + part.name + "}", quote(str(value), safe=""))
            elif part.location == "query":
                query[part.name] = value
            elif part.location == "header":
                # HTTP header values are printable ASCII; anything else could not even be sent.
                headers[part.name] = "".join(char for char in str(value) if char in _PRINTABLE_ASCII).strip()
            else:
                body, has_body = value, True
        return OpenApiRequest(operation, path, query, headers, body, has_body, conforms=broken is None)

    return requests()


def _parameter(raw: Mapping[str, Any], path: str, method: str) -> Parameter:
    if "$ref" in raw:
        raise UnsupportedSchemaError(f"{method.upper()} {path}: parameter $ref {raw['$ref']!r} is not supported")
    location = raw.get("in")
    if location not in ("path", "query", "header"):
        raise UnsupportedSchemaError(
            f"{method.upper()} {path}: parameter {raw.get('name')!r} has location {location!r}"
        )
    return Parameter(raw["name"], location, bool(raw.get("required") or location == "path"), raw.get("schema", {}))


def _wrong_type(kind: Any) -> st.SearchStrategy[Any]:
    others = {
        "string": st.integers() | st.booleans() | st.lists(st.integers(), max_size=2),
        "integer": st.text(max_size=10)
        | st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: x != int(x)),
        "number": st.text(max_size=10) | st.booleans(),
        "boolean": st.text(max_size=10).filter(lambda text: text.lower() not in _BOOLEAN_WORDS) | st.integers(2),
        "array": st.text(max_size=10) | st.integers(),
        "object": st.text(max_size=10) | st.integers() | st.lists(st.integers(), max_size=2),
        "null": st.integers() | st.text(min_size=1, max_size=10),
    }
    return others.get(kind, json_values()) if isinstance(kind, str) else json_values()


def _same_json(left: Any, right: Any) -> bool:
    """JSON equality: unlike Python's, true is not 1."""
    return type(left) is type(right) and left == right


def _rejected_by_all_but(own: str, kinds: list[str]) -> Callable[[Any], bool]:
    """A filter keeping the values that no JSON type of `kinds` other than `own` accepts."""
    return lambda value: not any(_json_type_accepts(kind, value) for kind in kinds if kind != own)


def _json_type_accepts(kind: str, value: Any) -> bool:
    """Whether a JSON value (as Python) has JSON schema type `kind`."""
    if isinstance(value, bool):
        return kind == "boolean"
    if isinstance(value, int):
        return kind in ("integer", "number")
    if isinstance(value, float):
        return kind == "number"
    checks: dict[str, type] = {"string": str, "array": list, "object": dict, "null": type(None)}
    return kind in checks and isinstance(value, checks[kind])


_PRINTABLE_ASCII = frozenset(string.printable) - frozenset("\t\n\r\x0b\x0c")
_BOOLEAN_WORDS = frozenset({"true", "false", "1", "0", "yes", "no", "on", "off", "t", "f", "y", "n"})
_HOST_LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
_HOSTNAMES = st.builds(
    lambda labels, tld: ".".join([*labels, tld]),
    st.lists(_HOST_LABEL, min_size=1, max_size=3),
    st.sampled_from(["com", "org", "net", "io", "de", "co.uk"]),
)
_FORMATS: dict[str, st.SearchStrategy[str]] = {
    "email": st.emails(),
    "uuid": st.uuids().map(str),
    "date-time": st.datetimes(timezones=st.just(UTC)).map(lambda moment: moment.isoformat()),
    "date": st.dates().map(lambda day: day.isoformat()),
    "hostname": _HOSTNAMES,
    "uri": _HOSTNAMES.map(lambda host: f"https://{host}/"),
}
