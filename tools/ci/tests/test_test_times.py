import json

import pytest

from tools.ci.errors import BaselineError
from tools.ci.test_times import (
    find_slowdowns,
    junit_seconds,
    load_baseline,
    load_factor,
    main,
    read_durations,
    target_seconds,
    write_baseline,
)


def junit(seconds):
    return f'<?xml version="1.0"?><testsuites><testsuite name="t" tests="1" time="{seconds}"/></testsuites>'


def put(testlogs, relative, seconds):
    path = testlogs / relative / "test.xml"
    path.parent.mkdir(parents=True)
    path.write_text(junit(seconds))


def test_junit_time_is_the_sum_of_its_suites():
    assert junit_seconds('<testsuites><testsuite time="1.5"/><testsuite time="2"/></testsuites>') == 3.5


def test_shards_of_a_target_add_up(tmp_path):
    put(tmp_path, "p/t_test/shard_1_of_2", 3.0)
    put(tmp_path, "p/t_test/shard_2_of_2", 4.0)
    assert target_seconds(str(tmp_path), "//p:t_test") == 7.0


def test_repeated_runs_of_a_target_average(tmp_path):
    put(tmp_path, "p/t_test/run_1_of_2", 2.0)
    put(tmp_path, "p/t_test/run_2_of_2", 4.0)
    assert target_seconds(str(tmp_path), "//p:t_test") == 3.0


def test_targets_without_junit_xml_are_left_out(tmp_path):
    put(tmp_path, "p/a_test", 1.0)
    assert read_durations(str(tmp_path), ["//p:a_test", "//p:missing_test"]) == {"//p:a_test": 1.0}


def test_target_over_both_thresholds_is_named():
    slow = find_slowdowns({"//a": 4.0, "//b": 4.0, "//c": 4.0}, {"//a": 4.0, "//b": 4.0, "//c": 6.5})
    assert [item.label for item in slow] == ["//c"]
    assert "//c: 6.50s, baseline 4.00s" in slow[0].describe()


def test_large_ratio_under_two_seconds_is_tolerated():
    assert find_slowdowns({"//a": 0.5}, {"//a": 2.4}, normalize=False) == []


def test_more_than_two_seconds_under_fifty_percent_is_tolerated():
    assert find_slowdowns({"//a": 10.0}, {"//a": 14.9}, normalize=False) == []


def test_uniformly_loaded_machine_fails_no_target():
    baseline = {f"//t{i}": 3.0 + i for i in range(5)}
    assert find_slowdowns(baseline, {label: 2.5 * s for label, s in baseline.items()}) == []


def test_target_slower_than_the_load_explains_still_fails():
    baseline = {f"//t{i}": 4.0 for i in range(5)}
    current = {label: 8.0 for label in baseline} | {"//t0": 20.0}
    assert [item.label for item in find_slowdowns(baseline, current)] == ["//t0"]


def test_load_factor_never_makes_a_faster_machine_stricter():
    assert load_factor({"//a": 10.0, "//b": 10.0}, {"//a": 5.0, "//b": 5.0}) == 1.0


def test_targets_new_since_the_baseline_never_fail():
    assert find_slowdowns({}, {"//new": 100.0}) == []


def test_baseline_round_trips_through_its_file(tmp_path):
    path = str(tmp_path / "baseline.json")
    write_baseline(path, {"//b": 2.004, "//a": 1.0})
    assert load_baseline(path) == {"//a": 1.0, "//b": 2.0}


def test_missing_baseline_says_how_to_create_it(tmp_path):
    with pytest.raises(BaselineError, match="test_times update"):
        load_baseline(str(tmp_path / "none.json"))


def test_malformed_baseline_names_the_file(tmp_path):
    path = tmp_path / "b.json"
    path.write_text(json.dumps({"seconds": {"//a": "fast"}}))
    with pytest.raises(BaselineError, match="b.json"):
        load_baseline(str(path))


def test_check_fails_naming_the_slower_target_and_update_refreshes(tmp_path, capsys):
    baseline = tmp_path / "baseline.json"
    write_baseline(str(baseline), {"//p:a_test": 1.0, "//p:b_test": 1.0, "//p:c_test": 1.0})
    logs = tmp_path / "logs"
    put(logs, "p/a_test", 1.0)
    put(logs, "p/b_test", 1.0)
    put(logs, "p/c_test", 9.0)
    args = ["--testlogs", str(logs), "--baseline", str(baseline), "//p:a_test", "//p:b_test", "//p:c_test"]
    assert main(["check", *args]) == 1
    assert "SLOWER: //p:c_test: 9.00s" in capsys.readouterr().err
    assert main(["update", *args]) == 0
    assert main(["check", *args]) == 0


