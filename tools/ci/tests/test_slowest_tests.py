from tools.ci.slowest_tests import CaseTime, main, markdown_table, read_times, slowest

SUITE = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="{target}" tests="{count}">{cases}</testsuite></testsuites>
"""


def junit(folder, target, cases):
    body = "".join(f'<testcase classname="pkg.test_mod" name="{name}" time="{time}" />' for name, time in cases)
    path = folder / (target.split(":")[-1] + ".xml")
    path.write_text(SUITE.format(target=target, count=len(cases), cases=body))
    return path


def test_slowest_tests_are_picked_across_every_target_longest_first(tmp_path):
    junit(tmp_path, "//a:a_test", [("test_fast", "0.01"), ("test_slow", "3.5")])
    junit(tmp_path, "//b:b_test", [("test_slower", "4.25"), ("test_mid", "1.0")])
    rows = slowest(read_times(tmp_path.glob("*.xml")), 3)
    assert rows == [
        CaseTime(4.25, "pkg.test_mod::test_slower", "//b:b_test"),
        CaseTime(3.5, "pkg.test_mod::test_slow", "//a:a_test"),
        CaseTime(1.0, "pkg.test_mod::test_mid", "//b:b_test"),
    ]


def test_ties_are_ordered_by_name_so_the_table_is_stable(tmp_path):
    junit(tmp_path, "//a:a_test", [("test_b", "1.0"), ("test_a", "1.0")])
    assert [row.test for row in slowest(read_times(tmp_path.glob("*.xml")), 2)] == [
        "pkg.test_mod::test_a",
        "pkg.test_mod::test_b",
    ]


def test_case_without_a_time_counts_as_zero_seconds(tmp_path):
    path = tmp_path / "t.xml"
    path.write_text('<testsuite name="//t:t"><testcase classname="c" name="n" time="" /></testsuite>')
    assert read_times([path]) == [CaseTime(0.0, "c::n", "//t:t")]


def test_unreadable_xml_is_reported_and_the_others_still_count(tmp_path, capsys):
    junit(tmp_path, "//a:a_test", [("test_one", "2")])
    (tmp_path / "broken.xml").write_text("<testsuite")
    assert len(read_times(tmp_path.glob("*.xml"))) == 1
    assert "slowest_tests: skipping" in capsys.readouterr().err


def test_table_names_how_many_tests_it_picked_from():
    table = markdown_table([CaseTime(2.0, "m::t", "//x:y")], total=57)
    assert table.splitlines()[0] == "Slowest 1 of 57 tests (JUnit XML of every target)"
    assert "| 2.00 | `m::t` | `//x:y` |" in table


def test_cli_prints_the_top_ten_and_keeps_them_as_markdown(tmp_path, capsys):
    junit(tmp_path, "//a:a_test", [(f"test_{n}", str(n)) for n in range(12)])
    output = tmp_path / "out" / "slowest_tests.md"
    assert main(["--junit", str(tmp_path), "--output", str(output)]) == 0
    printed = capsys.readouterr().out
    assert printed == output.read_text()
    seconds = [line.split(" | ")[0] for line in printed.splitlines() if line.startswith("| ") and "`" in line]
    assert seconds == [f"| {n}.00" for n in range(11, 1, -1)]


def test_cli_without_any_test_case_exits_2(tmp_path, capsys):
    assert main(["--junit", str(tmp_path)]) == 2
    assert "no test cases" in capsys.readouterr().err
