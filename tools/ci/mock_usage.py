"""Mock-usage report and floor: which provider operations and outcomes the tests exercise through the mock
factories (testing/mocks), from the `mock_usage.json` each test target writes to its undeclared outputs.

    python3 -m tools.ci.mock_usage --testlogs DIR --out DIR LABEL...

Writes <out>/mock_usage.json (the matrix provider x operation x outcome: how many tests reach each cell) and
<out>/mock_usage.md (the matrix, and every cell no test reaches). Exits 1 when an operation a factory
declares lacks one of the floor's outcome classes (a success, a client error, a server error or timeout),
naming each such cell; 2 when the records are unreadable or there are none.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tools.ci.errors import CiToolError
from tools.ci.undeclared_outputs import read_target_outputs

OUTPUT_NAME = "mock_usage.json"
"""What testing/mock_usage.py writes per target, and this report's JSON."""

OUTCOMES = (
    "success",
    "client_error",
    "rate_limited",
    "server_error",
    "timeout",
    "connection_error",
    "malformed",
    "other_error",
)
FLOOR: Mapping[str, tuple[str, ...]] = {
    "success": ("success",),
    "client error": ("client_error", "rate_limited"),
    "server error or timeout": ("server_error", "timeout", "connection_error"),
}
"""Outcome classes every declared operation must have at least one test for, and the outcomes of each."""


class MockUsageError(CiToolError):
    """A target's mock_usage.json is not in testing/mock_usage.py's format, or no target wrote one."""


@dataclass
class UsageMatrix:
    """Declared operations per provider and, per (provider, operation, outcome), the tests that reached it."""

    declared: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    cells: dict[tuple[str, str, str], set[str]] = field(default_factory=dict)

    def add(self, data: Any, origin: str) -> None:
        """Merges one target's records; raises MockUsageError naming `origin` when they are malformed."""
        try:
            for provider, operations in data["declared"].items():
                for name, (method, path) in operations.items():
                    self.declared.setdefault(str(provider), {})[str(name)] = (str(method), str(path))
            for cell in data["cells"]:
                key = (str(cell["provider"]), str(cell["operation"]), str(cell["outcome"]))
                self.cells.setdefault(key, set()).update(str(test) for test in cell["tests"])
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise MockUsageError(
                f"{origin}: {OUTPUT_NAME} is not in testing/mock_usage.py's format ({error!r})"
            ) from error

    def tests(self, provider: str, operation: str, outcome: str) -> int:
        return len(self.cells.get((provider, operation, outcome), ()))

    def operations(self) -> list[tuple[str, str]]:
        """Declared operations, sorted."""
        return sorted((provider, name) for provider, ops in self.declared.items() for name in ops)

    def undeclared(self) -> list[tuple[str, str]]:
        """(provider, operation) pairs reached by tests but declared by no factory (e.g. test-local mocks)."""
        declared = set(self.operations())
        return sorted({(p, o) for p, o, _ in self.cells} - declared)

    def unreached(self) -> list[tuple[str, str, str]]:
        """Every (provider, operation, outcome) of a declared operation that no test reaches."""
        return [(p, o, outcome) for p, o in self.operations() for outcome in OUTCOMES if not self.tests(p, o, outcome)]

    def floor_gaps(self) -> list[tuple[str, str, str]]:
        """(provider, operation, floor class) for each class of FLOOR no test of that operation reaches."""
        return [
            (p, o, name)
            for p, o in self.operations()
            for name, outcomes in FLOOR.items()
            if not any(self.tests(p, o, outcome) for outcome in outcomes)
        ]


def describe_gap(provider: str, operation: str, floor_class: str) -> str:
    return (
        f"{provider} {operation}: no test exercises a {floor_class} "
        f"({' / '.join(FLOOR[floor_class])}) through testing/mocks"
    )


def to_json(matrix: UsageMatrix) -> dict[str, Any]:
    return {
        "outcomes": list(OUTCOMES),
        "matrix": {
            provider: {
                operation: {outcome: matrix.tests(provider, operation, outcome) for outcome in OUTCOMES}
                for p, operation in matrix.operations()
                if p == provider
            }
            for provider in sorted(matrix.declared)
        },
        "unreached": [{"provider": p, "operation": o, "outcome": c} for p, o, c in matrix.unreached()],
        "floor_gaps": [{"provider": p, "operation": o, "class": c} for p, o, c in matrix.floor_gaps()],
        "undeclared": {
            f"{p} {o}": {c: matrix.tests(p, o, c) for c in OUTCOMES if matrix.tests(p, o, c)}
            for p, o in matrix.undeclared()
        },
    }


