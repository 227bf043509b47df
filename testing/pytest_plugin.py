"""The shared pytest plugin (loaded by pytest.ini with `-p testing.pytest_plugin`).

Fixtures: `fake_clock`. Also loads the Hypothesis profile for this run (testing/hypothesis_profiles.py) and
seeds Hypothesis's Unicode tables (testing/hypothesis_unicode_tables.py).
Faker's own `faker` fixture is reseeded per test by pytest-randomly from the run's printed seed.
"""

from __future__ import annotations

import pytest

from testing.clock import FakeClock
from testing.hypothesis_profiles import load_profile
from testing.hypothesis_unicode_tables import seed_unicode_tables


def pytest_configure(config: pytest.Config) -> None:
    load_profile()
    seed_unicode_tables()


def pytest_report_header(config: pytest.Config) -> str:
    from hypothesis import settings

    return f"hypothesis profile: {settings._current_profile}"  # noqa: SLF001 - no public accessor


@pytest.fixture
def fake_clock() -> FakeClock:
    """A FakeClock starting at 2026-01-05 09:00 UTC; inject it wherever code takes a clock."""
    return FakeClock()
