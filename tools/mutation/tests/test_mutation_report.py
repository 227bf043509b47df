"""The module verdict: score, floor, equivalent mutants from the reviewed skip file, survivor lines."""

import json
from collections import Counter

import pytest

from tools.mutation.mutation_report import (
    Mutant,
    ReportError,
    known_survivors_text,
    read_known_survivors,
    read_results,
    read_skips,
    render,
    score_module,
)


def _mutant(status: str, line: int = 7, original: str = "a > 5", mutant: str = "a > 6") -> Mutant:
    return Mutant(
        file="m/breaker.py",
        function="Breaker.trip",
        line=line,
        original=original,
        mutant=mutant,
        status=status,
        tests=3,
        command="tools/bazel test //m/tests:breaker_test",
    )


def test_score_counts_timeouts_as_killed_when_a_mutant_never_finishes():
    report = score_module("m", 50, "m/BUILD.bazel", [_mutant("killed"), _mutant("timeout"), _mutant("survived")], {})
    assert (report.total.mutants, report.total.killed, report.total.survived) == (3, 2, 1)
    assert report.total.score == pytest.approx(200 / 3)


def test_module_fails_naming_score_floor_build_file_and_survivor_when_under_its_floor():
    report = score_module("m", 90, "m/BUILD.bazel", [_mutant("killed"), _mutant("survived", line=12)], {})
    text = render(report)
    assert report.passed is False
    assert "m/breaker.py:12: a > 5 → a > 6" in text
    assert "survived 3 test(s): tools/bazel test //m/tests:breaker_test" in text
    assert text.endswith(
        "mutation FAILED: m kills 50.00% of its mutants (1/2; 0 skipped as equivalent), "
        "floor 90% (set in m/BUILD.bazel)"
    )


def test_skipped_equivalent_mutant_leaves_the_score_with_its_reason_when_listed():
    survivor = _mutant("survived")
    report = score_module("m", 100, "m/BUILD.bazel", [_mutant("killed"), survivor], {survivor.key: "same result"})
    assert report.passed is True
    assert report.total.skipped == 1
    assert "m/breaker.py:7: a > 5 → a > 6  # same result" in render(report)


def test_skip_entry_matching_no_survivor_fails_the_module_when_stale():
    report = score_module("m", 0, "m/BUILD.bazel", [_mutant("killed")], {"m/breaker.py::f: x → y": "gone"})
    assert report.passed is False
    assert "stale skip entry (matches no surviving mutant; remove it): m/breaker.py::f: x → y" in render(report)


def test_skip_file_entry_without_reason_is_an_error_naming_its_line(tmp_path):
    skips = tmp_path / "mutation_skips.txt"
    skips.write_text("# header\nm/breaker.py::Breaker.trip: a > 5 → a > 6\n", encoding="utf-8")
    with pytest.raises(ReportError, match=r"mutation_skips.txt:2: an equivalent mutant needs `  # reason`"):
        read_skips(str(skips))


def test_skip_file_maps_key_to_reason_when_well_formed(tmp_path):
    skips = tmp_path / "mutation_skips.txt"
    skips.write_text("m/breaker.py::Breaker.trip: a > 5 → a > 6  # 6 is never reached\n", encoding="utf-8")
    assert read_skips(str(skips)) == {"m/breaker.py::Breaker.trip: a > 5 → a > 6": "6 is never reached"}


def test_results_file_without_mutants_is_an_error_naming_it(tmp_path):
    result = tmp_path / "x.mutation.json"
    result.write_text(json.dumps({"file": "m/x.py"}), encoding="utf-8")
    with pytest.raises(ReportError, match="x.mutation.json: not a mutation result"):
        read_results([str(result)])


def test_module_fails_naming_a_new_survivor_when_it_is_missing_from_the_known_survivors():
    old, new = _mutant("survived", line=7), _mutant("survived", line=12, original="b < 1", mutant="b < 2")
    killed = [_mutant("killed")] * 98
    report = score_module(
        "m", 90, "m/BUILD.bazel", [*killed, old, new], {}, known=Counter([old.key]), known_file="m/survivors.txt"
    )
    text = render(report)
    assert report.total.score == pytest.approx(98.0)
    assert report.passed is False
    assert report.new_survivors == [new]
    assert (
        "New surviving mutants (not in m/survivors.txt; a test should fail on each):\n  m/breaker.py:12: b < 1 → b < 2"
        in text
    )
    assert text.endswith("mutation FAILED: m has 1 new surviving mutant(s), not in m/survivors.txt: m/breaker.py:12")


