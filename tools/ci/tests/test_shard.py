import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.ci.errors import ShardError
from tools.ci.shard import (
    DEFAULT_SECONDS,
    ShardSpec,
    main,
    parse_shard,
    partition,
    select,
    target_weights,
    write_bundle,
)

labels = st.lists(st.from_regex(r"//m[a-c]/tests:[a-z]{1,6}_test", fullmatch=True), unique=True, max_size=30)
seconds = st.floats(min_value=0, max_value=300, allow_nan=False)


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_shard_spec_is_read_as_index_of_count_when_well_formed():
    assert parse_shard("2/3") == ShardSpec(2, 3)
    assert str(parse_shard("1/1")) == "1/1"


@pytest.mark.parametrize("spec", ["0/2", "3/2", "1/0", "2", "a/b", "-1/2", "1/2/3", ""])
def test_shard_spec_is_refused_with_its_value_when_malformed_or_out_of_range(spec):
    with pytest.raises(ShardError, match="--shard"):
        parse_shard(spec)


def test_longest_targets_go_first_to_the_least_loaded_shard():
    weights = {"//a:t": 5.0, "//b:t": 4.0, "//c:t": 3.0, "//d:t": 3.0, "//e:t": 2.0, "//f:t": 1.0}
    # LPT: a->1 (5), b->2 (4), c->2 (7), d->1 (8), e->2 (9), f->1 (9)
    assert partition(weights, 2) == [["//a:t", "//d:t", "//f:t"], ["//b:t", "//c:t", "//e:t"]]


def test_partition_balances_by_test_time_not_by_name_or_count():
    weights = {"//a:slow_test": 10.0, "//b:t1": 2.0, "//c:t2": 2.0, "//d:t3": 2.0, "//e:t4": 2.0, "//f:t5": 2.0}
    assert partition(weights, 2) == [["//a:slow_test"], ["//b:t1", "//c:t2", "//d:t3", "//e:t4", "//f:t5"]]


def test_equal_times_are_split_by_label_so_every_machine_agrees():
    weights = {f"//m:t{i}": 1.0 for i in range(4)}
    assert partition(weights, 2) == [["//m:t0", "//m:t2"], ["//m:t1", "//m:t3"]]


def test_more_shards_than_targets_leaves_the_extra_shards_empty():
    assert partition({"//m:only_test": 3.0}, 3) == [["//m:only_test"], [], []]


def test_zero_shards_is_refused():
    with pytest.raises(ShardError, match="at least one shard"):
        partition({"//m:t": 1.0}, 0)


def test_target_without_a_baseline_weighs_the_baseline_median():
    weights = target_weights(["//m:known", "//m:new_test"], {"//m:known": 1.0, "//m:x": 4.0, "//m:y": 9.0})
    assert weights == {"//m:known": 1.0, "//m:new_test": 4.0}


def test_every_target_weighs_the_default_when_there_is_no_baseline():
    assert target_weights(["//m:t"], {}) == {"//m:t": DEFAULT_SECONDS}


@given(st.dictionaries(st.from_regex(r"//m:[a-z]{1,5}_test", fullmatch=True), seconds, max_size=40), st.integers(1, 6))
def test_every_target_lands_in_exactly_one_shard(weights, count):
    shards = partition(weights, count)
    assert len(shards) == count
    flat = [label for shard in shards for label in shard]
    assert sorted(flat) == sorted(weights)


@given(st.dictionaries(st.from_regex(r"//m:[a-z]{1,5}_test", fullmatch=True), seconds, min_size=1, max_size=40))
def test_no_two_shards_differ_by_more_than_the_longest_target(weights):
    totals = [sum(weights[label] for label in shard) for shard in partition(weights, 3)]
    assert max(totals) - min(totals) <= max(weights.values()) + 1e-9


@given(labels, st.integers(1, 4), st.randoms(use_true_random=False))
def test_selection_does_not_depend_on_the_order_labels_are_listed_in(names, count, random):
    baseline = {name: float(len(name)) for name in names[::2]}
    shuffled = list(names)
    random.shuffle(shuffled)
    for index in range(1, count + 1):
        spec = ShardSpec(index, count)
        assert select(names, baseline, spec) == select(shuffled, baseline, spec)


