"""The pull-request gate: which files it mutates, which survivors it reports, and what it says."""

import subprocess
from collections import Counter

from tools.mutation.changed_files import (
    changed_sources,
    main,
    mutated_modules,
    output_group,
    render,
    survivors_on_changed_lines,
)
from tools.mutation.mutation_report import Mutant


def _mutant(status: str, line: int, original: str = "a > 5") -> Mutant:
    return Mutant("m/breaker.py", "trip", line, original, "a > 6", status, 2, "tools/bazel test //m/tests:breaker_test")


def test_output_group_is_the_one_defs_bzl_declares_per_file_when_named_by_workspace_path():
    assert output_group("d1_targeting/priority.py") == "mutation_d1_targeting_priority_py"


def test_modules_are_the_packages_whose_build_file_declares_a_mutation_floor_when_scanned(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "BUILD.bazel").write_text('mutation_floor(name = "mutation_test", floor = 90)\n')
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "BUILD.bazel").write_text('coverage_floor(name = "coverage_floor", floor = 90)\n')
    assert mutated_modules(str(tmp_path)) == {"m"}


def test_changed_sources_keep_module_python_files_but_not_tests_or_other_packages_when_grouped():
    changed = {
        "m/breaker.py": frozenset({3}),
        "m/tests/test_breaker.py": frozenset({1}),
        "m/data/limits.csv": frozenset({1}),
        "tools/ci/run.py": frozenset({1}),
    }
    assert changed_sources(changed, {"m"}) == {"m": ["m/breaker.py"]}


def test_survivors_are_only_unkilled_unskipped_mutants_on_changed_lines_when_filtered():
    mutants = [_mutant("survived", 3), _mutant("killed", 3), _mutant("survived", 9), _mutant("no tests", 4)]
    skipped = _mutant("survived", 5, original="a >= 5")
    kept = survivors_on_changed_lines(
        [*mutants, skipped], {"m/breaker.py": frozenset({3, 4, 5})}, {skipped.key: "equivalent"}
    )
    assert [(m.line, m.status) for m in kept] == [(3, "survived"), (4, "no tests")]


def test_known_survivor_on_a_changed_line_is_not_new_but_a_second_one_with_its_key_is():
    moved, twin = _mutant("survived", 3), _mutant("survived", 4)
    kept = survivors_on_changed_lines([moved, twin], {"m/breaker.py": frozenset({3, 4})}, {}, Counter([moved.key]))
    assert [m.line for m in kept] == [4]


def test_comment_says_nothing_was_mutated_when_no_module_source_changed():
    assert render("origin/main", [], [], {}).endswith("No module source file changed: nothing to mutate.")


def test_comment_lists_each_survivor_with_its_rerun_command_when_some_survive():
    text = render("origin/main", [_mutant("survived", 3)], ["m/breaker.py"], {"m/breaker.py": (4, 3)})
    assert "| `m/breaker.py` | 4 | 3 |" in text
    assert "❌ 1 new surviving mutant(s) on changed lines:" in text
    assert "- `m/breaker.py:3`: `a > 5` → `a > 6` — `tools/bazel test //m/tests:breaker_test`" in text


def test_gate_runs_no_bazel_and_passes_when_the_change_touches_no_module_source(tmp_path, capsys):
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "BUILD.bazel").write_text('mutation_floor(name = "mutation_test", floor = 90)\n')
    (tmp_path / "m" / "breaker.py").write_text("LIMIT = 5\n")
    git("init", "-q", "-b", "main")
    git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "base")
    (tmp_path / "notes.py").write_text("x = 1\n")
    git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "change")
    code = main(["--base", "HEAD~1", "--workspace", str(tmp_path), "--bazel", str(tmp_path / "no-bazel-here")])
    assert code == 0
    assert "No module source file changed: nothing to mutate." in capsys.readouterr().out
