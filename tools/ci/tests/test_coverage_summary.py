import json

import pytest

from tools.ci.coverage_summary import ModuleFigure, load_summary, parse_summary
from tools.ci.errors import SummaryError


def test_generator_rows_become_figures_by_module():
    text = json.dumps([{"module": "d1", "percent": 97.5, "floor": 90, "lines_found": 3, "passed": True}])
    assert parse_summary(text, "s.json") == {"d1": ModuleFigure("d1", 97.5, 90.0)}


def test_row_without_percent_is_an_error_naming_file_and_row():
    with pytest.raises(SummaryError, match=r"s.json: row 1 lacks"):
        parse_summary(json.dumps([{"module": "a", "percent": 1, "floor": 1}, {"module": "b"}]), "s.json")


def test_non_json_summary_is_an_error_naming_the_file():
    with pytest.raises(SummaryError, match="s.json: not JSON"):
        parse_summary("{", "s.json")


def test_summary_that_is_not_a_list_is_rejected():
    with pytest.raises(SummaryError, match="expected a list"):
        parse_summary("{}", "s.json")


def test_missing_summary_file_is_an_error_naming_the_path(tmp_path):
    with pytest.raises(SummaryError, match="absent.json"):
        load_summary(str(tmp_path / "absent.json"))
