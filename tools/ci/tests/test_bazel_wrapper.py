"""tools/bazel's own work before Bazel starts, run as a user runs it, against a stand-in Bazel (BAZEL_REAL)
and stand-in host tools, so nothing here installs anything or starts a Bazel server."""

import os
import stat
import subprocess
from pathlib import Path

import pytest

WRAPPER = Path(__file__).parents[2] / "bazel"  # the runfile under Bazel, the checkout under pytest


def _executable(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def host(tmp_path):
    """A PATH with logging stand-ins for python3, genhtml and apt-get, and a Bazel that prints its arguments."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls.log"
    real_python = os.path.realpath(subprocess.check_output(["sh", "-c", "command -v python3"], text=True).strip())
    _executable(bin_dir / "python3", f'#!/bin/sh\necho python3 >> "{calls}"\nexec {real_python} "$@"\n')
    _executable(bin_dir / "genhtml", "#!/bin/sh\nexit 0\n")
    _executable(bin_dir / "apt-get", f'#!/bin/sh\necho apt-get "$@" >> "{calls}"\n')
    bazel = _executable(tmp_path / "bazel", '#!/bin/sh\necho "bazel $*"\n')
    environment = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "BAZEL_REAL": str(bazel),
    }

    def run(*args, **extra):
        done = subprocess.run(
            [str(WRAPPER), *args], env={**environment, **extra}, capture_output=True, text=True, check=False
        )
        log = calls.read_text(encoding="utf-8").split() if calls.exists() else []
        calls.unlink(missing_ok=True)
        return done, log

    return run


def test_host_tools_are_checked_once_then_remembered(host):
    first, first_calls = host("build", "//...")
    second, second_calls = host("build", "//...")
    assert (first.returncode, second.returncode) == (0, 0)
    assert first_calls == ["python3"]  # found pip and venv: nothing to install
    assert second_calls == []


def test_test_command_starts_no_python_when_no_switch_is_set(host):
    host("build", "//...")  # remembers the host tools
    done, calls = host("test", "//pkg:a_test")
    assert done.returncode == 0
    assert calls == []
    assert "--jobs=1" not in done.stdout


def test_switch_set_to_false_is_read_by_the_switches_parser(host):
    host("build", "//...")
    done, calls = host("test", "//pkg:a_test", TEST_PARALLEL_EXECUTION="false")
    assert done.returncode == 0
    assert calls == ["python3"]
    assert "--jobs=1 --local_test_jobs=1" in done.stdout


def test_switch_with_a_bad_value_stops_before_bazel(host):
    done, _ = host("test", "//pkg:a_test", TEST_PARALLEL_EXECUTION="maybe")
    assert done.returncode == 2
    assert "TEST_PARALLEL_EXECUTION='maybe': expected true or false" in done.stderr
    assert "bazel test" not in done.stdout


def _query_answer(tmp_path: Path, srcs: list[str]) -> Path:
    """A stand-in `bazel query --output=xml` answer: one manifest rule over `srcs` (labels)."""
    labels = "".join(f'<label value="{src}"/>' for src in srcs)
    answer = tmp_path / "answer.xml"
    answer.write_text(
        '<query version="2"><rule class="genrule" name="//tools/ci/tests:wrapper_test_test_names">'
        f'<list name="srcs">{labels}</list>'
        '<list name="tools"><label value="//tools/pytest_runner:name_manifest"/></list></rule></query>',
        encoding="utf-8",
    )
    return answer


@pytest.fixture
def filtering_host(host, tmp_path):
    """`host` whose Bazel answers `query` with a manifest rule over this very test file."""
    answer = _query_answer(tmp_path, ["//tools/ci/tests:test_bazel_wrapper.py"])
    _executable(
        tmp_path / "bazel",
        f'#!/bin/sh\nif [ "$1" = query ]; then cat "{answer}"; exit 0; fi\necho "bazel $*"\n',
    )
    host("build", "//...")  # remembers the host tools
    return host


def test_filter_over_a_wildcard_leaves_out_targets_that_hold_no_matching_test(filtering_host):
    done, _ = filtering_host("test", "//...", "--test_filter=test_that_does_not_exist")
    assert done.returncode == 0
    assert done.stdout.rstrip().endswith(
        "//... --test_filter=test_that_does_not_exist -- -//tools/ci/tests:wrapper_test"
    )
    assert "1 test target(s) hold no test it can select" in done.stderr


def test_filter_over_a_wildcard_keeps_the_target_holding_the_test(filtering_host):
    done, _ = filtering_host(
        "test", "//...", "--test_filter", "test_filter_over_a_wildcard_keeps_the_target_holding_the_test"
    )
    assert done.returncode == 0
    assert "-//tools/ci/tests:wrapper_test" not in done.stdout


def test_filter_exclusions_follow_the_users_own_double_dash(filtering_host):
    done, _ = filtering_host("test", "--test_filter=test_absent", "--", "//...", "-//tools/ci/...")
    assert done.stdout.rstrip().endswith("-- //... -//tools/ci/... -//tools/ci/tests:wrapper_test")
    assert done.stdout.count(" -- ") == 1


def test_filter_with_a_test_arg_or_a_single_target_leaves_out_nothing(filtering_host):
    with_arg, _ = filtering_host("test", "//...", "--test_filter=test_absent", "--test_arg=-kfoo")
    single, _ = filtering_host("test", "//tools/ci/tests:wrapper_test", "--test_filter=test_absent")
    assert "-//tools/ci/tests:wrapper_test" not in with_arg.stdout + single.stdout
    assert "LEADFACTORY_TEST_FILTER_MUST_MATCH=1" in single.stdout


def test_filter_the_sources_cannot_settle_is_collected_with_the_commands_own_options(host, tmp_path):
    answer = _query_answer(tmp_path, ["//tools/ci/tests:test_bazel_wrapper.py"])
    collect_log = tmp_path / "collect.log"
    _executable(
        tmp_path / "bazel",
        f'#!/bin/sh\nif [ "$1" = query ]; then cat "{answer}"; exit 0; fi\n'
        f'case "$*" in *--nobuild_tests_only*) echo "$*" >> "{collect_log}"; exit 4;; esac\necho "bazel $*"\n',
    )
    host("build", "//...")  # remembers the host tools
    # `e2e` may be this file's category marker: only what pytest collects can tell.
    done, _ = host("test", "--nocache_test_results", "//...", "--config", "ci", "--test_filter=e2e")
    assert done.returncode == 0
    collect = collect_log.read_text(encoding="utf-8").split()
    assert collect[0] == "test"
    assert collect[collect.index("--nocache_test_results") + 1 : collect.index("--nocache_test_results") + 4] == [
        "--config",
        "ci",
        "--test_filter=e2e",
    ]
    assert "//..." not in collect
    assert collect[-2:] == ["--", "//tools/ci/tests:wrapper_test_collected_names"]
    assert "name their tests only when collected" in done.stderr
    assert "-//tools/ci/tests:wrapper_test" not in done.stdout  # no collected manifest came back: kept
