"""The setup.cfg the engine writes for mutmut, read back the way mutmut reads it (configparser)."""

import configparser

from tools.mutation.engine_cli import mutmut_config

HOSTILE_NODE_IDS = [
    "lead_explorer/tests/test_repository.py::test_search[100%-expected1]",
    "lead_explorer/tests/test_repository.py::test_search[%(home)s-expected2]",
    "lead_explorer/tests/test_repository.py::test_search[\\\\-expected3]",
    "lead_explorer/tests/test_repository.py::test_search[a;b #c-expected4]",
]


def _read(text: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser()
    parser.read_string(text)
    return parser["mutmut"]


def test_node_ids_with_percent_signs_reach_mutmut_unchanged_when_read_back():
    section = _read(mutmut_config("lead_explorer", "lead_explorer/records.py", HOSTILE_NODE_IDS))
    assert section["pytest_add_cli_args_test_selection"].split("\n")[1:] == HOSTILE_NODE_IDS


def test_the_file_and_module_to_mutate_are_read_back_as_given():
    section = _read(mutmut_config("d1_targeting", "d1_targeting/priority.py", ["t.py::test_a"]))
    assert (section["source_paths"], section["only_mutate"]) == ("d1_targeting", "d1_targeting/priority.py")


def test_pytest_reads_the_repository_config_without_its_own_cache_or_random_order():
    section = _read(mutmut_config("d1_targeting", "d1_targeting/priority.py", ["t.py::test_a"]))
    arguments = section["pytest_add_cli_args"].split("\n")[1:]
    assert arguments[:2] == ["-c", "pytest.ini"]
    assert {"no:randomly", "no:cacheprovider"} <= set(arguments)
    assert section["also_copy"].split("\n")[1:] == ["pytest.ini"]
