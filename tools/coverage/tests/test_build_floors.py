import pytest
from coverage import CoverageData

from tools.coverage.build_floors import BuildFloorsError, Floor, read_floors
from tools.coverage.pytest_floors import failures, main, module_results

ROOT_BUILD = """load("//tools/coverage:floors.bzl", "coverage_policy")

coverage_policy(
    name = "coverage_policy",
    modules = [
        "//alpha:coverage_floor",
        "//beta:coverage_floor",
    ],
    total_floor = 80,
)
"""


def module_build(floor="90"):
    return f"""load("//tools/coverage:floors.bzl", "coverage_floor")

coverage_floor(
    name = "coverage_floor",
    floor = {floor},
    srcs = [":lib"],
)

py_library(name = "lib", srcs = glob(["*.py"]))
"""


@pytest.fixture
def workspace(tmp_path):
    (tmp_path / "BUILD.bazel").write_text(ROOT_BUILD)
    for module, floor in (("alpha", "90"), ("beta", "75")):
        (tmp_path / module).mkdir()
        (tmp_path / module / "BUILD.bazel").write_text(module_build(floor))
    return tmp_path


def summary(statements, covered, branches, covered_branches):
    return {
        "summary": {
            "num_statements": statements,
            "covered_lines": covered,
            "num_branches": branches,
            "covered_branches": covered_branches,
        }
    }


def test_floors_are_read_from_each_modules_build_file_in_the_policys_order(workspace):
    floors = read_floors(workspace)
    assert floors.modules == (Floor("alpha", 90.0, "alpha/BUILD.bazel"), Floor("beta", 75.0, "beta/BUILD.bazel"))
    assert floors.total == Floor("TOTAL", 80.0, "BUILD.bazel")


def test_module_without_a_coverage_floor_is_named_with_its_build_file(workspace):
    (workspace / "beta" / "BUILD.bazel").write_text('py_library(name = "lib")\n')
    with pytest.raises(BuildFloorsError, match="beta/BUILD.bazel: expected one coverage_floor named 'coverage_floor'"):
        read_floors(workspace)


def test_floor_out_of_range_is_rejected_naming_the_value(workspace):
    (workspace / "alpha" / "BUILD.bazel").write_text(module_build("120"))
    with pytest.raises(BuildFloorsError, match="alpha/BUILD.bazel: floor must be a number between 0 and 100, got 120"):
        read_floors(workspace)


def test_floor_given_by_an_expression_is_rejected_with_its_line(workspace):
    (workspace / "alpha" / "BUILD.bazel").write_text(module_build("FLOOR"))
    with pytest.raises(BuildFloorsError, match="alpha/BUILD.bazel:5: floor must be a literal"):
        read_floors(workspace)


def test_missing_module_build_file_is_named(workspace):
    (workspace / "beta" / "BUILD.bazel").unlink()
    with pytest.raises(BuildFloorsError, match="beta/BUILD.bazel: cannot be read"):
        read_floors(workspace)


def test_label_that_is_not_a_label_is_rejected(workspace):
    (workspace / "BUILD.bazel").write_text(ROOT_BUILD.replace("//beta:coverage_floor", "beta"))
    with pytest.raises(BuildFloorsError, match="'beta' is not a label"):
        read_floors(workspace)


def test_build_file_that_is_not_starlark_is_named_with_its_line(workspace):
    (workspace / "BUILD.bazel").write_text("coverage_policy(\n")
    with pytest.raises(BuildFloorsError, match=r"BUILD.bazel:1: not valid Starlark"):
        read_floors(workspace)


def test_module_figures_count_lines_and_branches_and_leave_tests_out(workspace):
    floors = read_floors(workspace)
    files = {
        "alpha/core.py": summary(10, 9, 4, 3),
        "alpha/tests/test_core.py": summary(50, 0, 0, 0),
        "beta/io.py": summary(6, 6, 2, 2),
    }
    alpha, beta, total = module_results(files, floors.modules, floors.total)
    assert (alpha.lines_hit, alpha.lines_found, alpha.branches_hit, alpha.branches_found) == (9, 10, 3, 4)
    assert round(alpha.percent, 2) == 85.71
    assert beta.percent == 100.0
    assert (total.lines_found, total.branches_found) == (16, 6)


def test_module_under_its_floor_fails_naming_its_figure_and_build_file(workspace):
    floors = read_floors(workspace)
    results = module_results({"alpha/core.py": summary(10, 8, 0, 0)}, floors.modules, floors.total)
    assert failures(results) == [
        "coverage FAILED: alpha is at 80.00%, under its floor of 90% (set in alpha/BUILD.bazel)"
    ]


def test_run_without_coverage_data_exits_2_saying_what_to_run(workspace, capsys):
    assert main(["--workspace", str(workspace)]) == 2
    assert "run `pytest -n 2 --cov` first" in capsys.readouterr().err


def test_measured_run_prints_the_table_and_fails_under_a_floor(workspace, monkeypatch, capsys):
    (workspace / "alpha" / "core.py").write_text("def f(x):\n    y = x\n    z = y\n    return z\n")
    (workspace / "beta" / "io.py").write_text("VALUE = 1\n")
    (workspace / ".coveragerc").write_text("[run]\nsource =\n    alpha\n    beta\n")
    for worker, lines in (("gw0", [1, 2]), ("gw1", [1, 3])):  # one data file per process, combined by main
        data = CoverageData(basename=str(workspace / ".coverage"), suffix=worker)
        data.add_lines({str(workspace / "alpha" / "core.py"): lines})
        data.touch_file(str(workspace / "beta" / "io.py"))  # as coverage records a file no test imports
        data.write()
    monkeypatch.chdir(workspace)
    assert main(["--workspace", str(workspace)]) == 1
    out, err = capsys.readouterr()
    assert "alpha                      3/4           0/0   75.00%     90%  FAIL" in out
    assert "beta                       0/1           0/0    0.00%     75%  FAIL" in out
    assert "coverage FAILED: alpha is at 75.00%, under its floor of 90% (set in alpha/BUILD.bazel)" in err
