"""Which (provider, operation, outcome) each test exercised through the mock factories (testing/mocks).

The factories record a cell when a request actually hits one of their routes (not when the route is
registered); the pytest plugin names the running test and writes the records of the whole session to the
target's undeclared outputs (`mock_usage.json`), which tools/ci/mock_usage.py aggregates and checks.
Standard library only: the plugin imports it for every test.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

SUCCESS = "success"
CLIENT_ERROR = "client_error"
RATE_LIMITED = "rate_limited"
SERVER_ERROR = "server_error"
TIMEOUT = "timeout"
CONNECTION_ERROR = "connection_error"
MALFORMED = "malformed"
OTHER_ERROR = "other_error"
OUTCOMES = (SUCCESS, CLIENT_ERROR, RATE_LIMITED, SERVER_ERROR, TIMEOUT, CONNECTION_ERROR, MALFORMED, OTHER_ERROR)
"""Every outcome a mocked request can have, in report order."""

OUTPUT_NAME = "mock_usage.json"
FORMAT_VERSION = 1
OUTSIDE_TESTS = "<outside a test>"


def outcome_of_status(status: int) -> str:
    """An HTTP status's outcome: 429 rate_limited, other 4xx client_error, 5xx server_error, else success."""
    if status == 429:
        return RATE_LIMITED
    if 400 <= status < 500:
        return CLIENT_ERROR
    if status >= 500:
        return SERVER_ERROR
    return SUCCESS


def outcome_of_exception(error: BaseException) -> str:
    """A transport failure's outcome, by httpx's exception hierarchy (names, so httpx is not imported)."""
    names = {cls.__name__ for cls in type(error).__mro__}
    if "TimeoutException" in names:
        return TIMEOUT
    if "NetworkError" in names or "ProxyError" in names:
        return CONNECTION_ERROR
    return OTHER_ERROR


@dataclass
class MockUsage:
    """The operations each provider declares and, per exercised cell, the tests that reached it."""

    declared: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    cells: dict[tuple[str, str, str], set[str]] = field(default_factory=dict)
    current_test: str | None = None

    def declare(self, provider: str, operations: Mapping[str, tuple[str, str]]) -> None:
        """Records a provider's operations: name -> (HTTP method, path)."""
        self.declared[provider] = {name: (method.upper(), path) for name, (method, path) in operations.items()}

    def operation_of(self, provider: str, method: str, path: str) -> str:
        """The declared operation for `method path`, or `METHOD path` when the provider declares none."""
        wanted = (method.upper(), "/" + path.lstrip("/"))
        for name, (declared_method, declared_path) in self.declared.get(provider, {}).items():
            if (declared_method, "/" + declared_path.lstrip("/")) == wanted:
                return name
        return f"{wanted[0]} {wanted[1]}"

    def record(self, provider: str, operation: str, outcome: str) -> None:
        """One request reached (provider, operation) with `outcome`, in the current test."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown mock outcome {outcome!r}; expected one of {', '.join(OUTCOMES)}")
        self.cells.setdefault((provider, operation, outcome), set()).add(self.current_test or OUTSIDE_TESTS)

    def to_json(self, target: str) -> dict[str, object]:
        return {
            "version": FORMAT_VERSION,
            "target": target,
            "declared": {
                provider: {name: list(route) for name, route in sorted(operations.items())}
                for provider, operations in sorted(self.declared.items())
            },
            "cells": [
                {"provider": provider, "operation": operation, "outcome": outcome, "tests": sorted(tests)}
                for (provider, operation, outcome), tests in sorted(self.cells.items())
            ],
        }

    def write(self, directory: str, target: str) -> str:
        """Writes mock_usage.json into `directory` (a test's undeclared outputs); returns its path."""
        path = os.path.join(directory, OUTPUT_NAME)
        with open(path, "w", encoding="utf-8") as out:
            json.dump(self.to_json(target), out, indent=1)
        return path


RECORDER = MockUsage()
"""The process-wide recorder the factories use unless a test injects its own."""
