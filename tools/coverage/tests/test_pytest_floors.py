import pytest
from coverage import CoverageData

from tools.coverage.build_policy import ModulePolicy, read_policy
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
)

py_library(name = "lib", srcs = glob(["*.py"]))
"""


def floors(workspace):
    policy = read_policy(str(workspace))
    return policy.modules, ModulePolicy("TOTAL", policy.total_floor, policy.total_build_file, (), ())


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


def test_module_figures_count_lines_and_branches_and_leave_tests_out(workspace):
    modules, total_floor = floors(workspace)
    files = {
        "alpha/core.py": summary(10, 9, 4, 3),
        "alpha/tests/test_core.py": summary(50, 0, 0, 0),
        "beta/io.py": summary(6, 6, 2, 2),
    }
    alpha, beta, total = module_results(files, modules, total_floor)
    assert (alpha.lines_hit, alpha.lines_found, alpha.branches_hit, alpha.branches_found) == (9, 10, 3, 4)
    assert round(alpha.percent, 2) == 85.71
    assert beta.percent == 100.0
    assert (total.lines_found, total.branches_found) == (16, 6)


def test_module_under_its_floor_fails_naming_its_figure_and_build_file(workspace):
    results = module_results({"alpha/core.py": summary(10, 8, 0, 0)}, *floors(workspace))
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
