"""Bazel test entry point for pytest targets (see //tools/pytest_runner:defs.bzl).

Honours Bazel's test contract: JUnit XML to XML_OUTPUT_FILE, --test_filter (TESTBRIDGE_TEST_ONLY; a pytest
-k expression or a node id), sharding (TEST_TOTAL_SHARDS, TEST_SHARD_INDEX, TEST_SHARD_STATUS_FILE), temp
files and HOME under TEST_TMPDIR. Under `bazel coverage` (COVERAGE_DIR set) it starts coverage.py with
branch coverage *before* pytest imports any code under test, then writes workspace-relative lcov into
COVERAGE_DIR. `bazel run //pkg:target -- path/test_x.py::test_name` runs only that node id.
"""

import os
import site
import sys

# Hermetic imports: only the target's runfiles, never the host interpreter's site-packages (whose
# pytest plugins would otherwise load themselves, and whose packages would hide a missing dep), nor this
# script's own folder in the source tree (Python puts the resolved script folder first on sys.path).
_HOST_SITE = set(site.getsitepackages() + [site.getusersitepackages()])
_RUNNER_SOURCE_DIR = os.path.dirname(os.path.realpath(__file__))
sys.path[:] = [
    entry
    for entry in sys.path
    if entry not in _HOST_SITE and os.path.realpath(entry or os.curdir) != _RUNNER_SOURCE_DIR
]

# Helpers are imported by package path (the workspace root is on sys.path under Bazel and plain pytest).
from tools.pytest_runner.name_manifest import filter_cannot_match  # noqa: E402  (standard library only)


def _exit_when_filter_cannot_match() -> None:
    """`--test_filter` that no test of this target can match: done in milliseconds, before pytest or coverage
    load (the target's test-name manifest says so; tools/pytest_runner/name_manifest.py). Named alone
    (tools/bazel sets LEADFACTORY_TEST_FILTER_MUST_MATCH) that is a failure; in `//...` it is a pass."""
    if __name__ != "__main__" or not filter_cannot_match(sys.argv[1:], os.environ):
        return
    test_filter = os.environ.get("TESTBRIDGE_TEST_ONLY", "")
    if os.environ.get("LEADFACTORY_TEST_FILTER_MUST_MATCH") == "1":
        target = os.environ.get("TEST_TARGET", "this target")
        print(f"pytest_main: --test_filter={test_filter} matches no test in {target}", file=sys.stderr)
        sys.exit(1)
    print(f"pytest_main: --test_filter={test_filter} matches no test of this target (its test-name manifest)")
    sys.exit(0)


_exit_when_filter_cannot_match()

_COVERAGE_DIR = os.environ.get("COVERAGE_DIR")
_coverage_session = None
if _COVERAGE_DIR:
    from tools.pytest_runner.coverage_session import CoverageSession

    _coverage_session = CoverageSession.start(workspace_root=os.getcwd())

import pytest  # noqa: E402  (coverage must start first)

from tools.pytest_runner.bazel_plugin import (  # noqa: E402
    CATEGORY_ENV,
    BazelTestPlugin,
    RunnerArgumentError,
    pytest_args_from_environment,
    split_runner_arguments,
)
from tools.pytest_runner.collected_names import COLLECT_ARG, CollectedNames  # noqa: E402


def main(argv: list[str]) -> int:
    """Runs pytest on the target's sources (argv) and returns the exit code Bazel should see."""
    environment = os.environ
    environment["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # plugins load explicitly; see bazel_plugin
    collect_out = [arg[len(COLLECT_ARG) :] for arg in argv if arg.startswith(COLLECT_ARG)]
    if collect_out:
        return _collect(argv, collect_out[-1], environment)
    _isolate_temp_files(environment)
    try:
        runner = split_runner_arguments(argv, environment)
    except RunnerArgumentError as error:
        print(f"pytest_main: {error}", file=sys.stderr)
        return int(pytest.ExitCode.USAGE_ERROR)
    if runner.category:
        environment[CATEGORY_ENV] = runner.category
    plugin = BazelTestPlugin.from_environment(environment)
    if runner.nothing_to_run:
        print(f"pytest_main: --test_filter={plugin.test_filter} names no test file of this target")
        return _no_tests_selected(plugin, environment)
    args = pytest_args_from_environment(runner.pytest_args, environment)
    exit_code = int(pytest.main(args, plugins=[plugin]))
    if exit_code == pytest.ExitCode.NO_TESTS_COLLECTED and plugin.narrows_selection:
        exit_code = _no_tests_selected(plugin, environment)
    if _coverage_session is not None and _COVERAGE_DIR:
        _coverage_session.finish(lcov_path=os.path.join(_COVERAGE_DIR, "pytest.lcov"), tests_passed=exit_code == 0)
    return exit_code


def _collect(argv: list[str], out: str, environment: "os._Environ[str]") -> int:
    """`<name>_collected_names` (a build action): collects the target's tests as its test would, from the
    runfiles root, and writes their -k names to `out` (tools/pytest_runner/collected_names.py). Any trouble
    is written as an open manifest, never a failed build: the test itself will then report it."""
    import tempfile

    out = os.path.abspath(out)
    os.chdir(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))  # runfiles root
    recorder = CollectedNames()
    with tempfile.TemporaryDirectory(prefix="collect-") as scratch:
        environment["TEST_TMPDIR"] = scratch
        _isolate_temp_files(environment)
        try:
            runner = split_runner_arguments([arg for arg in argv if not arg.startswith(COLLECT_ARG)], environment)
        except RunnerArgumentError:
            recorder.write((), int(pytest.ExitCode.USAGE_ERROR), out)
            return 0
        if runner.category:
            environment[CATEGORY_ENV] = runner.category
        args = pytest_args_from_environment(runner.pytest_args, environment) + ["--collect-only", "-q"]
        exit_code = int(pytest.main(args, plugins=[BazelTestPlugin.from_environment(environment), recorder]))
    recorder.write(runner.srcs, exit_code, out)
    return 0


def _no_tests_selected(plugin: BazelTestPlugin, environment: "os._Environ[str]") -> int:
    """A shard or a --test_filter that leaves this target without tests passes, unless the filter was
    given for this target alone (tools/bazel sets LEADFACTORY_TEST_FILTER_MUST_MATCH then)."""
    if plugin.test_filter and environment.get("LEADFACTORY_TEST_FILTER_MUST_MATCH") == "1":
        target = environment.get("TEST_TARGET", "this target")
        print(f"pytest_main: --test_filter={plugin.test_filter} matches no test in {target}", file=sys.stderr)
        return int(pytest.ExitCode.TESTS_FAILED)
    return int(pytest.ExitCode.OK)


def _isolate_temp_files(environment: "os._Environ[str]") -> None:
    """Keeps every temporary file, and HOME, under TEST_TMPDIR, with a short TMPDIR for AF_UNIX socket
    paths: nothing a test writes outlives it or leaks into the next run (flaky attempts included)."""
    test_tmpdir = environment.get("TEST_TMPDIR")
    if not test_tmpdir:
        return
    short_tmp = os.path.join(test_tmpdir, "t")
    os.makedirs(short_tmp, exist_ok=True)
    environment["TMPDIR"] = short_tmp
    home = os.path.join(test_tmpdir, "home")
    os.makedirs(home, exist_ok=True)
    environment["HOME"] = home
    environment.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(test_tmpdir, "hypothesis"))
    import tempfile

    tempfile.tempdir = None  # recomputed from TMPDIR on next use


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
