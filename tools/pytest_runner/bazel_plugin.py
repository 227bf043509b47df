"""pytest side of Bazel's test contract: sharding, test filter, JUnit XML, seeds and a network guard."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

DEFAULT_SEED = 20261125
"""Seed for test order (pytest-randomly) when Bazel gives none; fixed so cached results stay meaningful."""


class NetworkAccessBlocked(OSError):
    """A test tried to reach a non-loopback host; tests must be hermetic."""


def pytest_args_from_environment(argv: Sequence[str], environment: Mapping[str, str]) -> list[str]:
    """Translates Bazel's test environment into pytest command-line arguments."""
    args = ["-p", "no:cacheprovider", "--rootdir", os.getcwd()]
    if os.path.exists("pytest.ini"):
        args += ["-c", "pytest.ini"]
    xml_output = environment.get("XML_OUTPUT_FILE")
    if xml_output:
        target = environment.get("TEST_TARGET", "pytest")
        args += ["--junitxml", xml_output, "-o", f"junit_suite_name={target}"]
    test_filter = environment.get("TESTBRIDGE_TEST_ONLY")
    if test_filter:
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
    if run_seed:
        # --runs_per_test=N: each run explores other Hypothesis examples, so flakes show up.
        args += ["--hypothesis-seed", run_seed]
    return args + list(argv)


def installed_plugin_modules() -> list[str]:
    """Modules of the pytest plugins installed in this target's runfiles (entry point group pytest11).

    pytest_main.py sets PYTEST_DISABLE_PLUGIN_AUTOLOAD and loads these with `-p` instead: autoloading
    marks every module of a plugin's distribution for assertion rewriting, which recompiles all of
    hypothesis and faker on every run (read-only runfiles keep no cache) and costs seconds per test.
    """
    from importlib.metadata import entry_points

    return sorted({entry.value.split(":")[0] for entry in entry_points(group="pytest11")})


@dataclass
class BazelTestPlugin:
    """Selects this shard's tests and blocks network access outside loopback."""

    total_shards: int = 1
    shard_index: int = 0
    shard_status_file: str | None = None
    test_filter: str | None = None

    @classmethod
    def from_environment(cls, environment: Mapping[str, str]) -> BazelTestPlugin:
        return cls(
            total_shards=int(environment.get("TEST_TOTAL_SHARDS", "1") or 1),
            shard_index=int(environment.get("TEST_SHARD_INDEX", "0") or 0),
            shard_status_file=environment.get("TEST_SHARD_STATUS_FILE"),
            test_filter=environment.get("TESTBRIDGE_TEST_ONLY"),
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

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        guard = getattr(self, "_guard", None)
        if guard is not None:
            guard.__exit__(None, None, None)

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
