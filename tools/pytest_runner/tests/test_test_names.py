"""The test-name manifest and its -k matcher: conservative, so `--test_filter` never skips a matching test.

The oracle is pytest itself: sample test files are collected once (in this process, `--collect-only`) and
pytest's own keyword matching decides which items an expression selects.
"""

import json
import os
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from _pytest.mark import KeywordMatcher
from _pytest.mark.expression import Expression
from hypothesis import given
from hypothesis import strategies as st

from tools.pytest_runner.collected_names import CollectedNames
from tools.pytest_runner.name_manifest import (
    MANIFEST_ARG,
    TestNames,
    filter_cannot_match,
    is_monotone,
    manifest_of,
    match_state,
    may_match,
    read_manifest_files,
    write_manifest,
)
from tools.pytest_runner.name_manifest import tests_of as manifest_tests
from tools.pytest_runner.source_resolver import WorkspaceResolver

SAMPLES = {
    "pkg/tests/test_plain.py": """
        import pytest

        CASES = [("10001", "NY"), ("", "PR")]
        needs_linux = pytest.mark.skipif(False, reason="always runs")

        def test_zip_maps_to_state():
            pass

        async def test_async_lookup_finishes():
            pass

        @pytest.mark.parametrize("zip_code, state", CASES)
        def test_known_zip(zip_code, state):
            pass

        @pytest.mark.parametrize("value", [1, 2.5, None, True, "a b", "J\\xf6rg", b"raw", [1], "x" * 3])
        @pytest.mark.parametrize("flag", [pytest.param(0, id="off"), pytest.param(1, id="on")])
        def test_stacked_parameters(value, flag):
            pass

        @pytest.mark.parametrize("n", range(2))
        def test_computed_values(n):
            pass

        @needs_linux
        def test_alias_marked():
            pass

        class TestGroup:
            pytestmark = pytest.mark.slowish

            def test_member_of_group(self):
                pass

            @pytest.mark.parametrize("word", ["alpha", "beta"], ids=["first", "second"])
            def test_word_ids(self, word):
                pass
    """,
    "pkg/tests/test_props.py": """
        from hypothesis import given, strategies as st

        from pkg.tests.test_plain import test_zip_maps_to_state as test_reexported

        @given(st.integers())
        def test_integers_round_trip(number):
            pass

        def helper_not_a_test():
            pass
    """,
    "pkg/tests/test_values.py": """
        import datetime as dt
        import math
        from decimal import Decimal
        from math import inf
        from pathlib import Path

        import pytest

        class Box:
            pass

        def helper():
            pass

        @pytest.mark.parametrize(
            "amount",
            [Decimal("1.5"), Path("a/b"), dt.date(2026, 1, 1), ValueError("bad"), dict(a=1), {1, 2},
             [x for x in "ab"], (Decimal("2"), 1)],
        )
        def test_opaque_values(amount):
            pass

        @pytest.mark.parametrize(
            "number, label",
            [(math.nan, "nan"), (float("inf"), "big"), (inf, "x"), (-math.pi, "neg"), (float("2"), "two")],
        )
        def test_float_values(number, label):
            pass

        @pytest.mark.parametrize("target", [helper, Box])
        def test_named_values(target):
            pass
    """,
    "pkg/tests/test_shadowed.py": """
        import pytest

        def ValueError(text):
            return text

        def decorate(function):
            return "renamed"

        @decorate
        def helper():
            pass

        @pytest.mark.parametrize("error", [ValueError("bad_id_from_a_string")])
        def test_shadowed_builtin(error):
            pass

        @pytest.mark.parametrize("target", [helper])
        def test_decorated_value(target):
            pass
    """,
    "pkg/tests/test_imported.py": """
        import pytest

        from pkg.api import Point
        from pkg.model import Color, Failure, Level, Mixed, Renamed, normalise, wrapped

        NEAR = Point(1.0, 2.0)

        @pytest.mark.parametrize("point", [Point(0.0, 0.0), NEAR, Failure("x")])
        def test_instances(point):
            pass

        @pytest.mark.parametrize("kind", [Color.RED, Level.LOW, Mixed.HIGH])
        def test_members(kind):
            pass

        @pytest.mark.parametrize("target", [Point, Failure, normalise, Color])
        def test_definitions(target):
            pass

        @pytest.mark.parametrize("thing", [Renamed()])
        def test_instance_answering_its_own_name(thing):
            pass

        @pytest.mark.parametrize("thing", [wrapped])
        def test_decorated_import(thing):
            pass
    """,
}
"""Test files covering what the manifest models: literal, constant, stacked, explicit-id and computed
parameters, async tests, markers (direct, aliased, class-level), Hypothesis, and a test bound by import."""