def format_markdown(matrix: UsageMatrix, missing: Sequence[str]) -> str:
    """The matrix (tests per cell, `·` for none), the floor's gaps and every unreached cell."""
    short = {
        "success": "ok",
        "client_error": "4xx",
        "rate_limited": "429",
        "server_error": "5xx",
        "timeout": "timeout",
        "connection_error": "conn",
        "malformed": "malformed",
        "other_error": "other",
    }
    lines = [
        "# Mock usage: provider x operation x outcome",
        "",
        "Tests that reach each cell through the testing/mocks factories (a request answered or failed by a "
        "factory's route).",
        "",
        "| provider | operation | " + " | ".join(short[o] for o in OUTCOMES) + " |",
        "|---|---|" + "---:|" * len(OUTCOMES),
    ]
    for provider, operation in matrix.operations():
        counts = [str(matrix.tests(provider, operation, o) or "·") for o in OUTCOMES]
        lines.append(f"| {provider} | {operation} | " + " | ".join(counts) + " |")
    gaps = matrix.floor_gaps()
    lines += ["", f"## Floor ({', '.join(FLOOR)} for every operation)", ""]
    lines += [f"- FAIL: {describe_gap(*gap)}" for gap in gaps] or ["- met by every declared operation"]
    lines += ["", "## Cells no test reaches", ""]
    lines += [f"- {p} {o}: {outcome}" for p, o, outcome in matrix.unreached()] or ["- none"]
    undeclared = matrix.undeclared()
    if undeclared:
        lines += ["", "## Reached, but declared by no factory (test-local mocks, other methods)", ""]
        lines += [f"- {p} {o}" for p, o in undeclared]
    if missing:
        lines += ["", f"No mock-usage records from: {', '.join(f'`{label}`' for label in missing)}"]
    return "\n".join(lines) + "\n"


def collect(testlogs: str, labels: Sequence[str]) -> tuple[UsageMatrix, list[str]]:
    """The merged matrix of every target's records, and the labels that left none."""
    matrix, missing = UsageMatrix(), []
    for label in labels:
        outputs = read_target_outputs(testlogs, label, OUTPUT_NAME)
        for output in outputs:
            matrix.add(output.data, f"{label} {output.part}".strip())
        if not outputs:
            missing.append(label)
    if not matrix.declared:
        raise MockUsageError(
            f"no {OUTPUT_NAME} declaring any provider operation in the undeclared outputs of "
            f"{len(labels)} target(s) under {testlogs}; did the tests run?"
        )
    return matrix, missing


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--testlogs", required=True, help="`bazel info bazel-testlogs`")
    parser.add_argument("--out", required=True, help="folder for mock_usage.json and mock_usage.md")
    parser.add_argument("labels", nargs="+", help="test targets, e.g. //d0_gateway/tests:client_test")
    args = parser.parse_args(argv)
    try:
        matrix, missing = collect(args.testlogs, args.labels)
    except CiToolError as error:
        print(f"mock_usage: {error}", file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, OUTPUT_NAME), "w", encoding="utf-8") as out:
        json.dump(to_json(matrix), out, indent=1)
    markdown = os.path.join(args.out, "mock_usage.md")
    with open(markdown, "w", encoding="utf-8") as out:
        out.write(format_markdown(matrix, missing))
    cells = len(matrix.operations()) * len(OUTCOMES)
    print(
        f"mock_usage: {len(matrix.operations())} operations of {len(matrix.declared)} providers; "
        f"{cells - len(matrix.unreached())} of {cells} cells reached by a test; {markdown}"
    )
    gaps = matrix.floor_gaps()
    for gap in gaps:
        print(f"mock_usage: FLOOR: {describe_gap(*gap)}", file=sys.stderr)
    if gaps:
        print(
            f"mock_usage: {len(gaps)} cell(s) under the floor: every operation needs a test of "
            f"{', '.join(FLOOR)} (see docs/ci.md)",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
