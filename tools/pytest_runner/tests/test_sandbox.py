"""What the test sandbox (.bazelrc and tools/pytest_runner/pytest_main.py) promises every test under
`bazel test`: a private /tmp, a private writable HOME, and no source folder on sys.path. Outside Bazel
(plain pytest, `bazel run`) there is no sandbox to check, so these tests say so and skip."""

import os
import sys

import pytest

UNDER_BAZEL_TEST = "TEST_TMPDIR" in os.environ and "BUILD_WORKSPACE_DIRECTORY" not in os.environ
pytestmark = pytest.mark.skipif(not UNDER_BAZEL_TEST, reason="checks Bazel's test sandbox: runs under bazel test")


def _mount_of(path):
    best = ("", "")
    with open("/proc/self/mountinfo", encoding="utf-8") as mounts:
        for line in mounts:
            fields = line.split()
            mount_point, fstype = fields[4], fields[fields.index("-") + 1]
            if path == mount_point or path.startswith(mount_point.rstrip("/") + "/"):
                if len(mount_point) >= len(best[0]):
                    best = (mount_point, fstype)
    return best


PRIVATE_TMP = os.environ.get("LEADFACTORY_PRIVATE_TMP") == "1"
needs_private_tmp = pytest.mark.skipif(
    UNDER_BAZEL_TEST and not PRIVATE_TMP,
    reason="this checkout or its output base is under /tmp, where Bazel 4.2.3 cannot give tests a private /tmp "
    "(tools/bazel says so when it starts); move the checkout to get one",
)


@needs_private_tmp
def test_tmp_is_a_private_tmpfs_when_the_test_runs_in_the_sandbox():
    assert _mount_of("/tmp") == ("/tmp", "tmpfs")


@needs_private_tmp
def test_tmp_starts_empty_so_nothing_carries_over_between_runs():
    assert os.listdir("/tmp") == []


def test_home_is_a_writable_directory_inside_the_tests_own_temp_dir():
    home = os.environ["HOME"]
    assert os.path.realpath(home).startswith(os.path.realpath(os.environ["TEST_TMPDIR"]) + os.sep)
    assert os.path.expanduser("~") == home
    marker = os.path.join(home, ".written-by-test")
    with open(marker, "w", encoding="utf-8") as handle:
        handle.write("ok")
    assert os.path.isfile(marker)


def test_only_runfiles_and_the_interpreters_own_folders_are_on_sys_path():
    allowed = [os.environ.get("RUNFILES_DIR") or os.getcwd(), os.getcwd(), sys.base_prefix, sys.prefix]
    allowed = [os.path.abspath(folder) + os.sep for folder in allowed]
    outside = [
        entry
        for entry in sys.path
        if entry and not any((os.path.abspath(entry) + os.sep).startswith(a) for a in allowed)
    ]
    assert outside == []
