"""pytest side of Bazel's test contract: sharding, test filter, JUnit XML, seeds, a network guard, and the
fixture timings written to the test's undeclared outputs (tools/pytest_runner/fixture_times.py)."""

from __future__ import annotations

import contextlib
import gc
import ipaddress
import os
import socket
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tools.pytest_runner.fixture_times import FixtureTimes
from tools.pytest_runner.name_manifest import MANIFEST_ARG, is_node_id

DEFAULT_SEED = 20261125
"""Seed for test order (pytest-randomly) when Bazel gives none; fixed so cached results stay meaningful."""


CATEGORY_ARG = "--leadfactory_category="
SRC_ARG = "--leadfactory_src="
"""Arguments the py_pytest_test macro passes: the target's category and each of its test files (and its
test-name manifest, MANIFEST_ARG)."""
CATEGORY_ENV = "LEADFACTORY_TEST_CATEGORY"
"""The runner hands the target's category to the categories plugin here; absent under plain pytest."""

_OPTIONS_WITH_VALUE = frozenset(
    "-k -m -p -o -c -W -r --deselect --ignore --ignore-glob --rootdir --junitxml --basetemp --maxfail "
    "--durations --tb --log-level --hypothesis-seed --randomly-seed --confcutdir".split()
)


class NetworkAccessBlocked(OSError):
    """A test tried to reach a non-loopback host; tests must be hermetic."""


class RunnerArgumentError(ValueError):
    """The command line names tests this target does not have; the message says which and what it has."""


@dataclass(frozen=True)
class RunnerArguments:
    """What the runner was asked: the target's category and test files, and pytest's own arguments."""

    category: str | None
    srcs: tuple[str, ...]
    pytest_args: list[str]
    nothing_to_run: bool = False
    """True when --test_filter is a node id of another target's file: this target has nothing to run."""


def split_runner_arguments(argv: Sequence[str], environment: Mapping[str, str]) -> RunnerArguments:
    """Separates the macro's arguments from the user's; node ids given by the user (`bazel run -- ID`) or as
    --test_filter replace the target's file list, so only those tests run. A node id of a file that is not
    one of this target's is refused (given by the user) or selects nothing (given as a filter, as in
    `bazel test //... --test_filter=ID`, where the other targets must pass with nothing selected)."""
    category = None
    srcs: list[str] = []
    user: list[str] = []
    for arg in argv:
        if arg.startswith(CATEGORY_ARG):
            category = arg[len(CATEGORY_ARG) :]
        elif arg.startswith(SRC_ARG):
            srcs.append(os.path.normpath(arg[len(SRC_ARG) :]))
        elif arg.startswith(MANIFEST_ARG):
            continue  # read before pytest starts (tools/pytest_runner/name_manifest.py)
        else:
            user.append(arg)
    if not srcs:
        return RunnerArguments(category, (), user)
    node_ids = [
        arg
        for position, arg in enumerate(user)
        if not arg.startswith("-")
        and is_node_id(arg)
        and (position == 0 or user[position - 1] not in _OPTIONS_WITH_VALUE)
    ]
    for node_id in node_ids:
        if _file_of(node_id) not in srcs:
            raise RunnerArgumentError(f"{node_id} is not in this target: its test files are {', '.join(srcs)}")
    test_filter = environment.get("TESTBRIDGE_TEST_ONLY", "")
    if test_filter and is_node_id(test_filter):
        if _file_of(test_filter) not in srcs:
            return RunnerArguments(category, tuple(srcs), [], nothing_to_run=True)
        node_ids = node_ids or [test_filter]
    rest = [arg for arg in user if arg not in node_ids]
    return RunnerArguments(category, tuple(srcs), (node_ids or srcs) + rest)


def _file_of(node_id: str) -> str:
    return os.path.normpath(node_id.split("::", 1)[0])


