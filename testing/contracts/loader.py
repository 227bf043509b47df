"""Loads the provider contracts shipped beside this module: per provider a schema slice
(`<provider>/schema.json`), response fixtures (`<provider>/<operation>/<name>.json`) and the provenance
of each (`<provider>/provenance.json`). Adding a fixture file adds a contract test case.

A fixture is what the provider published for one response, plus what the gateway must make of it:

    {"status": 429, "headers": {"Content-Type": "application/json"},
     "json": {...} | "text": "..." | "base64": "...",
     "schema": "ErrorResponse",                     # optional: the slice's definition the body must match
     "expect": {"error": "QuotaExhausted", "message": ["insufficient_quota"]}   # or {"result": {path: value}}
    }
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import httpx

from testing.contracts.schema import ContractViolation, Violation, violations

CONTRACTS_DIR = Path(__file__).resolve().parent
_NOT_PROVIDERS = frozenset({"tests", "__pycache__"})


class FixtureError(ValueError):
    """A fixture, schema or provenance file is malformed or incomplete; the message names the file."""


@dataclass(frozen=True)
class Source:
    """Where a fixture or schema slice comes from: a documentation URL, or repository + path + commit."""

    url: str | None = None
    repository: str | None = None
    path: str | None = None
    commit: str | None = None
    note: str = ""

    def __str__(self) -> str:
        if self.repository:
            return f"{self.repository}:{self.path}@{(self.commit or '')[:12]}"
        return str(self.url)


@dataclass(frozen=True)
class Expectation:
    """What the gateway must make of a fixture: a typed result with `result` attribute values, or the
    `error` type whose message contains every string of `message`."""

    error: str | None = None
    message: tuple[str, ...] = ()
    result: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Fixture:
    """One published provider response for one operation."""

    provider: str
    operation: str
    name: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    payload: Any
    schema: str | None
    expect: Expectation
    source: Source

    @property
    def id(self) -> str:
        return f"{self.provider}/{self.operation}/{self.name}"

    @property
    def outcome(self) -> str:
        """'error' when the gateway must raise, else 'success'."""
        return "error" if self.expect.error else "success"

    def response(self, request: httpx.Request | None = None) -> httpx.Response:
        """The fixture as an httpx response (for a MockTransport)."""
        return httpx.Response(self.status, headers=dict(self.headers), content=self.body, request=request)


@dataclass(frozen=True)
class Contract:
    """A provider's schema slice: `definitions` named after the provider's own schemas."""

    provider: str
    schema: Mapping[str, Any]
    source: Source

    @property
    def definitions(self) -> Mapping[str, Any]:
        return self.schema["definitions"]

    def violations(self, definition: str, payload: Any) -> list[Violation]:
        """Every way `payload` breaks `definition` (empty when it conforms)."""
        if definition not in self.definitions:
            raise FixtureError(f"{self.provider}: schema.json has no definition {definition!r}")
        return violations(self.definitions[definition], payload, self.schema)

    def check(self, definition: str, payload: Any) -> None:
        """Raises ContractViolation naming the provider, the definition and each wrong field."""
        found = self.violations(definition, payload)
        if found:
            raise ContractViolation(self.provider, definition, found)


def providers(root: Path = CONTRACTS_DIR) -> list[str]:
    """Every provider with a contract folder under `root`, sorted."""
    return sorted(p.name for p in root.iterdir() if p.is_dir() and p.name not in _NOT_PROVIDERS)


@cache
def contract(provider: str, root: Path = CONTRACTS_DIR) -> Contract:
    """The provider's schema slice with its provenance."""
    path = root / provider / "schema.json"
    schema = _read_json(path)
    if not isinstance(schema, dict) or "definitions" not in schema:
        raise FixtureError(f"{path}: a schema slice needs 'definitions'")
    return Contract(provider, schema, _source(_provenance(root, provider).get("schema"), f"{provider}/schema.json"))


def fixtures(provider: str | None = None, operation: str | None = None, *, root: Path = CONTRACTS_DIR) -> list[Fixture]:
    """Every fixture (of `provider`, of `operation`) under `root`, sorted by id."""
    names = [provider] if provider else providers(root)
    found = [_fixture(root, path) for name in names for path in sorted((root / name).glob("*/*.json"))]
    return [f for f in found if operation is None or f.operation == operation]


def _fixture(root: Path, path: Path) -> Fixture:
    provider, operation, name = path.parent.parent.name, path.parent.name, path.stem
    data = _read_json(path)
    key = f"{operation}/{path.name}"
    try:
        body, payload = _body(data)
        expect = data["expect"]
        fixture = Fixture(
            provider=provider,
            operation=operation,
            name=name,
            status=int(data["status"]),
            headers=dict(data.get("headers", {})),
            body=body,
            payload=payload,
            schema=data.get("schema"),
            expect=Expectation(expect.get("error"), tuple(expect.get("message", ())), expect.get("result", {})),
            source=_source(_provenance(root, provider).get("fixtures", {}).get(key), f"{provider}/{key}"),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise FixtureError(f"{path}: {type(error).__name__}: {error}") from error
    return fixture


def _body(data: Mapping[str, Any]) -> tuple[bytes, Any]:
    if "json" in data:
        return json.dumps(data["json"]).encode(), data["json"]
    if "text" in data:
        return data["text"].encode(), data["text"]
    if "base64" in data:
        return base64.b64decode(data["base64"]), None
    return b"", None


@cache
def _provenance(root: Path, provider: str) -> Mapping[str, Any]:
    return _read_json(root / provider / "provenance.json")


def _source(entry: Mapping[str, Any] | None, what: str) -> Source:
    if not entry or not (entry.get("url") or (entry.get("repository") and entry.get("commit"))):
        raise FixtureError(f"{what}: provenance.json has no source (a url, or repository + path + commit)")
    return Source(
        entry.get("url"), entry.get("repository"), entry.get("path"), entry.get("commit"), entry.get("note", "")
    )


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise FixtureError(f"{path}: {error}") from error
