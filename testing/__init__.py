"""LeadFactory's shared test kit: fake clock, seeded Faker, Hypothesis profiles and respx mock factories.

Its pytest plugin (testing.pytest_plugin) is loaded for every test by pytest.ini. Names are imported on
first use (PEP 562), so a test that needs only the clock never imports Faker, Hypothesis, respx or httpx.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from testing.clock import FakeClock
    from testing.faker_data import seeded_faker, stable_seed
    from testing.hypothesis_profiles import PROFILES, load_profile, profile_for, register_profiles
    from testing.mocks import ProviderMock

_HOME = {
    "FakeClock": "testing.clock",
    "PROFILES": "testing.hypothesis_profiles",
    "ProviderMock": "testing.mocks",
    "load_profile": "testing.hypothesis_profiles",
    "profile_for": "testing.hypothesis_profiles",
    "register_profiles": "testing.hypothesis_profiles",
    "seeded_faker": "testing.faker_data",
    "stable_seed": "testing.faker_data",
}
"""Each public name and the module that defines it (and imports its third-party package)."""

__all__ = [
    "PROFILES",
    "FakeClock",
    "ProviderMock",
    "load_profile",
    "profile_for",
    "register_profiles",
    "seeded_faker",
    "stable_seed",
]


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOME))
