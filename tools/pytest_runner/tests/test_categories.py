import pytest

from tools.pytest_runner.bazel_plugin import CATEGORY_ENV

pytest_plugins = ["pytester"]

BUILD = """py_pytest_test(
    name = "a_test",
    srcs = ["test_a.py"],
    category = "integration",
)

[
    py_pytest_test(
        name = area + "_test",
        srcs = ["conftest.py", "test_%s.py" % area],
        category = "e2e",
    )
    for area in ["b"]
]
"""


@pytest.fixture
def package(pytester, monkeypatch):
    monkeypatch.delenv(CATEGORY_ENV, raising=False)
    pytester.makefile(".bazel", BUILD=BUILD)
    pytester.makepyfile(test_a="def test_one():\n    pass\n", test_b="def test_two():\n    pass\n")
    return pytester


def run(pytester, *args):
    return pytester.runpytest("-p", "tools.pytest_runner.categories", "-p", "no:randomly", *args)


def test_tests_carry_the_category_their_build_file_gives_their_target(package):
    result = run(package, "-m", "integration", "-v")
    result.assert_outcomes(passed=1, deselected=1)
    result.stdout.fnmatch_lines(["*test_a.py::test_one PASSED*"])


def test_not_e2e_deselects_the_e2e_targets_tests(package):
    result = run(package, "-m", "not e2e", "-v")
    result.assert_outcomes(passed=1, deselected=1)
    result.stdout.no_fnmatch_line("*test_b.py::test_two*")


def test_category_from_the_runner_wins_under_bazel(package, monkeypatch):
    monkeypatch.setenv(CATEGORY_ENV, "unit")
    run(package, "-m", "unit").assert_outcomes(passed=2)


def test_a_marker_that_contradicts_the_targets_category_is_a_collection_error(package):
    package.makepyfile(test_a="import pytest\n\n@pytest.mark.unit\ndef test_one():\n    pass\n")
    result = run(package)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*test_a.py::test_one is marked unit but its target's category is integration*"])


def test_a_test_file_in_no_target_is_a_collection_error_naming_it(package):
    package.makepyfile(test_orphan="def test_three():\n    pass\n")
    result = run(package)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*test_orphan.py is in no py_pytest_test target*"])


def test_a_target_without_a_known_category_is_named_with_its_line(package):
    package.makefile(
        ".bazel", BUILD='py_pytest_test(\n    name = "a_test",\n    srcs = ["test_a.py"],\n    category = "smoke",\n)\n'
    )
    result = run(package, str(package.path / "test_a.py"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*BUILD.bazel:1: py_pytest_test 'a_test' needs a literal srcs list and category*"])


def test_an_unknown_category_from_the_runner_is_refused(package, monkeypatch):
    monkeypatch.setenv(CATEGORY_ENV, "smoke")
    result = run(package)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*LEADFACTORY_TEST_CATEGORY='smoke' is not one of unit, integration, e2e*"])
