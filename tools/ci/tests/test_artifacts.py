from tools.ci.artifacts import collect_coverage, collect_junit, main


def make(path, text="x"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_coverage_report_summary_and_html_are_copied(tmp_path):
    cov = tmp_path / "_coverage"
    make(cov / "_coverage_report.dat", "SF:a.py\nend_of_record\n")
    make(cov / "coverage_summary.json", "[]")
    make(cov / "html" / "index.html", "<html/>")
    assert collect_coverage(str(cov), str(tmp_path / "out")) == []
    assert (tmp_path / "out" / "coverage" / "html" / "index.html").read_text() == "<html/>"
    assert (tmp_path / "out" / "coverage" / "coverage_summary.json").read_text() == "[]"


def test_missing_coverage_outputs_are_named_not_fatal(tmp_path):
    make(tmp_path / "_coverage" / "coverage_summary.json", "[]")
    assert collect_coverage(str(tmp_path / "_coverage"), str(tmp_path / "out")) == ["_coverage_report.dat", "html"]


def test_junit_is_kept_per_target_and_per_shard(tmp_path):
    logs = tmp_path / "logs"
    make(logs / "m" / "tests" / "a_test" / "test.xml", "<a/>")
    make(logs / "m" / "tests" / "b_test" / "shard_1_of_2" / "test.xml", "<b1/>")
    make(logs / "m" / "tests" / "b_test" / "shard_2_of_2" / "test.xml", "<b2/>")
    missing = collect_junit(str(logs), ["//m/tests:a_test", "//m/tests:b_test", "//m/tests:c_test"], str(tmp_path))
    assert missing == ["//m/tests:c_test"]
    assert (tmp_path / "junit" / "m" / "tests" / "a_test.xml").read_text() == "<a/>"
    assert (tmp_path / "junit" / "m" / "tests" / "b_test" / "shard_2_of_2.xml").read_text() == "<b2/>"


def test_cli_reports_what_a_failed_run_did_not_produce(tmp_path, capsys):
    assert (
        main(
            [
                "--testlogs",
                str(tmp_path),
                "--coverage-dir",
                str(tmp_path / "none"),
                "--out",
                str(tmp_path / "o"),
                "//m:x_test",
            ]
        )
        == 0
    )
    err = capsys.readouterr().err
    assert "not produced by this run: _coverage_report.dat, coverage_summary.json, html" in err
    assert "no JUnit XML for: //m:x_test" in err
