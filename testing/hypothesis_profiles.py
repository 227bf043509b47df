"""Hypothesis profiles, registered once for every test in the repository.

- `dev`: the default for plain pytest on a workstation: random examples, failures saved in a local database;
  no deadline and no too-slow health check either (`pytest -n 2 --cov` on a busy machine is not a property).
- `ci`: the default under Bazel: derandomized (examples derived from each test), no database, no
  deadline (timing on a loaded 2-core CI box is not a property), so a cached result means something.
- `mutation`: tools/mutation's runs: as `ci`, with 25 examples per property (each of a module's several
  hundred mutants reruns the tests that cover it; a mutant the properties catch is caught within 25).
- `ci-seeded`: under `bazel test --runs_per_test=N` Bazel gives each run a TEST_RANDOM_SEED; each run
  then explores other examples, seeded by it, so a flaky property shows up.
Select one explicitly with HYPOTHESIS_PROFILE=<name>.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from hypothesis import HealthCheck, settings

PROFILES = ("dev", "ci", "ci-seeded", "mutation")


def register_profiles() -> None:
    """Registers `dev`, `ci`, `ci-seeded` and `mutation` (idempotent)."""
    settings.register_profile("dev", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    settings.register_profile(
        "ci",
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=True,
        max_examples=100,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.register_profile("ci-seeded", parent=settings.get_profile("ci"), derandomize=False)
    settings.register_profile("mutation", parent=settings.get_profile("ci"), max_examples=25)


def profile_for(environment: Mapping[str, str]) -> str:
    """The profile a run should use: explicit HYPOTHESIS_PROFILE, else chosen from Bazel's environment."""
    explicit = environment.get("HYPOTHESIS_PROFILE")
    if explicit:
        if explicit not in PROFILES:
            raise ValueError(f"HYPOTHESIS_PROFILE={explicit!r} is not one of {', '.join(PROFILES)}")
        return explicit
    if environment.get("TEST_RANDOM_SEED"):
        return "ci-seeded"
    if environment.get("TEST_TARGET") or environment.get("CI"):
        return "ci"
    return "dev"


def load_profile(environment: Mapping[str, str] | None = None) -> str:
    """Registers the profiles and loads the one `profile_for` picks; returns its name."""
    register_profiles()
    name = profile_for(os.environ if environment is None else environment)
    settings.load_profile(name)
    return name
