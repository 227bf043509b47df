from tools.ci.test_results import Counts, count_junit, count_target, main

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="//x:y" tests="4" failures="1" errors="1" skipped="1">
<testcase classname="t" name="ok"/>
<testcase classname="t" name="bad"><failure message="boom"/></testcase>
<testcase classname="t" name="broken"><error message="fixture"/></testcase>
<testcase classname="t" name="later"><skipped message="no genhtml"/></testcase>
</testsuite></testsuites>"""


def write(testlogs, relative, text=JUNIT):
    path = testlogs / relative
    path.parent.mkdir(parents=True)
    path.write_text(text)


def test_junit_failures_and_errors_count_as_failed():
    assert count_junit(JUNIT) == Counts(passed=1, failed=2, skipped=1)


def test_sharded_target_adds_up_its_shards(tmp_path):
    write(tmp_path, "pkg/a_test/shard_1_of_2/test.xml")
    write(tmp_path, "pkg/a_test/shard_2_of_2/test.xml")
    assert count_target(str(tmp_path), "//pkg:a_test") == Counts(passed=2, failed=4, skipped=2)


def test_target_without_results_counts_as_one_failure(tmp_path):
    assert count_target(str(tmp_path), "//pkg:missing_test") == Counts(failed=1)


def test_unreadable_xml_counts_as_a_failure(tmp_path):
    write(tmp_path, "pkg/a_test/test.xml", "<testsuites>")
    assert count_target(str(tmp_path), "//pkg:a_test") == Counts(failed=1)


def test_closing_line_is_the_form_ci_reads(tmp_path, capsys):
    write(tmp_path, "pkg/a_test/test.xml")
    assert main([str(tmp_path), "//pkg:a_test"]) == 0
    assert capsys.readouterr().out == "Tests: 1 passed, 2 failed, 1 skipped\n"


def test_closing_line_omits_skipped_when_there_are_none():
    assert Counts(passed=3).closing_line() == "3 passed, 0 failed"
