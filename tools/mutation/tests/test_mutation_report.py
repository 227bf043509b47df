"""The module verdict: score, floor, equivalent mutants from the reviewed skip file, survivor lines."""

import json

import pytest

from tools.mutation.mutation_report import Mutant, ReportError, read_results, read_skips, render, score_module


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