def pytest_args_from_environment(argv: Sequence[str], environment: Mapping[str, str]) -> list[str]:
    """Translates Bazel's test environment into pytest command-line arguments."""
    workspace = environment.get("BUILD_WORKSPACE_DIRECTORY")
    if workspace:
        # `bazel run`: pytest's cache lives in the checkout, so --lf / --ff / --sw remember across runs.
        args = ["-o", f"cache_dir={os.path.join(workspace, '.pytest_cache')}"]
    else:
        args = ["-p", "no:cacheprovider"]  # a sandboxed test keeps nothing between runs
    args += ["--rootdir", os.getcwd()]
    if os.path.exists("pytest.ini"):
        args += ["-c", "pytest.ini"]
    xml_output = environment.get("XML_OUTPUT_FILE")
    if xml_output:
        target = environment.get("TEST_TARGET", "pytest")
        args += ["--junitxml", xml_output, "-o", f"junit_suite_name={target}"]
    test_filter = environment.get("TESTBRIDGE_TEST_ONLY")
    if test_filter and not is_node_id(test_filter):
        args += ["-k", test_filter]
    test_tmpdir = environment.get("TEST_TMPDIR")
    if test_tmpdir:
        args += ["--basetemp", os.path.join(test_tmpdir, "pytest")]
    run_seed = environment.get("TEST_RANDOM_SEED")
    seed = run_seed or environment.get("LEADFACTORY_TEST_SEED") or str(DEFAULT_SEED)
    plugins = installed_plugin_modules()
    for module in plugins:
        args += ["-p", module]
    if "pytest_randomly" in plugins:
        args += [f"--randomly-seed={seed}"]
    if run_seed and HYPOTHESIS_PLUGIN in plugins:
        # --runs_per_test=N: each run explores other Hypothesis examples, so flakes show up.
        args += ["--hypothesis-seed", run_seed]
    return args + list(argv)


NEVER_UNDER_BAZEL = frozenset({"xdist.plugin", "xdist.looponfail", "pytest_cov.plugin"})
"""Plugins a Bazel test never loads even when a dep brings them: Bazel runs the processes in parallel and
measures coverage itself (tools/pytest_runner/coverage_session.py)."""
HYPOTHESIS_PLUGIN = "_hypothesis_pytestplugin"


def installed_plugin_modules() -> list[str]:
    """Modules of the pytest plugins installed in this target's runfiles (entry point group pytest11).

    pytest_main.py sets PYTEST_DISABLE_PLUGIN_AUTOLOAD and loads these with `-p` instead: autoloading
    marks every module of a plugin's distribution for assertion rewriting, which recompiles all of
    hypothesis and faker on every run (read-only runfiles keep no cache) and costs seconds per test.
    A target's runfiles hold only its deps, so Hypothesis's and Faker's plugins load only in targets that
    depend on them (pytest-asyncio and pytest-randomly are in every target: py_pytest_test adds them).
    """
    from importlib.metadata import entry_points

    modules = {entry.value.split(":")[0] for entry in entry_points(group="pytest11")}
    return sorted(modules - NEVER_UNDER_BAZEL)


