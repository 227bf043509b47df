from tools.ci.flaky import TargetVerdict, main, parse_test_summary

LOG = """INFO: Build completed, 1 test FAILED, 4 total actions
//d1_targeting/tests:geo_test                                            PASSED in 2.1s
  Stats over 10 runs: max = 2.1s, min = 1.0s, avg = 1.5s, dev = 0.3s
//scratch/tests:coin_test                                                 FLAKY, failed in 3 out of 10 in 1.2s
  Stats over 10 runs: max = 1.2s, min = 0.9s, avg = 1.0s, dev = 0.1s
//scratch/tests:broken_test                                               FAILED in 10 out of 10 in 0.8s
Executed 3 out of 3 tests: 2 tests pass and 1 fails locally.
"""


def test_flaky_and_failed_targets_are_read_from_the_summary():
    assert parse_test_summary(LOG) == [
        TargetVerdict("//scratch/tests:coin_test", "FLAKY", "failed in 3 out of 10 in 1.2s"),
        TargetVerdict("//scratch/tests:broken_test", "FAILED", "in 10 out of 10 in 0.8s"),
    ]


def test_all_passing_summary_has_no_verdicts():
    assert parse_test_summary("//a:a_test   PASSED in 1.0s\n//b:b_test  (cached) PASSED in 0.2s\n") == []


def test_job_fails_naming_the_flaky_target(tmp_path, capsys):
    log = tmp_path / "bazel.log"
    log.write_text(LOG)
    assert main([str(log)]) == 1
    assert "FLAKY target: //scratch/tests:coin_test FLAKY (failed in 3 out of 10 in 1.2s)" in capsys.readouterr().out


def test_job_passes_when_no_target_is_flaky(tmp_path, capsys):
    log = tmp_path / "bazel.log"
    log.write_text("//a:a_test   PASSED in 1.0s\n")
    assert main([str(log)]) == 0
    assert "no flaky target" in capsys.readouterr().out


def test_unreadable_log_exits_2(tmp_path):
    assert main([str(tmp_path / "absent.log")]) == 2
