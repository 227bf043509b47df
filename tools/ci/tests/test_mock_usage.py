import json

import pytest

from tools.ci.mock_usage import FLOOR, OUTCOMES, MockUsageError, collect, format_markdown, main, to_json
from tools.ci.tests.testlogs_tree import write_outputs

DECLARED = {"places": {"find": ["GET", "/find"]}, "mail": {"send": ["POST", "/send"]}}


def records(target, cells, declared=DECLARED):
    """A mock_usage.json as testing/mock_usage.py writes it; cells are (provider, operation, outcome, tests)."""
    return {
        "mock_usage.json": {
            "version": 1,
            "target": target,
            "declared": declared,
            "cells": [{"provider": p, "operation": o, "outcome": c, "tests": list(t)} for p, o, c, t in cells],
        }
    }


A, B = "//a/tests:a_test", "//b/tests:b_test"
COMPLETE = [
    ("places", "find", "success", ["a::1", "a::2"]),
    ("places", "find", "rate_limited", ["a::3"]),
    ("places", "find", "timeout", ["a::4"]),
    ("mail", "send", "success", ["a::5"]),
    ("mail", "send", "client_error", ["a::6"]),
]


@pytest.fixture
def testlogs(tmp_path):
    write_outputs(tmp_path, A, records(A, COMPLETE))
    write_outputs(
        tmp_path, B, records(B, [("mail", "send", "server_error", ["b::1"]), ("places", "find", "success", ["b::2"])])
    )
    return tmp_path


def test_the_floor_classes_group_the_outcomes_as_documented():
    assert FLOOR == {
        "success": ("success",),
        "client error": ("client_error", "rate_limited"),
        "server error or timeout": ("server_error", "timeout", "connection_error"),
    }


def test_tests_reaching_a_cell_are_counted_across_targets(testlogs):
    matrix, missing = collect(str(testlogs), [A, B])
    assert missing == []
    assert matrix.tests("places", "find", "success") == 3
    assert to_json(matrix)["matrix"]["mail"]["send"] == {
        o: int(o in ("success", "client_error", "server_error")) for o in OUTCOMES
    }


def test_the_same_test_in_two_shards_counts_once(tmp_path):
    write_outputs(tmp_path, A, records(A, [("places", "find", "success", ["a::1"])]), part="shard_1_of_2")
    write_outputs(tmp_path, A, records(A, [("places", "find", "success", ["a::1", "a::2"])]), part="shard_2_of_2")
    matrix, _ = collect(str(tmp_path), [A])
    assert matrix.tests("places", "find", "success") == 2


def test_floor_is_met_when_every_operation_has_each_class(testlogs):
    matrix, _ = collect(str(testlogs), [A, B])
    assert matrix.floor_gaps() == []


def test_floor_names_each_operation_and_missing_class(testlogs):
    matrix, _ = collect(str(testlogs), [A])
    assert matrix.floor_gaps() == [("mail", "send", "server error or timeout")]


def test_unreached_lists_every_empty_cell_of_declared_operations(testlogs):
    matrix, _ = collect(str(testlogs), [A, B])
    unreached = matrix.unreached()
    assert ("places", "find", "server_error") in unreached and ("mail", "send", "timeout") in unreached
    assert ("places", "find", "timeout") not in unreached
    assert len(unreached) == 2 * len(OUTCOMES) - 6


def test_operations_of_test_local_mocks_are_reported_but_not_judged(tmp_path):
    write_outputs(tmp_path, A, records(A, COMPLETE + [("example", "GET /items", "success", ["a::9"])]))
    matrix, _ = collect(str(tmp_path), [A])
    assert matrix.undeclared() == [("example", "GET /items")]
    assert all(gap[0] != "example" for gap in matrix.floor_gaps())


def test_no_declared_operation_in_any_target_is_an_error(tmp_path):
    with pytest.raises(MockUsageError, match="no mock_usage.json declaring any provider operation"):
        collect(str(tmp_path), [A])


def test_a_malformed_record_is_refused_naming_the_target(tmp_path):
    write_outputs(tmp_path, A, {"mock_usage.json": {"declared": {}, "cells": [{"provider": "p"}]}})
    with pytest.raises(MockUsageError, match=f"{A}: mock_usage.json is not in testing/mock_usage.py's format"):
        collect(str(tmp_path), [A])


def test_markdown_shows_counts_and_dots_for_unreached_cells(testlogs):
    matrix, missing = collect(str(testlogs), [A, B])
    markdown = format_markdown(matrix, missing)
    assert "| places | find | 3 | · | 1 | · | 1 | · | · | · |" in markdown
    assert "- met by every declared operation" in markdown
    assert "- mail send: timeout" in markdown


def test_cli_fails_naming_the_uncovered_cell_and_still_writes_the_report(testlogs, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["--testlogs", str(testlogs), "--out", str(out), A]) == 1
    err = capsys.readouterr().err
    assert (
        "mock_usage: FLOOR: mail send: no test exercises a server error or timeout "
        "(server_error / timeout / connection_error) through testing/mocks" in err
    )
    assert json.loads((out / "mock_usage.json").read_text())["floor_gaps"] == [
        {"provider": "mail", "operation": "send", "class": "server error or timeout"}
    ]
    assert "- FAIL: mail send" in (out / "mock_usage.md").read_text()


def test_cli_passes_and_summarises_when_the_floor_is_met(testlogs, tmp_path, capsys):
    assert main(["--testlogs", str(testlogs), "--out", str(tmp_path / "r"), A, B]) == 0
    assert capsys.readouterr().out.startswith(
        "mock_usage: 2 operations of 2 providers; 6 of 16 cells reached by a test;"
    )


def test_cli_exits_2_without_records(tmp_path, capsys):
    assert main(["--testlogs", str(tmp_path), "--out", str(tmp_path / "r"), A]) == 2
    assert "mock_usage: no mock_usage.json" in capsys.readouterr().err
