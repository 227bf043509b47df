import pytest

from tools.ci.affected_tests import QueryError, compare, file_label, targets_using


@pytest.fixture
def workspace(tmp_path):
    (tmp_path / "mod" / "sub").mkdir(parents=True)
    (tmp_path / "mod" / "BUILD.bazel").write_text("")
    (tmp_path / "mod" / "sub" / "x.py").write_text("")
    return tmp_path


def test_a_files_label_names_the_nearest_package_above_it(workspace):
    assert file_label("mod/sub/x.py", str(workspace)) == "//mod:sub/x.py"


def test_a_file_in_no_package_is_refused(workspace):
    with pytest.raises(QueryError, match="loose.py is in no Bazel package"):
        file_label("loose.py", str(workspace))


def test_targets_using_a_file_are_those_whose_runfiles_list_it(tmp_path):
    (tmp_path / "mod").mkdir()
    (tmp_path / "mod" / "a_test.runfiles_manifest").write_text("leadfactory/mod/x.py /src/mod/x.py\n")
    (tmp_path / "mod" / "b_test.runfiles_manifest").write_text("leadfactory/mod/x.pyc /src/mod/x.pyc\n")
    assert targets_using("mod/x.py", ["//mod:a_test", "//mod:b_test"], str(tmp_path)) == {"//mod:a_test"}


def test_a_test_that_was_not_built_is_reported(tmp_path):
    with pytest.raises(QueryError, match=r"no runfiles manifest for //mod:a_test .*build the tests first"):
        targets_using("mod/x.py", ["//mod:a_test"], str(tmp_path))


def test_false_and_missing_edges_are_each_named():
    assert compare("m/x.py", {"//a:t", "//b:t"}, {"//b:t", "//c:t"}) == [
        "m/x.py: query names //a:t, which does not depend on it (false edge)",
        "m/x.py: query misses //c:t, which reruns when it changes",
    ]
    assert compare("m/x.py", {"//b:t"}, {"//b:t"}) == []