def test_bundle_keeps_junit_and_coverage_of_each_target_and_bazel_shard_in_testlogs_layout(tmp_path):
    logs = tmp_path / "testlogs"
    write(logs / "m" / "tests" / "a_test" / "test.xml", "<a/>")
    write(logs / "m" / "tests" / "a_test" / "coverage.dat", "SF:m/a.py\nend_of_record\n")
    write(logs / "m" / "tests" / "a_test" / "test.log", "log")
    write(logs / "m" / "tests" / "b_test" / "shard_2_of_2" / "test.xml", "<b2/>")
    write(logs / "m" / "tests" / "b_test" / "shard_2_of_2" / "coverage.dat", "cov2")
    out = tmp_path / "bundle"
    missing = write_bundle(
        str(logs), ShardSpec(1, 2), ["//m/tests:a_test", "//m/tests:b_test"], ["//m/tests:a_test"], str(out)
    )
    assert missing == []
    assert (out / "testlogs" / "m" / "tests" / "a_test" / "coverage.dat").read_text().startswith("SF:m/a.py")
    assert (out / "testlogs" / "m" / "tests" / "b_test" / "shard_2_of_2" / "test.xml").read_text() == "<b2/>"
    assert not (out / "testlogs" / "m" / "tests" / "a_test" / "test.log").exists()


def test_bundle_keeps_each_targets_undeclared_outputs_for_the_merged_reports(tmp_path):
    logs = tmp_path / "testlogs"
    write(logs / "m" / "tests" / "a_test" / "test.xml", "<a/>")
    write(logs / "m" / "tests" / "a_test" / "test.outputs" / "outputs.zip", "zip")
    write(logs / "m" / "tests" / "b_test" / "shard_1_of_2" / "test.xml", "<b1/>")
    write(logs / "m" / "tests" / "b_test" / "shard_1_of_2" / "test.outputs" / "mock_usage.json", "{}")
    out = tmp_path / "bundle"
    write_bundle(str(logs), ShardSpec(1, 1), ["//m/tests:a_test", "//m/tests:b_test"], ["//m/tests:a_test"], str(out))
    kept = out / "testlogs" / "m" / "tests"
    assert (kept / "a_test" / "test.outputs" / "outputs.zip").read_text() == "zip"
    assert (kept / "b_test" / "shard_1_of_2" / "test.outputs" / "mock_usage.json").read_text() == "{}"


def test_bundle_says_which_shard_of_which_run_it_holds(tmp_path):
    write_bundle(str(tmp_path), ShardSpec(2, 3), ["//m:b_test"], ["//m:c_test", "//m:b_test"], str(tmp_path / "out"))
    assert json.loads((tmp_path / "out" / "shard.json").read_text()) == {
        "shard": 2,
        "of": 3,
        "labels": ["//m:b_test"],
        "all_labels": ["//m:b_test", "//m:c_test"],
    }


def test_bundle_names_targets_that_left_no_junit_xml(tmp_path):
    write(tmp_path / "logs" / "m" / "ok_test" / "test.xml", "<ok/>")
    missing = write_bundle(
        str(tmp_path / "logs"), ShardSpec(1, 1), ["//m:ok_test", "//m:crashed_test"], [], str(tmp_path / "out")
    )
    assert missing == ["//m:crashed_test"]


def test_bundle_drops_what_an_earlier_bundle_left_in_the_folder(tmp_path):
    write(tmp_path / "out" / "testlogs" / "old" / "old_test" / "test.xml", "<old/>")
    write_bundle(str(tmp_path / "logs"), ShardSpec(1, 1), [], [], str(tmp_path / "out"))
    assert not (tmp_path / "out" / "testlogs" / "old").exists()


def test_cli_prints_the_labels_of_the_chosen_shard_one_per_line(tmp_path, capsys):
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"seconds": {"//m:slow_test": 9.0, "//m:a_test": 1.0, "//m:b_test": 1.0}}))
    args = ["select", "--baseline", str(baseline), "//m:a_test", "//m:b_test", "//m:slow_test"]
    assert main([*args, "--shard", "2/2"]) == 0
    assert capsys.readouterr().out == "//m:a_test\n//m:b_test\n"


def test_cli_exits_2_naming_a_bad_shard_spec(tmp_path, capsys):
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"seconds": {}}))
    assert main(["select", "--shard", "3/2", "--baseline", str(baseline), "//m:a_test"]) == 2
    assert "--shard 3/2: need 1 <= I <= N" in capsys.readouterr().err


def test_cli_bundle_without_testlogs_exits_2_saying_what_it_needs(tmp_path, capsys):
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"seconds": {}}))
    assert main(["bundle", "--shard", "1/1", "--baseline", str(baseline), "//m:a_test"]) == 2
    assert "bundle needs --testlogs and --out" in capsys.readouterr().err
