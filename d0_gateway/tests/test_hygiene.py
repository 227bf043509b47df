"""The acceptance greps, as tests: no real sleeps and no API key literals in d0_gateway's tests."""

import re
from pathlib import Path

import pytest

HERE = Path(__file__).parent
# This file is left out: it holds the deliberate bad samples the patterns are checked against.
TESTS = sorted(p for p in HERE.glob("test_*.py") if p.name != "test_hygiene.py") + [HERE / "conftest.py"]
REAL_SLEEP = re.compile(r"\b(?:time|asyncio)\.sleep\(\s*(?!0\s*\)|0\.0\s*\))")
KEY_LIKE = re.compile(r"""["'](?:sk_live_|sk-[A-Za-z0-9]{20}|SG\.[\w-]{16}|AIza[\w-]{20}|rk_live_)""")


def test_the_test_sources_were_found():
    assert len(TESTS) > 10


@pytest.mark.parametrize(
    "line, flagged", [("await asyncio.sleep(2)", True), ("time.sleep(0.1)", True), ("await asyncio.sleep(0)", False)]
)
def test_the_sleep_pattern_flags_only_positive_durations(line, flagged):
    assert bool(REAL_SLEEP.search(line)) is flagged


@pytest.mark.parametrize(
    "line, flagged",
    [('key = "sk_live_abc"', True), ("key = 'AIzaSyA1234567890abcdefghij'", True), ('key = "test-key"', False)],
)
def test_the_key_pattern_flags_real_key_prefixes_only(line, flagged):
    assert bool(KEY_LIKE.search(line)) is flagged


@pytest.mark.parametrize("path", TESTS, ids=lambda p: p.name)
def test_no_real_sleep_in_tests(path):
    assert not REAL_SLEEP.search(path.read_text())


@pytest.mark.parametrize("path", TESTS, ids=lambda p: p.name)
def test_no_api_key_literal_in_tests(path):
    assert not KEY_LIKE.search(path.read_text())
