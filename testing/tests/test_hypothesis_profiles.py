import pytest
from hypothesis import HealthCheck, settings

from testing import PROFILES, profile_for, register_profiles


def test_bazel_runs_use_the_derandomized_ci_profile():
    assert profile_for({"TEST_TARGET": "//d1_targeting/tests:geo_test"}) == "ci"


def test_runs_per_test_use_the_seeded_profile_when_bazel_gives_a_seed():
    assert profile_for({"TEST_TARGET": "//x:y", "TEST_RANDOM_SEED": "3"}) == "ci-seeded"


def test_workstations_use_the_dev_profile():
    assert profile_for({}) == "dev"


def test_explicit_profile_wins():
    assert profile_for({"HYPOTHESIS_PROFILE": "dev", "CI": "true"}) == "dev"


def test_unknown_profile_is_rejected_with_the_known_names():
    with pytest.raises(ValueError, match="dev, ci, ci-seeded"):
        profile_for({"HYPOTHESIS_PROFILE": "fast"})


def test_ci_profile_is_derandomized_without_database_or_deadline():
    register_profiles()
    ci = settings.get_profile("ci")
    assert ci.derandomize is True
    assert ci.database is None
    assert ci.deadline is None
    assert settings.get_profile("ci-seeded").derandomize is False
    assert set(PROFILES) == {"dev", "ci", "ci-seeded", "mutation"}


def test_mutation_profile_is_ci_with_25_examples_when_mutants_rerun_the_properties():
    register_profiles()
    mutation = settings.get_profile("mutation")
    assert mutation.max_examples == 25
    assert mutation.derandomize is True
    assert mutation.database is None
    assert mutation.deadline is None


def test_dev_profile_has_no_deadline_nor_too_slow_check_so_a_busy_machine_fails_nothing():
    register_profiles()
    dev = settings.get_profile("dev")
    assert dev.deadline is None
    assert HealthCheck.too_slow in dev.suppress_health_check
