import json
import re
import uuid
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from testing.leads import SchemaValues, UnsupportedSchemaError, json_values, openapi_requests, operations

ITEM: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "price"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 10},
        "price": {"type": "number", "minimum": 0, "maximum": 100},
        "count": {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 3}, "maxItems": 3},
        "flag": {"type": "boolean"},
        "note": {"anyOf": [{"type": "string", "maxLength": 5}, {"type": "null"}], "title": "Note"},
        "color": {"enum": ["red", "blue"]},
        "kind": {"const": "item"},
        "size": {"allOf": [{"$ref": "#/components/schemas/Size"}]},
    },
}
DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "paths": {
        "/items": {
            "get": {
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 50}},
                    {
                        "name": "X-Trace",
                        "in": "header",
                        "schema": {"anyOf": [{"type": "string", "maxLength": 8}, {"type": "null"}]},
                    },
                ],
                "responses": {"200": {}, "422": {}},
            },
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}},
                },
                "responses": {"201": {}, "default": {}},
            },
        },
        "/items/{item_id}": {
            "parameters": [
                {"name": "item_id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
            ],
            "get": {"responses": {"200": {}, "404": {}}},
            "patch": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}},
                "responses": {"200": {}},
            },
        },
    },
    "components": {
        "schemas": {
            "Item": ITEM,
            "Size": {
                "type": "object",
                "additionalProperties": False,
                "required": ["unit"],
                "properties": {"unit": {"enum": ["cm", "in"]}, "value": {"type": "integer", "minimum": 0}},
            },
        }
    },
}
values = SchemaValues(DOCUMENT)


def conforms(schema, value):
    """A small JSON-schema checker for the keywords DOCUMENT uses."""
    if "$ref" in schema:
        return conforms(DOCUMENT["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]], value)
    if "allOf" in schema and not all(conforms(part, value) for part in schema["allOf"]):
        return False
    if "anyOf" in schema and not any(conforms(part, value) for part in schema["anyOf"]):
        return False
    if "enum" in schema and not any(type(value) is type(ok) and value == ok for ok in schema["enum"]):
        return False
    if "const" in schema and not (type(value) is type(schema["const"]) and value == schema["const"]):
        return False
    kind = schema.get("type")
    checks = {"string": str, "boolean": bool, "null": type(None), "array": list, "object": dict}
    if kind in checks and not isinstance(value, checks[kind]):
        return False
    if kind == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
        return False
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return False
    if isinstance(value, str) and kind == "string":
        if not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value)):
            return False
        if "pattern" in schema and not re.fullmatch(schema["pattern"], value):
            return False
    if kind in ("integer", "number"):
        if value < schema.get("minimum", value) or value > schema.get("maximum", value):
            return False
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            return False
        if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
            return False
    if kind == "array":
        if len(value) > schema.get("maxItems", len(value)) or not all(
            conforms(schema["items"], item) for item in value
        ):
            return False
    if kind == "object":
        properties = schema.get("properties", {})
        if any(name not in value for name in schema.get("required", [])):
            return False
        if schema.get("additionalProperties") is False and set(value) - set(properties):
            return False
        return all(conforms(properties[name], item) for name, item in value.items() if name in properties)
    return True


@settings(max_examples=40)
@given(values.valid({"$ref": "#/components/schemas/Item"}))
def test_valid_values_satisfy_their_schema(item):
    assert conforms(ITEM, item)


@settings(max_examples=40)
@given(values.invalid({"$ref": "#/components/schemas/Item"}))
def test_invalid_values_break_their_schema(item):
    assert not conforms(ITEM, item)


@settings(max_examples=40)
@given(
    st.sampled_from(sorted(ITEM["properties"])).flatmap(
        lambda name: st.tuples(st.just(name), values.invalid(ITEM["properties"][name]))
    )
)
def test_invalid_values_of_every_property_kind_break_that_property(case):
    name, value = case
    assert not conforms(ITEM["properties"][name], value)


@settings(max_examples=40)
@given(openapi_requests(DOCUMENT, include_invalid=False))
def test_requests_without_invalid_parts_follow_every_schema(request):
    assert request.conforms and "{" not in request.path
    if request.operation.body_required:
        assert request.has_body and conforms(ITEM, request.body)
    if "limit" in request.query:
        assert 1 <= request.query["limit"] <= 50
    if request.operation.path == "/items/{item_id}":
        uuid.UUID(request.path.rsplit("/", 1)[1])
    assert all(value.isascii() and value.isprintable() for value in request.headers.values())


def test_some_requests_break_their_schema_and_say_so():
    broken = find(
        openapi_requests(DOCUMENT), lambda request: not request.conforms and request.operation.method == "post"
    )
    assert not (broken.has_body and conforms(ITEM, broken.body))


