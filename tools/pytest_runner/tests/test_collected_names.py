"""The collected test-name manifest (collected_names.py): pytest's own names, or open when collection failed.

pytest's keyword matcher as the oracle for these names is in test_test_names.py; the manifest the build
writes for a real target is checked in test_filter_targets.py."""

import json
from typing import Literal

import pytest

from tools.pytest_runner.collected_names import CollectedNames
from tools.pytest_runner.name_manifest import FORMAT_VERSION, read_manifest_files


def _report(outcome: Literal["passed", "failed", "skipped"]) -> pytest.CollectReport:
    return pytest.CollectReport("pkg/tests/test_a.py", outcome, longrepr=None, result=[])


def test_manifest_lists_each_recorded_test_closed_when_collection_finished():
    recorder = CollectedNames()
    recorder.pytest_collectreport(_report("passed"))
    recorder.tests = [["test_a.py", "test_one", "unit"]]
    manifest = recorder.manifest(["pkg/tests/./test_a.py"], int(pytest.ExitCode.OK))
    assert manifest == {
        "version": FORMAT_VERSION,
        "collected": True,
        "files": ["pkg/tests/test_a.py"],
        "tests": [{"names": ["test_a.py", "test_one", "unit"], "open": False, "maybe": []}],
    }


def test_manifest_has_no_tests_when_the_target_collects_none():
    manifest = CollectedNames().manifest(["pkg/tests/test_a.py"], int(pytest.ExitCode.NO_TESTS_COLLECTED))
    assert manifest["tests"] == []


@pytest.mark.parametrize("outcome", ["failed", "skipped"])
def test_manifest_is_open_when_a_module_failed_to_collect_or_skipped_itself(outcome):
    recorder = CollectedNames()
    recorder.tests = [["test_one"]]
    recorder.pytest_collectreport(_report(outcome))
    manifest = recorder.manifest(["pkg/tests/test_a.py"], int(pytest.ExitCode.OK))
    assert manifest["tests"] == [{"names": [], "open": True, "maybe": []}]


@pytest.mark.parametrize("exit_code", [pytest.ExitCode.INTERRUPTED, pytest.ExitCode.USAGE_ERROR, 99])
def test_manifest_is_open_when_pytest_did_not_finish_collecting(exit_code):
    recorder = CollectedNames()
    recorder.tests = [["test_one"]]
    manifest = recorder.manifest(["pkg/tests/test_a.py"], int(exit_code))
    assert manifest["tests"] == [{"names": [], "open": True, "maybe": []}]


def test_written_manifest_reads_back_as_the_manifest_format(tmp_path):
    recorder = CollectedNames()
    recorder.tests = [["test_one", "unit"]]
    out = tmp_path / "names.json"
    recorder.write(["pkg/test_a.py"], int(pytest.ExitCode.OK), str(out))
    files, tests = read_manifest_files(str(out))
    assert files == {"pkg/test_a.py"}
    assert [(test.names, test.open, test.maybe) for test in tests] == [(("test_one", "unit"), False, ())]
    assert json.loads(out.read_text())["collected"] is True