SUPPORT = {
    "pkg/model.py": """
        from dataclasses import dataclass
        from enum import Enum, StrEnum

        @dataclass(frozen=True)
        class Point:
            lat: float
            lon: float

        class Failure(Exception):
            pass

        class Renamed:
            __name__ = "renamed_by_its_instances"

        class Color(Enum):
            RED = 1
            GREEN = 2

        class Level(StrEnum):
            LOW = "low"

        class Mixed(str, Enum):
            HIGH = "high_value"

        def normalise(text):
            return text

        def _decorate(function):
            return "decorated"

        @_decorate
        def wrapped():
            pass
    """,
    "pkg/api.py": """
        from .model import Color, Point
    """,
}
"""Workspace code the samples import: what the resolver reads (source_resolver.py) and pytest imports."""


@dataclass(frozen=True)
class Collected:
    tests: list[TestNames]
    """The manifest as the build writes it (test files only)."""
    resolved: list[TestNames]
    """The manifest as tools/bazel computes it (with the workspace's code, source_resolver.py)."""
    matchers: list[KeywordMatcher]
    """pytest's keyword matcher of every collected item: the oracle."""
    after_collection: list[TestNames]
    """The collected manifest (collected_names.py), recorded in the same collection."""


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Collected:
    """The samples' manifests and pytest's view of their items."""
    root = tmp_path_factory.mktemp("names_root")
    (root / "pytest.ini").write_text("[pytest]\nasyncio_mode = auto\npython_files = test_*.py\n")
    for relative, source in SAMPLES.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        for folder in (path.parent, path.parent.parent):
            (folder / "__init__.py").touch()
        path.write_text(textwrap.dedent(source))
    for relative, source in SUPPORT.items():
        (root / relative).write_text(textwrap.dedent(source))
    matchers: list[KeywordMatcher] = []
    recorder = CollectedNames()

    class Collector:
        def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
            matchers.extend(KeywordMatcher.from_item(item) for item in items)

    previous, autoload = os.getcwd(), os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.chdir(root)
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # as under Bazel: only the plugins named here
    try:
        plugins = ["-p", "pytest_asyncio", "-p", "_hypothesis_pytestplugin", "-p", "no:randomly"]
        exit_code = pytest.main(
            ["--collect-only", "-q", "-p", "no:cacheprovider", "--rootdir", str(root), *plugins, *SAMPLES],
            plugins=[Collector(), recorder],
        )
        write_manifest(list(SAMPLES), "names.json")
        _files, tests = read_manifest_files(str(root / "names.json"))
        resolved = [
            TestNames(tuple(t["names"]), t["open"], tuple(t["maybe"]))
            for t in manifest_of(list(SAMPLES), WorkspaceResolver("."))["tests"]  # type: ignore[attr-defined]
        ]
    finally:
        os.chdir(previous)
        if autoload is None:
            del os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = autoload
    assert exit_code == 0
    return Collected(tests, resolved, matchers, manifest_tests(recorder.manifest(list(SAMPLES), exit_code)))


def pytest_selects(expression: str, matchers: list[KeywordMatcher]) -> bool:
    compiled = Expression.compile(expression)
    return any(compiled.evaluate(matcher) for matcher in matchers)


def _names_of(matchers: list[KeywordMatcher]) -> list[str]:
    return sorted({name for matcher in matchers for name in matcher._names})  # noqa: SLF001 - the oracle's own view