def test_known_path_values_are_offered_alongside_generated_ones():
    strategy = openapi_requests(DOCUMENT, path_values={"item_id": st.just("known-1")})
    request = find(strategy, lambda request: request.path == "/items/known-1")
    assert request.operation.path == "/items/{item_id}"


def test_httpx_arguments_carry_json_only_when_a_body_is_sent():
    post = find(openapi_requests(DOCUMENT, include_invalid=False), lambda r: r.operation.method == "post")
    get = find(openapi_requests(DOCUMENT, include_invalid=False), lambda r: r.operation.method == "get")
    assert post.httpx_arguments()["json"] == post.body and post.httpx_arguments()["method"] == "POST"
    assert "json" not in get.httpx_arguments()


def test_operations_include_path_level_parameters_and_numeric_documented_statuses():
    found = {operation.label: operation for operation in operations(DOCUMENT)}
    assert set(found) == {"GET /items", "POST /items", "GET /items/{item_id}", "PATCH /items/{item_id}"}
    assert [p.name for p in found["GET /items/{item_id}"].parameters] == ["item_id"]
    assert found["POST /items"].documented_statuses == {201}
    assert (found["POST /items"].body_required, found["PATCH /items/{item_id}"].body_required) == (True, False)


@pytest.mark.parametrize(
    "schema, check",
    [
        ({"type": "string", "format": "email"}, lambda v: "@" in v),
        ({"type": "string", "format": "uuid"}, lambda v: uuid.UUID(v) is not None),
        ({"type": "string", "format": "date-time"}, lambda v: datetime.fromisoformat(v).tzinfo is not None),
        ({"type": "string", "format": "date"}, lambda v: date.fromisoformat(v) is not None),
        ({"type": "string", "format": "hostname", "maxLength": 40}, lambda v: "." in v and len(v) <= 40),
        ({"type": "string", "format": "uri"}, lambda v: v.startswith("https://")),
        ({"type": "string", "pattern": "^[A-Z]{3}$"}, lambda v: re.fullmatch("[A-Z]{3}", v)),
        ({"type": ["integer", "null"]}, lambda v: v is None or isinstance(v, int)),
        ({"type": "number", "minimum": 1.5, "maximum": 2.5}, lambda v: 1.5 <= v <= 2.5),
        ({"oneOf": [{"type": "boolean"}, {"const": 3}]}, lambda v: v is True or v is False or v == 3),
        ({"type": "array", "minItems": 2}, lambda v: len(v) >= 2),
        ({}, lambda v: json.loads(json.dumps(v)) == v),
    ],
)
@settings(max_examples=25)
@given(data=st.data())
def test_formats_patterns_and_type_keywords_generate_matching_values(schema, check, data):
    assert check(data.draw(values.valid(schema)))


@given(json_values())
def test_json_values_survive_a_json_round_trip(value):
    assert json.loads(json.dumps(value)) == value


@pytest.mark.parametrize(
    "schema, message",
    [
        ({"$ref": "#/components/schemas/Missing"}, "cannot resolve \\$ref '#/components/schemas/Missing'"),
        ({"$ref": "other.json#/Thing"}, "only #/components/schemas/<name> is supported"),
        ({"type": "decimal"}, "unknown JSON schema type 'decimal'"),
        (
            {"type": "object", "required": ["ghost"], "properties": {}},
            "required properties \\['ghost'\\] have no schema",
        ),
    ],
)
def test_unsupported_schemas_are_named_in_the_error(schema, message):
    with pytest.raises(UnsupportedSchemaError, match=message):
        values.valid(schema)


def test_a_ref_cycle_is_reported():
    looping = SchemaValues(
        {"components": {"schemas": {"A": {"$ref": "#/components/schemas/B"}, "B": {"$ref": "#/components/schemas/A"}}}}
    )
    with pytest.raises(UnsupportedSchemaError, match="\\$ref cycle"):
        looping.valid({"$ref": "#/components/schemas/A"})


@pytest.mark.parametrize(
    "parameter, message",
    [
        ({"$ref": "#/components/parameters/Limit"}, "parameter \\$ref"),
        ({"name": "session", "in": "cookie", "schema": {}}, "has location 'cookie'"),
    ],
)
def test_unsupported_parameters_are_named_with_their_operation(parameter, message):
    document = {"paths": {"/x": {"get": {"parameters": [parameter], "responses": {}}}}}
    with pytest.raises(UnsupportedSchemaError, match=f"GET /x: .*{message}"):
        operations(document)


def test_a_document_without_operations_is_rejected():
    with pytest.raises(UnsupportedSchemaError, match="no operations"):
        openapi_requests({"paths": {}})
