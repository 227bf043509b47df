import os
import subprocess
import sys

import pytest

HEAVY = ("respx", "httpx", "faker", "hypothesis", "testing.mocks")
"""Packages a test pays for only when it imports them itself (~0.3-1 s each per test process)."""


def _imported_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint(' '.join(sorted(set(sys.modules) & {set(HEAVY)!r})))"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        timeout=60,
    )
    return set(result.stdout.split())


def test_loading_the_plugin_imports_no_mock_faker_or_hypothesis_package_when_a_test_needs_none():
    assert _imported_after("import testing.pytest_plugin") == set()


def test_the_kit_imports_a_public_name_s_package_only_when_the_name_is_used():
    assert _imported_after("from testing import FakeClock") == set()
    assert "faker" in _imported_after("from testing import seeded_faker")


def test_unknown_kit_name_is_an_attribute_error_naming_it():
    import testing

    with pytest.raises(AttributeError, match="no attribute 'NoSuchKit'"):
        testing.NoSuchKit  # noqa: B018 - the lookup is the behaviour under test