@st.composite
def expressions(draw: st.DrawFn, names: list[str]) -> str:
    """-k expressions over pieces of the real names, unrelated words, and/or/not and parentheses."""

    def identifier() -> str:
        name = draw(st.sampled_from(names))
        start = draw(st.integers(0, len(name) - 1))
        end = draw(st.integers(start + 1, len(name)))
        piece = name[start:end]
        word = draw(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True))
        chosen = draw(st.sampled_from([piece, word, piece.upper()]))
        if not chosen.strip("()") or chosen in ("and", "or", "not") or any(c in chosen for c in " ()"):
            return "x"
        return chosen

    def expression(depth: int) -> str:
        kind = draw(st.sampled_from(["ident", "ident", "not", "and", "or", "paren"] if depth < 3 else ["ident"]))
        if kind == "ident":
            return identifier()
        if kind == "not":
            return f"not {expression(depth + 1)}"
        if kind == "paren":
            return f"({expression(depth + 1)})"
        return f"{expression(depth + 1)} {kind} {expression(depth + 1)}"

    return expression(0)


@given(data=st.data())
def test_manifest_never_rules_out_an_expression_pytest_would_select(collected, data):
    expression = data.draw(expressions(_names_of(collected.matchers)))
    if pytest_selects(expression, collected.matchers):
        assert may_match(collected.tests, expression), expression
        assert may_match(collected.resolved, expression), expression


@given(data=st.data())
def test_collected_manifest_selects_exactly_what_pytest_selects_when_the_expression_has_no_not(collected, data):
    expression = data.draw(expressions(_names_of(collected.matchers)).filter(is_monotone))
    assert may_match(collected.after_collection, expression) == pytest_selects(expression, collected.matchers)


def test_collected_manifest_knows_every_test_the_sources_leave_open(collected):
    assert len(collected.after_collection) == len(collected.matchers)
    assert not any(test.open for test in collected.after_collection)
    assert match_state(collected.tests, "test_computed_values[1") is None
    assert match_state(collected.after_collection, "test_computed_values[1") is True
    assert match_state(collected.tests, "test_nowhere_in_these_files") is None
    assert match_state(collected.after_collection, "test_nowhere_in_these_files") is False


def test_every_collected_item_name_matches_its_manifest_when_filtered_by_its_own_name(collected):
    for name in _names_of(collected.matchers):
        if name.strip() and not any(char in name for char in " ()"):
            assert may_match(collected.tests, name), name
            assert may_match(collected.resolved, name), name


def test_a_name_no_test_carries_cannot_match_when_every_test_is_known(collected):
    tests = collected.tests
    closed = [test for test in tests if not test.open]
    assert not may_match(closed, "test_nowhere_in_these_files")


def test_computed_parameters_and_tests_bound_by_import_are_open(collected):
    tests = collected.tests
    open_names = {test.names[-1] for test in tests if test.open}
    assert "test_computed_values" in open_names
    assert any(test.open and "test_props.py" in test.names for test in tests)


def test_literal_parameter_ids_are_known_as_pytest_writes_them(collected):
    tests = collected.tests
    names = {test.names[-1] for test in tests if not test.open}
    assert {"test_known_zip[10001-NY]", "test_known_zip[-PR]", "test_word_ids[first]"} <= names
    assert "test_stacked_parameters[off-J\\xf6rg]" in names


def test_values_pytest_names_by_position_type_or_name_are_known(collected):
    tests = collected.tests
    names = {test.names[-1] for test in tests if not test.open}
    assert {f"test_opaque_values[amount{index}]" for index in range(8)} <= names
    assert {"test_float_values[nan-nan]", "test_float_values[inf-big]", "test_float_values[inf-x]"} <= names
    assert {"test_float_values[-3.141592653589793-neg]", "test_float_values[2.0-two]"} <= names
    assert {"test_named_values[helper]", "test_named_values[Box]"} <= names


def test_values_from_a_shadowed_builtin_or_a_decorated_function_are_open(collected):
    tests = collected.tests
    open_names = {test.names[-1] for test in tests if test.open}
    assert {"test_shadowed_builtin", "test_decorated_value"} <= open_names


def test_workspace_instances_members_classes_and_functions_are_known_with_the_resolver(collected):
    names = {test.names[-1] for test in collected.resolved if not test.open}
    assert {"test_instances[point0]", "test_instances[point1]", "test_instances[point2]"} <= names
    assert {"test_members[Color.RED]", "test_members[low]", "test_members[high_value]"} <= names
    assert {f"test_definitions[{name}]" for name in ("Point", "Failure", "normalise", "Color")} <= names


def test_workspace_values_stay_open_without_the_resolver_or_when_they_may_name_themselves(collected):
    build_open = {test.names[-1] for test in collected.tests if test.open}
    resolved_open = {test.names[-1] for test in collected.resolved if test.open}
    assert {"test_instances", "test_members", "test_definitions"} <= build_open
    assert {"test_instance_answering_its_own_name", "test_decorated_import"} <= resolved_open


