"""tools/bazel's --test_filter narrowing: which targets are left out, and that any doubt keeps a target."""

import json
import os
import stat

import pytest

from tools.pytest_runner.filter_targets import (
    ManifestRule,
    collected_manifests,
    collected_unmatched,
    main,
    manifest_rules,
    narrow,
    query_expression,
    source_path,
    unmatched_targets,
)
from tools.pytest_runner.name_manifest import read_manifest_files

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


def test_open_target_is_left_for_collection_to_settle_only_when_the_filter_has_no_not(tmp_path):
    rules = [
        ManifestRule("//pkg/tests:open_test", ("//pkg/tests:test_open.py",)),
        ManifestRule("//pkg/tests:geo_test", ("//pkg/tests:test_geo.py",)),
    ]
    workspace = str(_workspace(tmp_path))
    assert narrow(rules, "test_absent", workspace).unsettled == ["//pkg/tests:open_test"]
    assert narrow(rules, "test_absent or test_zip", workspace).unsettled == ["//pkg/tests:open_test"]
    assert narrow(rules, "test_value and not slow", workspace).unsettled == []
    assert narrow(rules, "pkg/tests/test_open.py::test_value", workspace).unsettled == []


def test_target_whose_sources_already_hold_a_match_is_not_collected(tmp_path):
    rules = [ManifestRule("//pkg/tests:open_test", ("//pkg/tests:test_open.py",))]
    narrowing = narrow(rules, "test_value", str(_workspace(tmp_path)))
    assert (narrowing.unmatched, narrowing.unsettled) == ([], [])


def _events(*events):
    return "\n".join(json.dumps(event) for event in events) + "\n"


def _completed(label, set_id, success=True):
    return {
        "id": {"targetCompleted": {"label": label}},
        "completed": {"success": success, "outputGroup": [{"name": "default", "fileSets": [{"id": set_id}]}]},
    }


def _file_set(set_id, *paths):
    files = [{"name": os.path.basename(path), "uri": f"file://{path}"} for path in paths]
    return {"id": {"namedSet": {"id": set_id}}, "namedSetOfFiles": {"files": files}}


def test_collected_manifests_are_read_from_the_build_events_of_completed_collection_targets(tmp_path):
    built = tmp_path / "open_test.collected_names.json"
    built.write_text("{}", encoding="utf-8")
    events = _events(
        _file_set("0", str(built)),
        _completed("//pkg/tests:open_test_collected_names", "0"),
        _file_set("1", str(tmp_path / "missing.json")),
        _completed("//pkg/tests:gone_test_collected_names", "1"),
        _completed("//pkg/tests:failed_test_collected_names", "0", success=False),
        _completed("//pkg/tests:open_test_test_names", "0"),
        {"id": {"progress": {}}, "progress": {}},
    )
    assert collected_manifests(events) == {"//pkg/tests:open_test": str(built)}


def _collected(tmp_path, name, tests):
    path = tmp_path / name
    manifest = {"version": 1, "collected": True, "files": ["pkg/tests/test_open.py"], "tests": tests}
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return str(path)


def test_collected_manifest_leaves_out_a_target_only_when_no_collected_test_matches(tmp_path):
    names = {"names": ["pkg", "tests", "test_open.py", "test_value[0]", "test_value[1]"], "open": False, "maybe": []}
    unfinished = {"names": [], "open": True, "maybe": []}
    manifests = {
        "//pkg/tests:open_test": _collected(tmp_path, "a.json", [names]),
        "//pkg/tests:broken_test": _collected(tmp_path, "b.json", [unfinished]),
        "//pkg/tests:unreadable_test": str(tmp_path / "absent.json"),
    }
    assert collected_unmatched(manifests, "test_absent") == ["//pkg/tests:open_test"]
    assert collected_unmatched(manifests, "test_value[1") == []


def test_command_builds_the_collected_manifests_with_the_test_commands_options(tmp_path, capsys):
    workspace = _workspace(tmp_path)
    answer = tmp_path / "answer.xml"
    answer.write_text(
        '<query version="2"><rule class="genrule" name="//pkg/tests:open_test_test_names">'
        '<list name="srcs"><label value="//pkg/tests:test_open.py"/></list>'
        '<list name="tools"><label value="//tools/pytest_runner:name_manifest"/></list></rule></query>',
        encoding="utf-8",
    )
    manifest = _collected(tmp_path, "open.json", [{"names": ["test_value[0]"], "open": False, "maybe": []}])
    events = tmp_path / "events.json"
    events.write_text(_events(_file_set("0", manifest), _completed("//pkg/tests:open_test_collected_names", "0")))
    bazel = _fake_bazel(
        tmp_path,
        f'if [ "$2" = query ]; then cat {answer}; exit 0; fi\n'
        f'echo "$*" > {tmp_path}/test_args\n'
        f'for arg; do case "$arg" in --build_event_json_file=*) cp {events} "${{arg#*=}}";; esac; done\n'
        "echo 'ERROR: No test targets were found, yet testing was requested' >&2; exit 4",
    )
    code = main(
        [
            "--bazel",
            bazel,
            "--startup=--output_base=/ob",
            "--option=--config=ci",
            "--option=--test_filter=test_absent",
            "--workspace",
            str(workspace),
            "--filter",
            "test_absent",
            "--",
            "//...",
        ]
    )
    assert code == 0
    captured = capsys.readouterr()
    assert captured.out == "//pkg/tests:open_test\n"
    assert "1 test target(s) name their tests only when collected" in captured.err
    test_args = (tmp_path / "test_args").read_text().split()
    assert test_args[:4] == ["--output_base=/ob", "test", "--config=ci", "--test_filter=test_absent"]
    assert {"--nobuild_tests_only", "--keep_going"} <= set(test_args)
    assert test_args[-2:] == ["--", "//pkg/tests:open_test_collected_names"]


BUILT = "tools/pytest_runner/tests/fixture_times_test"
"""A real target whose manifests this test's data holds (BUILD.bazel): from its source and from collection."""


@pytest.mark.skipif(not os.path.exists(BUILT + ".collected_names.json"), reason="reads manifests Bazel builds")
def test_build_collects_every_test_the_source_manifest_names_with_its_category_marker():
    files, collected = read_manifest_files(BUILT + ".collected_names.json")
    source_files, from_source = read_manifest_files(BUILT + ".test_names.json")
    assert files == source_files == {"tools/pytest_runner/tests/test_fixture_times.py"}
    assert len(collected) == len(from_source) > 0
    assert not any(test.open for test in collected)
    for test in from_source:
        assert any(set(test.names) <= set(found.names) for found in collected), test.names
    assert all("unit" in test.names for test in collected)


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
