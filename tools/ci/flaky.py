"""Lists the targets Bazel found flaky in a `bazel test --runs_per_test=N --runs_per_test_detects_flakes` log.

    python3 -m tools.ci.flaky bazel_test.log     (exit 1 when any target is flaky or failed in every run)

tools/ci/flaky_check.sh runs the tests and calls this on their output.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass

_SUMMARY = re.compile(r"^(//\S+)\s+(?:\(cached\)\s+)?(FLAKY|FAILED|TIMEOUT|INCOMPLETE|NO STATUS)\b,?\s*(.*)$")


@dataclass(frozen=True)
class TargetVerdict:
    """A test target Bazel did not report as plainly PASSED: its label, status and Bazel's detail."""

    label: str
    status: str
    detail: str

    def describe(self) -> str:
        return f"{self.label} {self.status}" + (f" ({self.detail})" if self.detail else "")


def parse_test_summary(log: str) -> list[TargetVerdict]:
    """The FLAKY / FAILED / TIMEOUT / INCOMPLETE lines of Bazel's test summary, in order, each label once."""
    seen: dict[str, TargetVerdict] = {}
    for line in log.splitlines():
        match = _SUMMARY.match(line.strip())
        if match and match.group(1) not in seen:
            seen[match.group(1)] = TargetVerdict(match.group(1), match.group(2), match.group(3).strip())
    return list(seen.values())


def main(argv: Sequence[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(argv[0], encoding="utf-8", errors="replace") as handle:
            verdicts = parse_test_summary(handle.read())
    except OSError as error:
        print(f"flaky: cannot read {argv[0]}: {error.strerror}", file=sys.stderr)
        return 2
    flaky = [v for v in verdicts if v.status == "FLAKY"]
    broken = [v for v in verdicts if v.status != "FLAKY"]
    for verdict in flaky:
        print(f"flaky: FLAKY target: {verdict.describe()}")
    for verdict in broken:
        print(f"flaky: not passing in any run: {verdict.describe()}")
    if not verdicts:
        print("flaky: no flaky target")
        return 0
    print(f"flaky: {len(flaky)} flaky and {len(broken)} failing target(s)", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
