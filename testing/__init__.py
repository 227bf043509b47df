"""LeadFactory's shared test kit: fake clock, seeded Faker, Hypothesis profiles and respx mock factories.

Its pytest plugin (testing.pytest_plugin) is loaded for every test by pytest.ini.
"""

from testing.clock import FakeClock
from testing.faker_data import seeded_faker, stable_seed
from testing.hypothesis_profiles import PROFILES, load_profile, profile_for, register_profiles
from testing.mocks import ProviderMock

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
