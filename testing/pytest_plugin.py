"""The shared pytest plugin (loaded by pytest.ini with `-p testing.pytest_plugin`).

Fixtures: `fake_clock`. When Hypothesis is importable (under Bazel: the target depends on it) it also loads
the Hypothesis profile for this run (testing/hypothesis_profiles.py) and seeds Hypothesis's Unicode tables
(testing/hypothesis_unicode_tables.py); a target without Hypothesis never imports it. Under Bazel it writes which
provider operations and outcomes the tests exercised through the mock factories (testing/mock_usage.py) to
the target's undeclared outputs.
Faker's own `faker` fixture is reseeded per test by pytest-randomly from the run's printed seed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from importlib.util import find_spec

import pytest

from testing.clock import FakeClock
from testing.mock_usage import RECORDER


def hypothesis_available() -> bool:
    """True when Hypothesis can be imported here; then every test that uses it runs under the profile."""
    return find_spec("hypothesis") is not None


def pytest_configure(config: pytest.Config) -> None:
    if not hypothesis_available():
        return
    from testing.hypothesis_profiles import load_profile
    from testing.hypothesis_unicode_tables import seed_unicode_tables

    load_profile()
    seed_unicode_tables()


def pytest_report_header(config: pytest.Config) -> str | None:
    if not hypothesis_available():
        return None
    from hypothesis import settings

    return f"hypothesis profile: {settings._current_profile}"  # noqa: SLF001 - no public accessor


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    """Requests the mock factories answer during this test (setup and teardown included) count for it."""
    RECORDER.current_test = item.nodeid
    try:
        return (yield)
    finally:
        RECORDER.current_test = None


def pytest_sessionfinish(session: pytest.Session) -> None:
    outputs = os.environ.get("TEST_UNDECLARED_OUTPUTS_DIR")
    if outputs and RECORDER.declared:
        RECORDER.write(outputs, os.environ.get("TEST_TARGET", ""))


@pytest.fixture
def fake_clock() -> FakeClock:
    """A FakeClock starting at 2026-01-05 09:00 UTC; inject it wherever code takes a clock."""
    return FakeClock()
