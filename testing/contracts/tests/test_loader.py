"""The contract loader: every shipped fixture and schema slice loads with its provenance, and a broken or
unsourced file is a FixtureError naming it."""

from __future__ import annotations

import json

import pytest

from testing.contracts import CONTRACTS_DIR, ContractViolation, FixtureError, contract, fixtures, providers

PROVIDERS = [
    "data_axle",
    "google_places",
    "hunter",
    "openai",
    "pagespeed",
    "screenshotone",
    "semrush",
    "sendgrid",
    "stripe",
]


def test_every_provider_the_gateway_calls_has_a_contract_folder():
    assert providers() == PROVIDERS


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_shipped_fixture_and_slice_has_a_recorded_source(provider):
    sources = [fixture.source for fixture in fixtures(provider)] + [contract(provider).source]
    assert all(source.url or (source.repository and source.path and source.commit) for source in sources)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_fixture_file_is_listed_in_its_providers_provenance(provider):
    listed = json.loads((CONTRACTS_DIR / provider / "provenance.json").read_text())["fixtures"]
    on_disk = {f"{path.parent.name}/{path.name}" for path in (CONTRACTS_DIR / provider).glob("*/*.json")}
    assert set(listed) == on_disk


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_fixture_schema_names_a_definition_of_its_slice(provider):
    assert {f.schema for f in fixtures(provider) if f.schema} <= set(contract(provider).definitions)


def test_fixtures_filter_by_operation_when_given_one():
    found = fixtures("hunter", "domain_search")
    assert found and {f.operation for f in found} == {"domain_search"}


def test_fixture_becomes_the_http_response_it_describes():
    fixture = next(f for f in fixtures("openai") if f.name == "insufficient_quota_429")
    response = fixture.response()
    assert (response.status_code, response.json()["error"]["code"]) == (429, "insufficient_quota")
    assert (fixture.outcome, fixture.id) == ("error", "openai/chat/insufficient_quota_429")


def test_binary_fixture_keeps_its_bytes():
    fixture = next(f for f in fixtures("screenshotone") if f.outcome == "success")
    assert fixture.body.startswith(b"\x89PNG") and fixture.payload is None


def _provider(tmp_path, provenance, fixture=None, schema=None):
    folder = tmp_path / "acme"
    (folder / "op").mkdir(parents=True)
    (folder / "provenance.json").write_text(json.dumps(provenance))
    (folder / "schema.json").write_text(json.dumps(schema if schema is not None else {"definitions": {}}))
    if fixture is not None:
        (folder / "op" / "case.json").write_text(fixture if isinstance(fixture, str) else json.dumps(fixture))
    return tmp_path


def test_fixture_without_a_provenance_entry_is_a_fixture_error_naming_it(tmp_path):
    root = _provider(tmp_path, {"schema": {"url": "https://acme.example/docs"}}, {"status": 200, "expect": {}})
    with pytest.raises(FixtureError, match=r"acme/op/case.json: provenance.json has no source"):
        fixtures(root=root)


def test_fixture_without_an_expectation_is_a_fixture_error_naming_the_file(tmp_path):
    provenance = {"fixtures": {"op/case.json": {"url": "https://acme.example/docs"}}}
    root = _provider(tmp_path, provenance, {"status": 200, "text": "ok"})
    with pytest.raises(FixtureError, match=r"case.json: KeyError: 'expect'"):
        fixtures(root=root)


def test_fixture_that_is_not_json_is_a_fixture_error_naming_the_file(tmp_path):
    root = _provider(tmp_path, {"fixtures": {}}, "{not json")
    with pytest.raises(FixtureError, match=r"case.json"):
        fixtures(root=root)


def test_schema_without_definitions_is_a_fixture_error(tmp_path):
    root = _provider(tmp_path, {"schema": {"url": "https://acme.example/docs"}}, schema={"type": "object"})
    with pytest.raises(FixtureError, match="a schema slice needs 'definitions'"):
        contract("acme", root)


def test_checking_an_unknown_definition_is_a_fixture_error(tmp_path):
    root = _provider(tmp_path, {"schema": {"repository": "acme/spec", "path": "s.json", "commit": "0" * 40}})
    with pytest.raises(FixtureError, match="no definition 'Nope'"):
        contract("acme", root).check("Nope", {})


def test_source_reads_as_repository_path_and_short_commit_or_as_its_url(tmp_path):
    root = _provider(tmp_path, {"schema": {"repository": "acme/spec", "path": "s.json", "commit": "abcdef1234567890"}})
    assert str(contract("acme", root).source) == "acme/spec:s.json@abcdef123456"
    assert str(fixtures("openai")[0].source).startswith(("https://", "openai/openai-openapi:"))


def test_a_flat_data_axle_record_breaks_its_contract_naming_provider_and_field():
    flat = {"document": {"infogroup_id": "939010853", "name": "Best Business Ever", "street": "123 Main St"}}
    with pytest.raises(ContractViolation) as caught:
        contract("data_axle").check("MatchResponse", flat)
    assert str(caught.value).startswith(
        "data_axle MatchResponse breaks the provider's contract: field 'document.attributes': required by the "
        "contract but missing; field 'document.name': not in the contract"
    )
