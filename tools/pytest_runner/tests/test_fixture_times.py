import json

from tools.pytest_runner.bazel_plugin import BazelTestPlugin
from tools.pytest_runner.fixture_times import OUTPUT_NAME, SLOWEST_TESTS, FixtureTimes

pytest_plugins = ["pytester"]


class TickingTimer:
    """A timer that advances one second per reading, so each fixture setup lasts exactly one second."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        self.now += 1.0
        return self.now


def test_fixture_setups_add_up_per_fixture_with_count_and_maximum():
    times = FixtureTimes()
    times.add_fixture("db", "function", "pkg.conftest", 0.5)
    times.add_fixture("db", "function", "pkg.conftest", 1.5)
    times.add_fixture("clock", "session", "testing.pytest_plugin", 0.25)
    assert times.to_json("//pkg:t")["fixtures"] == [
        {"name": "db", "scope": "function", "module": "pkg.conftest", "setups": 2, "seconds": 2.0, "max_seconds": 1.5},
        {
            "name": "clock",
            "scope": "session",
            "module": "testing.pytest_plugin",
            "setups": 1,
            "seconds": 0.25,
            "max_seconds": 0.25,
        },
    ]


def test_same_name_in_two_modules_is_two_fixtures():
    times = FixtureTimes()
    times.add_fixture("router", "function", "a.conftest", 1.0)
    times.add_fixture("router", "function", "b.conftest", 1.0)
    assert [f["module"] for f in times.to_json("")["fixtures"]] == ["a.conftest", "b.conftest"]


def test_phases_add_up_and_each_test_totals_its_phases():
    times = FixtureTimes()
    for when, seconds in (("setup", 0.5), ("call", 2.0), ("teardown", 0.25)):
        times.add_phase("t.py::test_a", when, seconds)
    times.add_phase("t.py::test_b", "call", 1.0)
    data = times.to_json("//pkg:t")
    assert data["phases"] == {"setup": 0.5, "call": 3.0, "teardown": 0.25}
    assert data["tests"] == 2
    assert data["slowest_tests"] == [
        {"nodeid": "t.py::test_a", "seconds": 2.75},
        {"nodeid": "t.py::test_b", "seconds": 1.0},
    ]


def test_only_the_slowest_ten_tests_are_kept():
    times = FixtureTimes()
    for n in range(SLOWEST_TESTS + 5):
        times.add_phase(f"t.py::test_{n:02}", "call", float(n))
    slowest = times.to_json("")["slowest_tests"]
    assert SLOWEST_TESTS == 10
    assert [t["nodeid"] for t in slowest] == [f"t.py::test_{n:02}" for n in range(14, 4, -1)]


def test_plugin_writes_fixture_times_json_to_the_undeclared_outputs(pytester, tmp_path):
    pytester.makepyfile(
        test_fixtures="""
        import pytest

        @pytest.fixture(scope="module")
        def database():
            return 1

        @pytest.fixture
        def row(database):
            return database + 1

        def test_one(row):
            assert row == 2

        def test_two(row):
            assert row == 2
        """
    )
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    plugin = BazelTestPlugin.from_environment({"TEST_UNDECLARED_OUTPUTS_DIR": str(outputs), "TEST_TARGET": "//p:t"})
    plugin.timings = FixtureTimes(timer=TickingTimer())
    result = pytester.inline_run("-p", "no:randomly", "-p", "no:cacheprovider", plugins=[plugin])
    result.assertoutcome(passed=2)
    data = json.loads((outputs / OUTPUT_NAME).read_text())
    assert data["target"] == "//p:t" and data["tests"] == 2
    mine = [
        (f["name"], f["scope"], f["setups"], f["seconds"]) for f in data["fixtures"] if f["module"] == "test_fixtures"
    ]
    assert mine == [("row", "function", 2, 2.0), ("database", "module", 1, 1.0)]


def test_plugin_writes_nothing_outside_bazel(pytester, tmp_path):
    pytester.makepyfile(test_plain="def test_one(): pass")
    plugin = BazelTestPlugin.from_environment({})
    pytester.inline_run("-p", "no:randomly", "-p", "no:cacheprovider", plugins=[plugin]).assertoutcome(passed=1)
    assert plugin.undeclared_outputs is None
    assert not list(tmp_path.rglob(OUTPUT_NAME))


def test_plugin_is_hashable_by_identity_as_pytest_asyncio_needs_for_its_fixture_hooks():
    first, second = BazelTestPlugin.from_environment({}), BazelTestPlugin.from_environment({})
    assert {first: 1, second: 2}[first] == 1
    assert first != second
