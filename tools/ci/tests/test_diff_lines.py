import pytest

from tools.ci.diff_lines import format_ranges, git_changed_lines, parse_unified_diff
from tools.ci.errors import DiffParseError, GitError
from tools.ci.tests.scratch_repo import ScratchRepo

ORIGINAL = "".join(f"line{n}\n" for n in range(1, 11))


def test_added_and_modified_lines_are_reported_with_new_line_numbers():
    diff = (
        "diff --git a/m/a.py b/m/a.py\n--- a/m/a.py\n+++ b/m/a.py\n"
        "@@ -3 +3 @@\n-old\n+new\n"
        "@@ -8,0 +9,2 @@\n+added\n+added\n"
    )
    assert parse_unified_diff(diff) == {"m/a.py": frozenset({3, 9, 10})}


def test_pure_deletions_and_deleted_files_report_no_lines():
    diff = (
        "--- a/m/a.py\n+++ b/m/a.py\n@@ -4,2 +3,0 @@\n-gone\n-gone\n"
        "--- a/m/old.py\n+++ /dev/null\n@@ -1,3 +0,0 @@\n-x\n-y\n-z\n"
    )
    assert parse_unified_diff(diff) == {}


def test_malformed_hunk_header_names_the_diff_line():
    with pytest.raises(DiffParseError, match="line 2: malformed hunk header"):
        parse_unified_diff("+++ b/a.py\n@@ nonsense @@\n")


def test_changes_since_the_merge_base_are_found_in_a_real_repository(tmp_path):
    repo = ScratchRepo(tmp_path)
    repo.write("pkg/a.py", ORIGINAL)
    repo.write("notes.txt", "x\n")
    base = repo.commit("base")
    repo.write("pkg/a.py", ORIGINAL.replace("line5\n", "five\n") + "line11\n")
    repo.write("pkg/new.py", "a = 1\nb = 2\n")
    repo.write("notes.txt", "changed\n")
    repo.commit("change")
    assert git_changed_lines(str(tmp_path), base) == {
        "pkg/a.py": frozenset({5, 11}),
        "pkg/new.py": frozenset({1, 2}),
    }


def test_unknown_base_revision_is_a_git_error_naming_it(tmp_path):
    repo = ScratchRepo(tmp_path)
    repo.write("a.py", "x = 1\n")
    repo.commit("only")
    with pytest.raises(GitError, match="no-such-branch"):
        git_changed_lines(str(tmp_path), "no-such-branch")


def test_consecutive_lines_collapse_into_ranges():
    assert format_ranges({9, 3, 4, 5, 12, 13}) == "3-5, 9, 12-13"


def test_no_lines_format_as_empty_text():
    assert format_ranges(set()) == ""