def test_module_passes_when_every_survivor_is_known_and_the_score_meets_the_floor():
    survivor = _mutant("survived")
    report = score_module(
        "m", 50, "m/BUILD.bazel", [_mutant("killed"), survivor], {}, known=Counter([survivor.key]), known_file="k"
    )
    assert report.passed is True
    assert "Known surviving mutants (listed in k)" in render(report)


def test_module_fails_naming_a_known_survivor_when_a_test_now_kills_it():
    report = score_module(
        "m", 50, "m/BUILD.bazel", [_mutant("killed")], {}, known=Counter([_mutant("killed").key]), known_file="k"
    )
    text = render(report)
    assert report.passed is False
    assert "known survivor no longer survives (remove it from k): m/breaker.py::Breaker.trip: a > 5 → a > 6" in text
    assert text.endswith(
        "mutation FAILED: 1 known survivor(s) of k no longer survive; remove them so the gap cannot reopen unnoticed"
    )


def test_known_survivors_match_one_survivor_per_listed_line_when_keys_repeat():
    twin = _mutant("survived", line=9)
    report = score_module(
        "m", 0, "m/BUILD.bazel", [_mutant("survived"), twin], {}, known=Counter([twin.key]), known_file="k"
    )
    assert [m.line for m in report.new_survivors] == [9]


def test_known_survivor_that_now_times_out_or_a_listed_timeout_that_now_survives_changes_nothing():
    slow, flipped = _mutant("timeout", line=3), _mutant("survived", line=9, original="b", mutant="c")
    report = score_module(
        "m", 0, "m/BUILD.bazel", [slow, flipped], {}, known=Counter([slow.key, flipped.key]), known_file="k"
    )
    assert (report.new_survivors, report.no_longer_surviving, report.passed) == ([], [], True)
    assert report.total.killed == 1


def test_timeout_missing_from_the_known_survivors_is_not_a_new_gap_but_is_written_to_them():
    report = score_module("m", 0, "m/BUILD.bazel", [_mutant("timeout")], {}, known=Counter(), known_file="k")
    assert (report.new_survivors, report.passed) == ([], True)
    assert known_survivors_text(report, "cmd").splitlines()[-1] == _mutant("timeout").key


def test_skip_entry_of_an_equivalent_mutant_that_timed_out_is_not_stale():
    slow = _mutant("timeout")
    report = score_module("m", 0, "m/BUILD.bazel", [slow], {slow.key: "equivalent"})
    assert (report.stale_skips, report.timeouts) == ([], [])


def test_known_survivors_file_counts_repeated_lines_and_ignores_comments(tmp_path):
    known = tmp_path / "mutation_survivors.txt"
    known.write_text("# header\n\nm/a.py::f: x → y\nm/a.py::f: x → y\nm/b.py::g: 1 → 2\n", encoding="utf-8")
    assert read_known_survivors(str(known)) == Counter({"m/a.py::f: x → y": 2, "m/b.py::g: 1 → 2": 1})


def test_survivor_whose_mutant_removes_the_code_matches_its_listed_line(tmp_path):
    removed = _mutant("survived", mutant="")
    known = tmp_path / "mutation_survivors.txt"
    known.write_text(
        known_survivors_text(score_module("m", 0, "m/BUILD.bazel", [removed], {}), "cmd"), encoding="utf-8"
    )
    report = score_module(
        "m", 0, "m/BUILD.bazel", [removed], {}, known=read_known_survivors(str(known)), known_file="k"
    )
    assert removed.key == "m/breaker.py::Breaker.trip: a > 5 →"
    assert (report.new_survivors, report.no_longer_surviving) == ([], [])


def test_known_survivors_file_line_that_is_no_mutant_key_is_an_error_naming_its_line(tmp_path):
    known = tmp_path / "mutation_survivors.txt"
    known.write_text("m/a.py::f: x → y\nsomething else\n", encoding="utf-8")
    with pytest.raises(ReportError, match=r"mutation_survivors.txt:2: not a mutant key"):
        read_known_survivors(str(known))


def test_written_known_survivors_read_back_as_exactly_the_survivors_when_the_results_are_unchanged():
    mutants = [_mutant("survived", line=3), _mutant("survived", line=3), _mutant("killed"), _mutant("no tests", line=1)]
    first = score_module("m", 0, "m/BUILD.bazel", mutants, {})
    text = known_survivors_text(first, "tools/bazel run //m:mutation_test -- --write-survivors")
    assert text.startswith("# Known surviving mutants of m:")
    known = Counter(line for line in text.splitlines() if not line.startswith("#"))
    again = score_module("m", 0, "m/BUILD.bazel", mutants, {}, known=known, known_file="k")
    assert (again.new_survivors, again.no_longer_surviving, again.passed) == ([], [], True)
