"""tools/bazel's --test_filter narrowing: which targets are left out, and that any doubt keeps a target."""

import os
import stat

from tools.pytest_runner.filter_targets import (
    ManifestRule,
    main,
    manifest_rules,
    query_expression,
    source_path,
    unmatched_targets,
)

QUERY_XML = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<query version="2">
  <rule class="genrule" location="/w/pkg/tests/BUILD.bazel:3:15" name="//pkg/tests:geo_test_test_names">
    <list name="srcs"><label value="//pkg/tests:test_geo.py"/><label value="//pkg/tests:conftest.py"/></list>
    <list name="tools"><label value="//tools/pytest_runner:name_manifest"/></list>
  </rule>
  <rule class="genrule" location="/w/pkg/BUILD.bazel:9:8" name="//pkg:schema_test_names">
    <list name="srcs"><label value="//pkg:schema.py"/></list>
    <list name="tools"><label value="//tools:codegen"/></list>
  </rule>
  <rule class="py_test" location="/w/pkg/tests/BUILD.bazel:3:15" name="//pkg/tests:geo_test"/>
</query>
"""


def _workspace(tmp_path):
    tests = tmp_path / "pkg" / "tests"
    tests.mkdir(parents=True)
    (tests / "test_geo.py").write_text("def test_zip_in_state():\n    assert True\n", encoding="utf-8")
    (tests / "conftest.py").write_text("import pytest\n", encoding="utf-8")
    (tests / "test_open.py").write_text(
        "import pytest\n\nVALUES = make()\n\n@pytest.mark.parametrize('v', VALUES)\ndef test_value(v):\n    pass\n",
        encoding="utf-8",
    )
    return tmp_path


def test_manifest_rules_are_the_genrules_running_the_manifest_tool_named_after_their_test():
    assert manifest_rules(QUERY_XML) == [
        ManifestRule(test="//pkg/tests:geo_test", srcs=("//pkg/tests:test_geo.py", "//pkg/tests:conftest.py"))
    ]


def test_source_path_is_the_workspace_file_of_a_main_repository_label_when_it_exists(tmp_path):
    workspace = _workspace(tmp_path)
    assert source_path("//pkg/tests:test_geo.py", str(workspace)) == "pkg/tests/test_geo.py"
    assert source_path("//pkg/tests:generated_test.py", str(workspace)) is None
    assert source_path("@other//pkg:test_geo.py", str(workspace)) is None


def test_target_is_left_out_when_the_filter_names_none_of_its_tests(tmp_path):
    rules = [ManifestRule("//pkg/tests:geo_test", ("//pkg/tests:test_geo.py",))]
    assert unmatched_targets(rules, "test_absent", str(_workspace(tmp_path))) == ["//pkg/tests:geo_test"]
    assert unmatched_targets(rules, "test_zip_in_state", str(tmp_path)) == []
    assert unmatched_targets(rules, "zip_in and not absent", str(tmp_path)) == []


def test_node_id_filter_leaves_out_only_the_targets_without_its_file(tmp_path):
    rules = [ManifestRule("//pkg/tests:geo_test", ("//pkg/tests:test_geo.py",))]
    workspace = str(_workspace(tmp_path))
    assert unmatched_targets(rules, "pkg/tests/test_geo.py::test_anything", workspace) == []
    assert unmatched_targets(rules, "pkg/tests/test_other.py::test_zip_in_state", workspace) == ["//pkg/tests:geo_test"]


def test_target_is_kept_when_its_test_names_are_known_only_after_collection(tmp_path):
    rules = [ManifestRule("//pkg/tests:open_test", ("//pkg/tests:test_open.py",))]
    assert unmatched_targets(rules, "test_absent", str(_workspace(tmp_path))) == []


def test_target_is_kept_when_a_source_is_generated_or_missing(tmp_path):
    rules = [ManifestRule("//pkg/tests:geo_test", ("//pkg/tests:test_geo.py", "//pkg/tests:test_gen.py"))]
    assert unmatched_targets(rules, "test_absent", str(_workspace(tmp_path))) == []


def test_query_expression_keeps_the_order_of_included_and_excluded_patterns():
    assert query_expression(["//...", "-//tools/...", "//extra:all"]) == (
        'kind(genrule, filter("_test_names$", ((//... - //tools/...) + //extra:all)))'
    )
    assert query_expression(["-//tools/..."]) == ""


def _fake_bazel(tmp_path, body):
    bazel = tmp_path / "bazel"
    bazel.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    bazel.chmod(bazel.stat().st_mode | stat.S_IXUSR)
    return str(bazel)


def test_command_prints_the_targets_to_leave_out_from_the_query_answer(tmp_path, capsys):
    workspace = _workspace(tmp_path)
    answer = tmp_path / "answer.xml"
    answer.write_text(QUERY_XML, encoding="utf-8")
    bazel = _fake_bazel(tmp_path, f'echo "$*" > {tmp_path}/args; cat {answer}')
    code = main(
        [
            "--bazel",
            bazel,
            "--startup=--output_base=/ob",
            "--workspace",
            str(workspace),
            "--filter",
            "nope",
            "--",
            "//...",
        ]
    )
    assert code == 0
    assert capsys.readouterr().out == "//pkg/tests:geo_test\n"
    assert (tmp_path / "args").read_text().startswith("--output_base=/ob query --output=xml")


def test_command_prints_nothing_when_the_query_fails(tmp_path, capsys):
    bazel = _fake_bazel(tmp_path, "echo 'ERROR: no such package' >&2; exit 7")
    assert main(["--bazel", bazel, "--workspace", str(_workspace(tmp_path)), "--filter", "nope", "--", "//..."]) == 0
    assert capsys.readouterr().out == ""


def test_command_prints_nothing_when_the_query_answer_is_not_xml(tmp_path, capsys):
    bazel = _fake_bazel(tmp_path, "echo 'Loading: 0 packages'")
    assert main(["--bazel", bazel, "--workspace", str(_workspace(tmp_path)), "--filter", "nope", "--", "//..."]) == 0
    assert capsys.readouterr().out == ""
    assert os.path.isdir(tmp_path / "pkg")
