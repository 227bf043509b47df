"""The JSON Schema subset validator: each keyword the slices use, and messages naming the field."""

from __future__ import annotations

import pytest

from testing.contracts import ContractViolation, Violation, violations

ROOT = {
    "definitions": {
        "Doc": {
            "type": "object",
            "required": ["id", "attributes"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string", "minLength": 1, "pattern": "^[0-9]+$"},
                "score": {"type": ["number", "string"], "minimum": 0, "maximum": 1},
                "kind": {"type": "string", "enum": ["a", "b"], "nullable": True},
                "object": {"const": "doc"},
                "rules": {"type": "array", "items": {"type": "string"}},
                "attributes": {"type": "object", "additionalProperties": {"type": "integer"}},
                "next": {"anyOf": [{"$ref": "#/definitions/Doc"}, {"type": "null"}]},
            },
        }
    }
}
DOC = {"$ref": "#/definitions/Doc"}


def _problems(instance):
    return [str(v) for v in violations(DOC, instance, ROOT)]


def test_conforming_document_has_no_violations():
    assert (
        _problems(
            {
                "id": "1",
                "score": "0.93",
                "kind": None,
                "object": "doc",
                "rules": ["x"],
                "attributes": {"n": 1},
                "next": None,
            }
        )
        == []
    )


@pytest.mark.parametrize(
    "instance, expected",
    [
        ({"attributes": {}}, "field 'id': required by the contract but missing"),
        ({"id": "1", "attributes": {}, "name": "x"}, "field 'name': not in the contract (no additional properties)"),
        ({"id": 1, "attributes": {}}, "field 'id': expected string, got integer 1"),
        ({"id": "", "attributes": {}}, "field 'id': '' is shorter than 1"),
        ({"id": "x1", "attributes": {}}, "field 'id': 'x1' does not match '^[0-9]+$'"),
        ({"id": "1", "score": 2, "attributes": {}}, "field 'score': 2 is above the maximum 1"),
        ({"id": "1", "score": -1, "attributes": {}}, "field 'score': -1 is below the minimum 0"),
        ({"id": "1", "score": True, "attributes": {}}, "field 'score': expected number or string, got boolean True"),
        ({"id": "1", "kind": "c", "attributes": {}}, "field 'kind': 'c' is not one of ['a', 'b']"),
        ({"id": "1", "object": "event", "attributes": {}}, "field 'object': 'event' is not 'doc'"),
        ({"id": "1", "rules": ["x", 2], "attributes": {}}, "field 'rules[1]': expected string, got integer 2"),
        ({"id": "1", "attributes": {"n": 1.5}}, "field 'attributes.n': expected integer, got number 1.5"),
        (
            {"id": "1", "attributes": {}, "next": {"attributes": {}}},
            "field 'next.id': required by the contract but missing",
        ),
        ([], "field '<body>': expected object, got array []"),
    ],
)
def test_violation_names_the_field_and_what_was_wrong(instance, expected):
    assert expected in _problems(instance)


def test_contract_violation_names_provider_definition_and_every_field():
    error = ContractViolation("data_axle", "MatchResponse", [Violation("document.attributes", "missing")])
    assert str(error) == "data_axle MatchResponse breaks the provider's contract: field 'document.attributes': missing"
    assert (error.provider, error.definition) == ("data_axle", "MatchResponse")


def test_a_ref_outside_the_slices_definitions_is_refused():
    with pytest.raises(KeyError, match="unresolvable \\$ref '#/components/schemas/X'"):
        violations({"$ref": "#/components/schemas/X"}, {}, ROOT)


def test_a_value_json_cannot_hold_is_named_by_its_python_type():
    assert [str(v) for v in violations({"type": "string"}, b"raw", ROOT)] == [
        "field '<body>': expected string, got bytes b'raw'"
    ]
