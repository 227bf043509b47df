import gc
import socket
import threading
import time

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.pytest_runner.bazel_plugin import (
    NEVER_UNDER_BAZEL,
    BazelTestPlugin,
    NetworkAccessBlocked,
    RunnerArgumentError,
    installed_plugin_modules,
    is_loopback,
    network_guard,
    pytest_args_from_environment,
    select_shard,
    split_runner_arguments,
)

pytest_plugins = ["pytester"]


@given(
    st.lists(st.text(min_size=1, max_size=12), max_size=40, unique=True),
    st.integers(min_value=1, max_value=8),
)
def test_shards_partition_the_tests_with_none_lost_or_run_twice(nodeids, total):
    shards = [select_shard(nodeids, total, index) for index in range(total)]
    assert sum(len(shard) for shard in shards) == len(nodeids)
    assert set().union(*shards) == set(nodeids)


def test_shard_selection_ignores_collection_order():
    ids = [f"t.py::test_{n}" for n in range(9)]
    assert select_shard(ids, 2, 1) == select_shard(list(reversed(ids)), 2, 1)


def test_shard_index_outside_the_total_is_rejected():
    with pytest.raises(ValueError, match="outside 0..1"):
        select_shard(["a"], 2, 2)


def test_two_shards_run_every_test_once_when_pytest_collects(pytester, tmp_path):
    pytester.makepyfile(test_many="\n".join(f"def test_{n}(): pass" for n in range(7)))
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    status = tmp_path / "shard_status"
    passed = []
    for index in range(2):
        plugin = BazelTestPlugin(total_shards=2, shard_index=index, shard_status_file=str(status))
        result = pytester.inline_run("-p", "no:randomly", plugins=[plugin])
        passed += [
            report.nodeid
            for report in result.getreports("pytest_runtest_logreport")
            if report.when == "call" and report.passed
        ]
    assert sorted(passed) == sorted(f"test_many.py::test_{n}" for n in range(7))
    assert status.exists()


def test_objects_alive_after_collection_are_frozen_out_of_garbage_collection(pytester):
    pytester.makepyfile(
        test_frozen="""
import gc


def test_collected_objects_are_frozen():
    assert gc.get_freeze_count() > 0
"""
    )
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    gc.unfreeze()  # under Bazel, this process's own runner froze its objects already
    try:
        result = pytester.inline_run("-p", "no:randomly", plugins=[BazelTestPlugin()])
    finally:
        gc.unfreeze()  # this test's own process goes on collecting as before
    result.assertoutcome(passed=1)


def test_no_objects_are_frozen_without_the_plugin(pytester):
    pytester.makepyfile(
        test_unfrozen="import gc\n\n\ndef test_nothing_frozen():\n    assert gc.get_freeze_count() == 0\n"
    )
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    gc.unfreeze()  # under Bazel, this process's own runner froze its objects already
    pytester.inline_run("-p", "no:randomly").assertoutcome(passed=1)


@pytest.mark.parametrize(
    "host, expected",
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        (b"localhost", True),
        (None, True),
        ("example.com", False),
        ("93.184.216.34", False),
        ("10.0.0.1", False),
    ],
)
def test_only_loopback_hosts_count_as_loopback(host, expected):
    assert is_loopback(host) is expected


def test_public_host_fails_fast_with_a_clear_message_when_a_test_calls_it():
    started = time.monotonic()
    with (
        network_guard(),
        pytest.raises(httpx.ConnectError, match="network access blocked in tests: tried to reach example.com:443"),
    ):
        httpx.get("https://example.com", timeout=30)
    assert time.monotonic() - started < 5


def test_connecting_to_a_public_ip_literal_is_blocked():
    with (
        network_guard(),
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock,
        pytest.raises(NetworkAccessBlocked),
    ):
        sock.connect(("93.184.216.34", 80))


def test_loopback_connections_still_work_when_guarded():
    with network_guard(), socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        accepted: list[socket.socket] = []

        def accept() -> None:
            connection, _ = server.accept()
            connection.close()
            accepted.append(connection)

        thread = threading.Thread(target=accept)
        thread.start()
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
        thread.join(timeout=5)
    assert len(accepted) == 1


def test_guard_restores_the_previous_socket_functions_when_the_block_ends():
    before = (socket.getaddrinfo, socket.socket.connect, socket.socket.connect_ex)
    with network_guard():
        with pytest.raises(NetworkAccessBlocked):
            socket.getaddrinfo("example.com", 443)
    assert (socket.getaddrinfo, socket.socket.connect, socket.socket.connect_ex) == before


