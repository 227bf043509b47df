import pytest

from tools.coverage.build_policy import PolicyError, read_policy


@pytest.fixture
def workspace(tmp_path):
    (tmp_path / "WORKSPACE").write_text('workspace(name = "t")\n')
    (tmp_path / "BUILD.bazel").write_text(
        'load("//tools/coverage:floors.bzl", "coverage_policy")\n\n'
        "coverage_policy(\n"
        '    name = "coverage_policy",\n'
        '    modules = ["//mod_a:coverage_floor", "//mod_b"],\n'
        "    total_floor = 80,\n"
        ")\n"
    )
    for module, floor in (("mod_a", 90), ("mod_b", 75)):
        (tmp_path / module / "tests").mkdir(parents=True)
        name = "coverage_floor" if module == "mod_a" else module
        (tmp_path / module / "BUILD.bazel").write_text(
            f'coverage_floor(\n    name = "{name}",\n    floor = {floor},\n    srcs = [":{module}"],\n)\n'
        )
        (tmp_path / module / "__init__.py").write_text("")
        (tmp_path / module / "core.py").write_text("X = 1\n")
        (tmp_path / module / "tests" / "test_core.py").write_text("def test_x():\n    assert True\n")
    (tmp_path / "mod_a" / "sub").mkdir()
    (tmp_path / "mod_a" / "sub" / "deep.py").write_text("Y = 2\n")
    (tmp_path / "mod_a" / "tests" / "BUILD.bazel").write_text(
        'load("//tools/pytest_runner:defs.bzl", "py_pytest_test")\n\n'
        'py_pytest_test(\n    name = "core_test",\n    srcs = ["test_core.py"],\n)\n\n'
        'py_pytest_test(\n    name = "more_test",\n    srcs = ["test_more.py"],\n)\n\n'
        'py_library(\n    name = "not_a_test",\n    srcs = ["kit.py"],\n)\n'
    )
    return tmp_path


def test_floors_are_read_from_each_modules_build_file(workspace):
    policy = read_policy(str(workspace))
    assert [(m.module, m.floor, m.build_file) for m in policy.modules] == [
        ("mod_a", 90.0, "mod_a/BUILD.bazel"),
        ("mod_b", 75.0, "mod_b/BUILD.bazel"),
    ]
    assert (policy.total_floor, policy.total_build_file) == (80.0, "BUILD.bazel")


def test_module_sources_are_its_python_files_outside_tests_folders(workspace):
    mod_a = read_policy(str(workspace)).modules[0]
    assert mod_a.sources == ("mod_a/__init__.py", "mod_a/core.py", "mod_a/sub/deep.py")


def test_module_test_targets_are_the_pytest_targets_under_its_folder(workspace):
    policy = read_policy(str(workspace))
    assert policy.modules[0].test_targets == ("mod_a/tests:core_test", "mod_a/tests:more_test")
    assert policy.modules[1].test_targets == ()


def test_a_module_label_without_matching_coverage_floor_is_named(workspace):
    (workspace / "mod_b" / "BUILD.bazel").write_text('coverage_floor(name = "other", floor = 75)\n')
    with pytest.raises(
        PolicyError, match=r"BUILD.bazel lists //mod_b, but mod_b/BUILD.bazel declares no coverage_floor 'mod_b'"
    ):
        read_policy(str(workspace))


def test_a_floor_that_is_not_a_literal_number_is_refused_with_the_file(workspace):
    (workspace / "mod_b" / "BUILD.bazel").write_text('coverage_floor(name = "mod_b", floor = FLOOR)\n')
    with pytest.raises(PolicyError, match=r"mod_b/BUILD.bazel: floor must be a literal number \(line 1\)"):
        read_policy(str(workspace))


def test_a_floor_above_100_is_refused(workspace):
    (workspace / "mod_b" / "BUILD.bazel").write_text('coverage_floor(name = "mod_b", floor = 101)\n')
    with pytest.raises(PolicyError, match="mod_b/BUILD.bazel: floor must be between 0 and 100, got 101"):
        read_policy(str(workspace))


def test_a_root_build_file_without_exactly_one_policy_is_refused(workspace):
    (workspace / "BUILD.bazel").write_text("")
    with pytest.raises(PolicyError, match=r"BUILD.bazel must declare exactly one coverage_policy\(...\), found 0"):
        read_policy(str(workspace))


def test_an_unparsable_build_file_names_its_line(workspace):
    (workspace / "mod_a" / "BUILD.bazel").write_text("coverage_floor(\n")
    with pytest.raises(PolicyError, match=r"mod_a/BUILD.bazel:\d+: cannot read the BUILD file"):
        read_policy(str(workspace))


def test_tested_by_adds_the_test_targets_of_the_packages_it_names(workspace):
    (workspace / "mod_b" / "BUILD.bazel").write_text(
        'coverage_floor(name = "mod_b", floor = 75, tested_by = ["//mod_a/tests"])\n'
    )
    assert read_policy(str(workspace)).modules[1].test_targets == ("mod_a/tests:core_test", "mod_a/tests:more_test")


def test_tested_by_that_is_not_a_list_of_packages_is_refused(workspace):
    (workspace / "mod_b" / "BUILD.bazel").write_text(
        'coverage_floor(name = "mod_b", floor = 75, tested_by = "mod_a")\n'
    )
    with pytest.raises(PolicyError, match=r"mod_b/BUILD.bazel: tested_by must be a literal list of packages"):
        read_policy(str(workspace))