def test_update_on_a_busy_machine_keeps_idle_seconds_scaled_by_the_load_factor(tmp_path):
    baseline = tmp_path / "baseline.json"
    write_baseline(str(baseline), {"//p:a_test": 1.0, "//p:b_test": 2.0, "//p:c_test": 4.0})
    logs = tmp_path / "logs"
    for name, seconds in (("a_test", 3.0), ("b_test", 6.0), ("c_test", 12.0), ("new_test", 9.0)):
        put(logs, f"p/{name}", seconds)
    labels = ["//p:a_test", "//p:b_test", "//p:c_test", "//p:new_test"]
    assert main(["update", "--testlogs", str(logs), "--baseline", str(baseline), *labels]) == 0
    assert load_baseline(str(baseline)) == {
        "//p:a_test": 1.0,
        "//p:b_test": 2.0,
        "//p:c_test": 4.0,
        "//p:new_test": 3.0,
    }


def test_update_with_no_normalize_keeps_the_runs_raw_seconds(tmp_path):
    baseline = tmp_path / "baseline.json"
    write_baseline(str(baseline), {"//p:a_test": 1.0})
    put(tmp_path / "logs", "p/a_test", 3.0)
    args = ["--testlogs", str(tmp_path / "logs"), "--baseline", str(baseline), "--no-normalize", "//p:a_test"]
    assert main(["update", *args]) == 0
    assert load_baseline(str(baseline)) == {"//p:a_test": 3.0}


def _bep(path, results):
    """A JSON build event file with one TestResult event per (label, cached locally, cached remotely)."""
    lines = [json.dumps({"id": {"started": {}}, "started": {"command": "coverage"}})]
    for label, local, remote in results:
        result = {"status": "PASSED", "cachedLocally": local, "executionInfo": {"cachedRemotely": remote}}
        lines.append(json.dumps({"id": {"testResult": {"label": label, "run": 1}}, "testResult": result}))
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _steady(logs, count):
    """`count` targets as fast as their baseline (they keep the load factor at 1)."""
    for n in range(count):
        put(logs, f"p/steady{n}_test", 1.0)
    return {f"//p:steady{n}_test": 1.0 for n in range(count)}


def test_results_from_a_cache_are_not_judged_when_the_build_events_say_so(tmp_path, capsys):
    logs = tmp_path / "testlogs"
    put(logs, "p/local_test", 9.0)
    put(logs, "p/disk_test", 9.0)
    steady = _steady(logs, 3)
    baseline = tmp_path / "baseline.json"
    write_baseline(str(baseline), {"//p:local_test": 3.0, "//p:disk_test": 3.0, **steady})
    bep = _bep(
        tmp_path / "bep.json",
        [("//p:local_test", True, False), ("//p:disk_test", False, True)] + [(s, False, False) for s in steady],
    )
    labels = ["//p:local_test", "//p:disk_test", *steady]
    assert main(["check", "--testlogs", str(logs), "--baseline", str(baseline), "--bep", bep, *labels]) == 0
    assert "2 cached, not judged" in capsys.readouterr().out
    assert main(["check", "--testlogs", str(logs), "--baseline", str(baseline), *labels]) == 1


def test_a_result_run_again_is_judged_even_with_build_events(tmp_path):
    logs = tmp_path / "testlogs"
    put(logs, "p/slow_test", 9.0)
    steady = _steady(logs, 2)
    baseline = tmp_path / "baseline.json"
    write_baseline(str(baseline), {"//p:slow_test": 3.0, **steady})
    bep = _bep(tmp_path / "bep.json", [("//p:slow_test", False, False)] + [(s, False, False) for s in steady])
    labels = ["//p:slow_test", *steady]
    assert main(["check", "--testlogs", str(logs), "--baseline", str(baseline), "--bep", bep, *labels]) == 1


def test_unreadable_build_events_are_reported_naming_the_file(tmp_path, capsys):
    logs = tmp_path / "testlogs"
    put(logs, "p/a_test", 1.0)
    baseline = tmp_path / "baseline.json"
    write_baseline(str(baseline), {"//p:a_test": 1.0})
    bep = tmp_path / "bep.json"
    bep.write_text("{not json\n")
    assert main(["check", "--testlogs", str(logs), "--baseline", str(baseline), "--bep", str(bep), "//p:a_test"]) == 2
    assert f"{bep}: not a JSON build event file" in capsys.readouterr().err