@dataclass(eq=False)  # pytest keys per-plugin state by the plugin object: identity hash and equality
class BazelTestPlugin:
    """Selects this shard's tests, blocks network access outside loopback, and times fixtures and tests."""

    total_shards: int = 1
    shard_index: int = 0
    shard_status_file: str | None = None
    test_filter: str | None = None
    undeclared_outputs: str | None = None
    target: str = ""
    timings: FixtureTimes = field(default_factory=FixtureTimes)

    @classmethod
    def from_environment(cls, environment: Mapping[str, str]) -> BazelTestPlugin:
        return cls(
            total_shards=int(environment.get("TEST_TOTAL_SHARDS", "1") or 1),
            shard_index=int(environment.get("TEST_SHARD_INDEX", "0") or 0),
            shard_status_file=environment.get("TEST_SHARD_STATUS_FILE"),
            test_filter=environment.get("TESTBRIDGE_TEST_ONLY"),
            undeclared_outputs=environment.get("TEST_UNDECLARED_OUTPUTS_DIR") or None,
            target=environment.get("TEST_TARGET", ""),
        )

    @property
    def narrows_selection(self) -> bool:
        """True when this run may legitimately select no test (a shard or a filter)."""
        return self.total_shards > 1 or bool(self.test_filter)

    def pytest_configure(self, config: pytest.Config) -> None:
        if self.shard_status_file:
            # Tells Bazel this runner understands sharding.
            Path(self.shard_status_file).touch()
        self._guard = network_guard()
        self._guard.__enter__()

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Moves every object alive after collection (pytest, plugins, the code under test, the kit) out of the
        garbage collector's reach: they live as long as the process, yet each full collection during the tests
        (and pytest's at exit) would walk them all again. About a quarter of a small target's CPU time."""
        gc.freeze()

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        guard = getattr(self, "_guard", None)
        if guard is not None:
            guard.__exit__(None, None, None)

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(self, fixturedef: pytest.FixtureDef[Any]) -> Generator[None, Any, Any]:
        """Times the fixture's own setup (its dependencies are set up, and timed, before this hook)."""
        start = self.timings.timer()
        try:
            return (yield)
        finally:
            module = getattr(fixturedef.func, "__module__", None) or fixturedef.baseid or "?"
            self.timings.add_fixture(fixturedef.argname, fixturedef.scope, module, self.timings.timer() - start)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.timings.add_phase(report.nodeid, report.when, report.duration)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.undeclared_outputs:
            self.timings.write(self.undeclared_outputs, self.target)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        if self.total_shards <= 1:
            return
        mine = select_shard([item.nodeid for item in items], self.total_shards, self.shard_index)
        selected = [item for item in items if item.nodeid in mine]
        deselected = [item for item in items if item.nodeid not in mine]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
        items[:] = selected


def select_shard(nodeids: Sequence[str], total_shards: int, shard_index: int) -> set[str]:
    """The node ids shard `shard_index` of `total_shards` runs.

    Round-robin over the sorted ids, so the split does not depend on collection order (pytest-randomly
    shuffles it) and every test lands in exactly one shard.
    """
    if not 0 <= shard_index < total_shards:
        raise ValueError(f"shard index {shard_index} is outside 0..{total_shards - 1}")
    ordered = sorted(set(nodeids))
    return {nodeid for position, nodeid in enumerate(ordered) if position % total_shards == shard_index}


_real_getaddrinfo = socket.getaddrinfo
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def is_loopback(host: Any) -> bool:
    """True for localhost names and loopback IP literals."""
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]").lower()
    if host in ("localhost", "localhost.localdomain", "ip6-localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _blocked(host: Any, port: Any) -> NetworkAccessBlocked:
    return NetworkAccessBlocked(
        f"network access blocked in tests: tried to reach {host}:{port}. Tests are hermetic; "
        "mock HTTP with the respx factories in testing/ (only loopback is allowed)."
    )


def _guarded_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
    if not is_loopback(host):
        raise _blocked(host, port)
    return _real_getaddrinfo(host, port, *args, **kwargs)


def _check_address(sock: socket.socket, address: Any) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(address[0]):
        raise _blocked(address[0], address[1])


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _check_address(self, address)
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _check_address(self, address)
    return _real_connect_ex(self, address)


@contextlib.contextmanager
def network_guard() -> Iterator[None]:
    """Within the block, name lookups and connections to non-loopback hosts raise NetworkAccessBlocked."""
    saved = (socket.getaddrinfo, socket.socket.connect, socket.socket.connect_ex)
    socket.getaddrinfo = _guarded_getaddrinfo
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        socket.getaddrinfo, socket.socket.connect, socket.socket.connect_ex = saved  # type: ignore[method-assign]