def test_negation_of_an_absent_name_matches():
    tests = [TestNames(("pkg", "test_a.py", "test_one"))]
    assert may_match(tests, "not test_two")
    assert not may_match(tests, "test_two and test_one")
    assert may_match(tests, "test_two or TEST_ONE")


def test_open_tests_match_any_identifier_but_not_a_contradiction():
    tests = [TestNames(("pkg", "test_a.py", "test_one"), open=True)]
    assert may_match(tests, "anything_at_all")
    assert may_match(tests, "not test_one or zzz")


def test_expressions_outside_the_grammar_are_left_to_pytest():
    tests = [TestNames(("test_one",))]
    assert may_match(tests, "test_one and (")
    assert may_match(tests, "mark(arg=1)")
    assert may_match(tests, "a ; b")


def test_match_state_is_unknown_only_when_an_open_or_maybe_name_could_decide():
    known = TestNames(("pkg", "test_a.py", "test_one"), maybe=("unit",))
    opened = TestNames(("pkg", "test_b.py", "test_two"), open=True)
    assert match_state([known, opened], "test_one") is True
    assert match_state([known], "test_two") is False
    assert match_state([known, opened], "test_three") is None
    assert match_state([known], "unit") is None
    assert match_state([known], "test_one and (") is None


def test_only_parsable_expressions_without_not_are_monotone():
    assert is_monotone("test_one")
    assert is_monotone("(test_one or Test_Two) and slow")
    assert is_monotone("nothing_here or note")
    assert not is_monotone("not test_one")
    assert not is_monotone("test_one and not slow")
    assert not is_monotone("test_one and (")
    assert not is_monotone("mark(arg=1)")


def test_an_empty_expression_selects_every_test():
    assert may_match([TestNames(("test_one",))], "  ")


def write_sample(tmp_path: Path) -> str:
    source = tmp_path / "pkg" / "test_one.py"
    source.parent.mkdir()
    source.write_text("def test_present():\n    pass\n")
    manifest = tmp_path / "names.json"
    previous = os.getcwd()
    os.chdir(tmp_path)
    try:
        write_manifest(["pkg/test_one.py"], str(manifest))
    finally:
        os.chdir(previous)
    return str(manifest)


def test_filter_naming_no_test_of_the_target_is_ruled_out_from_the_manifest(tmp_path):
    argv = [f"{MANIFEST_ARG}{write_sample(tmp_path)}"]
    assert filter_cannot_match(argv, {"TESTBRIDGE_TEST_ONLY": "test_absent"})
    assert not filter_cannot_match(argv, {"TESTBRIDGE_TEST_ONLY": "test_present"})


def test_node_id_filter_is_ruled_out_only_for_another_targets_file(tmp_path):
    argv = [f"{MANIFEST_ARG}{write_sample(tmp_path)}"]
    assert filter_cannot_match(argv, {"TESTBRIDGE_TEST_ONLY": "other/test_x.py::test_present"})
    assert not filter_cannot_match(argv, {"TESTBRIDGE_TEST_ONLY": "pkg/test_one.py::test_whatever"})


def test_without_filter_manifest_or_with_a_users_own_k_pytest_decides(tmp_path):
    manifest = write_sample(tmp_path)
    assert not filter_cannot_match([f"{MANIFEST_ARG}{manifest}"], {})
    assert not filter_cannot_match([], {"TESTBRIDGE_TEST_ONLY": "test_absent"})
    assert not filter_cannot_match([f"{MANIFEST_ARG}{manifest}", "-k", "x"], {"TESTBRIDGE_TEST_ONLY": "test_absent"})


def test_unreadable_or_foreign_manifest_leaves_the_decision_to_pytest(tmp_path):
    foreign = tmp_path / "names.json"
    foreign.write_text(json.dumps({"version": 999, "files": [], "tests": []}))
    environment = {"TESTBRIDGE_TEST_ONLY": "test_absent"}
    assert not filter_cannot_match([f"{MANIFEST_ARG}{foreign}"], environment)
    assert not filter_cannot_match([f"{MANIFEST_ARG}{tmp_path / 'missing.json'}"], environment)
