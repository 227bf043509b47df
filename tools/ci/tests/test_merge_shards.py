import pytest

from tools.ci.errors import ShardError
from tools.ci.merge_shards import ShardBundle, check_partition, merge_testlogs, read_bundle

A_TEST, A2_TEST, B_TEST = "//mod_a/tests:core_test", "//mod_a/tests:more_test", "//mod_b/tests:io_test"
ALL = [A_TEST, A2_TEST, B_TEST]


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_malformed_bundle_is_refused_naming_its_file(tmp_path):
    write(tmp_path / "shard.json", '{"shard": 1}')
    with pytest.raises(ShardError, match=r"shard\.json: not a shard bundle"):
        read_bundle(str(tmp_path))


def bundle(index, count, labels, all_labels=tuple(ALL)):
    return ShardBundle(f"shard-{index}", index, count, tuple(labels), tuple(all_labels))


def test_partition_check_returns_every_label_when_shards_cover_the_run_once():
    assert check_partition([bundle(1, 2, [A_TEST, B_TEST]), bundle(2, 2, [A2_TEST])]) == sorted(ALL)


def test_partition_check_refuses_a_target_run_by_two_shards():
    with pytest.raises(ShardError, match="ran in shard 1 and in shard 2"):
        check_partition([bundle(1, 2, [A_TEST, B_TEST]), bundle(2, 2, [A2_TEST, A_TEST])])


def test_partition_check_refuses_a_shard_given_twice():
    with pytest.raises(ShardError, match=r"missing \[2\], repeated \[1\]"):
        check_partition([bundle(1, 2, ALL), bundle(1, 2, [])])


def test_partition_check_refuses_bundles_of_another_run():
    with pytest.raises(ShardError, match="not of the same run"):
        check_partition([bundle(1, 2, [A_TEST, B_TEST]), bundle(2, 2, [A2_TEST], [A2_TEST])])


def test_partition_check_refuses_shards_that_left_a_target_out():
    with pytest.raises(ShardError, match=r"in no shard \['//mod_b/tests:io_test'\]"):
        check_partition([bundle(1, 2, [A_TEST]), bundle(2, 2, [A2_TEST])])


def test_partition_check_refuses_nothing_to_merge():
    with pytest.raises(ShardError, match="no shard bundles"):
        check_partition([])


def test_merged_testlogs_replace_an_earlier_merge(tmp_path):
    write(tmp_path / "merged" / "stale" / "old_test" / "test.xml", "<old/>")
    reports = merge_testlogs([], str(tmp_path / "merged"))
    assert reports == []
    assert not (tmp_path / "merged" / "stale").exists()
