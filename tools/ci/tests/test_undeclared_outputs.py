import pytest

from tools.ci.tests.testlogs_tree import write_outputs
from tools.ci.undeclared_outputs import UndeclaredOutputError, read_target_outputs

LABEL = "//pkg/tests:a_test"


def test_a_file_is_read_from_the_outputs_zip(tmp_path):
    write_outputs(tmp_path, LABEL, {"x.json": {"n": 1}, "other.json": {}})
    [output] = read_target_outputs(str(tmp_path), LABEL, "x.json")
    assert (output.label, output.part, output.data) == (LABEL, "", {"n": 1})


def test_a_file_left_unzipped_is_read_too(tmp_path):
    write_outputs(tmp_path, LABEL, {"x.json": [1]}, zipped=False)
    assert [o.data for o in read_target_outputs(str(tmp_path), LABEL, "x.json")] == [[1]]


def test_each_shard_and_each_run_of_a_shard_is_read(tmp_path):
    write_outputs(tmp_path, LABEL, {"x.json": 1}, part="shard_1_of_2")
    write_outputs(tmp_path, LABEL, {"x.json": 2}, part="shard_2_of_2")
    write_outputs(tmp_path, LABEL, {"x.json": 3}, part="run_1_of_2/shard_1_of_2")
    outputs = read_target_outputs(str(tmp_path), LABEL, "x.json")
    assert [(o.part, o.data) for o in outputs] == [
        ("run_1_of_2/shard_1_of_2", 3),
        ("shard_1_of_2", 1),
        ("shard_2_of_2", 2),
    ]


def test_a_target_that_never_ran_or_wrote_no_such_file_gives_nothing(tmp_path):
    write_outputs(tmp_path, LABEL, {"other.json": {}})
    assert read_target_outputs(str(tmp_path), LABEL, "x.json") == []
    assert read_target_outputs(str(tmp_path), "//pkg/tests:never_ran", "x.json") == []


def test_a_file_that_is_not_json_is_an_error_naming_it(tmp_path):
    outputs = write_outputs(tmp_path, LABEL, {}, zipped=False)
    (outputs / "x.json").write_text("{not json")
    with pytest.raises(UndeclaredOutputError, match=r"test\.outputs: x\.json is not JSON"):
        read_target_outputs(str(tmp_path), LABEL, "x.json")


def test_a_corrupt_zip_is_an_error_naming_it(tmp_path):
    outputs = write_outputs(tmp_path, LABEL, {}, zipped=False)
    (outputs / "outputs.zip").write_bytes(b"not a zip")
    with pytest.raises(UndeclaredOutputError, match=r"outputs\.zip: not a readable zip"):
        read_target_outputs(str(tmp_path), LABEL, "x.json")
