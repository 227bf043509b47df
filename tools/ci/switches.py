"""The CI switches (true/false environment variables, each true when unset), parsed in one place.

    python3 -m tools.ci.switches --shell    # `export NAME=true|false` for each switch (eval it), or exit 2
    python3 -m tools.ci.switches NAME       # prints true or false, or exits 2 naming the bad value

.ci/run, tools/bazel and tools/ci/flaky_check.sh read them through --shell; docs/ci.md says what each does.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Mapping, Sequence

from tools.ci.errors import CiToolError

SWITCHES: Mapping[str, str] = {
    "TEST_COVERAGE_ENFORCEMENT": "coverage floors (modules, total, diff coverage) fail the run",
    "TEST_PARALLEL_EXECUTION": "tests run in parallel (false: one test action at a time)",
    "TEST_PERFORMANCE_MONITORING": "test-time gate, fixture-time report, slowest tests",
    "TEST_FLAKY_DETECTION": "the flaky-test job (tools/ci/flaky_check.sh) runs",
    "COVERAGE_PR_COMMENTS": "the PR coverage report (tools/ci/pr_report.py) is written and posted",
    "COVERAGE_TREND_TRACKING": "runs on main append to the coverage/test-time history and redraw the trend",
    "COVERAGE_MODULE_REPORTS": "the per-module coverage table is printed (the TOTAL row always is)",
}
"""Every switch and what it turns on; all default to true."""

_VALUES = {"true": True, "false": False}


class SwitchError(CiToolError):
    """A switch is set to something other than true or false, or is not a switch at all."""


def read_switch(name: str, environment: Mapping[str, str]) -> bool:
    """The switch's value: unset or empty is true; anything but `true`/`false` raises SwitchError."""
    if name not in SWITCHES:
        raise SwitchError(f"{name} is not a CI switch; the switches are {', '.join(SWITCHES)}")
    raw = environment.get(name, "")
    if raw == "":
        return True
    try:
        return _VALUES[raw]
    except KeyError:
        raise SwitchError(f"{name}={raw!r}: expected true or false (unset means true)") from None


def read_switches(environment: Mapping[str, str]) -> dict[str, bool]:
    """Every switch's value; raises SwitchError for the first bad one."""
    return {name: read_switch(name, environment) for name in SWITCHES}


def shell_exports(switches: Mapping[str, bool]) -> str:
    """`export NAME=true|false` lines, so child processes see the normalized values."""
    return "".join(f"export {name}={shlex.quote(str(value).lower())}\n" for name, value in switches.items())


def main(argv: Sequence[str], environment: Mapping[str, str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__, file=sys.stderr)
        return 0 if argv else 2
    try:
        if argv[0] == "--shell":
            sys.stdout.write(shell_exports(read_switches(environment)))
        else:
            print(str(read_switch(argv[0], environment)).lower())
    except SwitchError as error:
        print(f"switches: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], os.environ))