def test_bazel_environment_becomes_pytest_arguments():
    args = pytest_args_from_environment(
        ["pkg/test_x.py"],
        {
            "XML_OUTPUT_FILE": "/out/test.xml",
            "TEST_TARGET": "//pkg:x_test",
            "TESTBRIDGE_TEST_ONLY": "test_zip",
            "TEST_TMPDIR": "/tmp/t",
            "TEST_RANDOM_SEED": "7",
        },
    )
    assert args[-1] == "pkg/test_x.py"
    assert ["--junitxml", "/out/test.xml"] == args[args.index("--junitxml") : args.index("--junitxml") + 2]
    assert "junit_suite_name=//pkg:x_test" in args
    assert args[args.index("-k") + 1] == "test_zip"
    assert args[args.index("--basetemp") + 1] == "/tmp/t/pytest"
    assert args[args.index("--hypothesis-seed") + 1] == "7"
    assert "--randomly-seed=7" in args


def test_xdist_and_pytest_cov_never_load_under_bazel_even_when_installed():
    assert not set(installed_plugin_modules()) & NEVER_UNDER_BAZEL
    assert NEVER_UNDER_BAZEL == {"xdist.plugin", "xdist.looponfail", "pytest_cov.plugin"}


def test_test_order_seed_is_fixed_when_bazel_gives_none():
    first = pytest_args_from_environment([], {})
    assert [a for a in first if a.startswith("--randomly-seed=")] == [
        a for a in pytest_args_from_environment([], {}) if a.startswith("--randomly-seed=")
    ]
    assert "--hypothesis-seed" not in first


def test_filter_or_shards_allow_an_empty_selection():
    assert BazelTestPlugin.from_environment({"TESTBRIDGE_TEST_ONLY": "x"}).narrows_selection
    assert BazelTestPlugin.from_environment({"TEST_TOTAL_SHARDS": "2", "TEST_SHARD_INDEX": "1"}).narrows_selection
    assert not BazelTestPlugin.from_environment({}).narrows_selection


MACRO_ARGS = [
    "--leadfactory_category=integration",
    "--leadfactory_src=pkg/tests/test_a.py",
    "--leadfactory_src=pkg/tests/test_b.py",
]


def test_macro_arguments_give_the_category_and_collect_every_test_file_by_default():
    runner = split_runner_arguments([*MACRO_ARGS, "-x"], {})
    assert runner.category == "integration"
    assert runner.srcs == ("pkg/tests/test_a.py", "pkg/tests/test_b.py")
    assert runner.pytest_args == ["pkg/tests/test_a.py", "pkg/tests/test_b.py", "-x"]


def test_node_id_given_to_bazel_run_replaces_the_targets_file_list():
    runner = split_runner_arguments([*MACRO_ARGS, "pkg/tests/test_b.py::test_one[2]", "-q"], {})
    assert runner.pytest_args == ["pkg/tests/test_b.py::test_one[2]", "-q"]


def test_node_id_of_a_file_outside_the_target_is_refused_naming_the_targets_files():
    with pytest.raises(
        RunnerArgumentError,
        match=r"pkg/tests/test_c.py::t is not in this target: its test files are "
        r"pkg/tests/test_a.py, pkg/tests/test_b.py",
    ):
        split_runner_arguments([*MACRO_ARGS, "pkg/tests/test_c.py::t"], {})


def test_value_of_an_option_is_not_taken_for_a_node_id():
    runner = split_runner_arguments([*MACRO_ARGS, "--deselect", "pkg/tests/test_a.py::slow"], {})
    assert runner.pytest_args == [*runner.srcs, "--deselect", "pkg/tests/test_a.py::slow"]


def test_node_id_filter_selects_that_test_in_its_own_target():
    runner = split_runner_arguments(MACRO_ARGS, {"TESTBRIDGE_TEST_ONLY": "pkg/tests/test_a.py::test_x"})
    assert runner.pytest_args == ["pkg/tests/test_a.py::test_x"]
    assert not runner.nothing_to_run


def test_node_id_filter_of_another_targets_file_leaves_nothing_to_run():
    runner = split_runner_arguments(MACRO_ARGS, {"TESTBRIDGE_TEST_ONLY": "other/test_z.py::test_x"})
    assert runner.nothing_to_run
    assert runner.pytest_args == []


def test_node_id_filter_is_not_passed_to_pytest_as_a_keyword_expression():
    args = pytest_args_from_environment(
        ["pkg/tests/test_a.py::test_x"], {"TESTBRIDGE_TEST_ONLY": "pkg/tests/test_a.py::test_x"}
    )
    assert "-k" not in args


def test_pytest_cache_is_off_under_bazel_test_and_in_the_checkout_under_bazel_run():
    assert "no:cacheprovider" in pytest_args_from_environment([], {})
    run_args = pytest_args_from_environment([], {"BUILD_WORKSPACE_DIRECTORY": "/src/repo"})
    assert "no:cacheprovider" not in run_args
    assert run_args[run_args.index("-o") + 1] == "cache_dir=/src/repo/.pytest_cache"
