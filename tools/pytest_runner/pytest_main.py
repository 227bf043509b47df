"""Bazel test entry point for pytest targets (see //tools/pytest_runner:defs.bzl).

Honours Bazel's test contract: JUnit XML to XML_OUTPUT_FILE, --test_filter (TESTBRIDGE_TEST_ONLY),
sharding (TEST_TOTAL_SHARDS, TEST_SHARD_INDEX, TEST_SHARD_STATUS_FILE), temp files under TEST_TMPDIR.
Under `bazel coverage` (COVERAGE_DIR set) it starts coverage.py with branch coverage *before* pytest
imports any code under test, then writes workspace-relative lcov into COVERAGE_DIR.
"""

import os
import site
import sys

# Hermetic imports: only the target's runfiles, never the host interpreter's site-packages (whose
# pytest plugins would otherwise load themselves, and whose packages would hide a missing dep).
_HOST_SITE = set(site.getsitepackages() + [site.getusersitepackages()])
sys.path[:] = [entry for entry in sys.path if entry not in _HOST_SITE]

# Helpers are imported by package path (the workspace root is on sys.path under Bazel and plain pytest).
_COVERAGE_DIR = os.environ.get("COVERAGE_DIR")
_coverage_session = None
if _COVERAGE_DIR:
    from tools.pytest_runner.coverage_session import CoverageSession

    _coverage_session = CoverageSession.start(workspace_root=os.getcwd())

import pytest  # noqa: E402  (coverage must start first)

from tools.pytest_runner.bazel_plugin import BazelTestPlugin, pytest_args_from_environment  # noqa: E402


def main(argv: list[str]) -> int:
    """Runs pytest on the target's sources (argv) and returns the exit code Bazel should see."""
    environment = os.environ
    environment["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # plugins load explicitly; see bazel_plugin
    _isolate_temp_files(environment)
    plugin = BazelTestPlugin.from_environment(environment)
    args = pytest_args_from_environment(argv, environment)
    exit_code = int(pytest.main(args, plugins=[plugin]))
    if exit_code == pytest.ExitCode.NO_TESTS_COLLECTED and plugin.narrows_selection:
        # A shard or a --test_filter that leaves this target without tests is not a failure.
        exit_code = pytest.ExitCode.OK
    if _coverage_session is not None and _COVERAGE_DIR:
        _coverage_session.finish(lcov_path=os.path.join(_COVERAGE_DIR, "pytest.lcov"), tests_passed=exit_code == 0)
    return exit_code


def _isolate_temp_files(environment: "os._Environ[str]") -> None:
    """Keeps every temporary file under TEST_TMPDIR, with a short TMPDIR for AF_UNIX socket paths."""
    test_tmpdir = environment.get("TEST_TMPDIR")
    if not test_tmpdir:
        return
    short_tmp = os.path.join(test_tmpdir, "t")
    os.makedirs(short_tmp, exist_ok=True)
    environment["TMPDIR"] = short_tmp
    environment.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(test_tmpdir, "hypothesis"))
    import tempfile

    tempfile.tempdir = None  # recomputed from TMPDIR on next use


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
