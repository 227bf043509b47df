import json
import xml.etree.ElementTree as ElementTree

import pytest

from tools.ci.errors import HistoryError, SummaryError
from tools.ci.trend import (
    RunRecord,
    append_record,
    badge_colour,
    main,
    parse_history,
    read_fixture_figures,
    read_history,
    render_badge,
    render_chart,
)

SVG = "{http://www.w3.org/2000/svg}"


def record(total, commit="c0ffee", **coverage):
    return RunRecord(
        date="2026-11-25T12:00:00+00:00",
        commit=commit,
        coverage={"TOTAL": total, **coverage},
        test_seconds={"//a:a_test": 1.5, "//b:b_test": 2.25},
    )


def test_appended_runs_read_back_in_order(tmp_path):
    history = str(tmp_path / "history.jsonl")
    append_record(history, record(90.0, commit="one"))
    append_record(history, record(91.0, commit="two", alpha=95.0))
    runs = read_history(history)
    assert [(r.commit, r.coverage["TOTAL"]) for r in runs] == [("one", 90.0), ("two", 91.0)]
    assert runs[1].coverage["alpha"] == 95.0


def test_each_run_is_one_json_line_with_total_test_seconds(tmp_path):
    history = tmp_path / "history.jsonl"
    append_record(str(history), record(90.0))
    row = json.loads(history.read_text().splitlines()[0])
    assert row["total_test_seconds"] == 3.75
    assert row["test_seconds"]["//b:b_test"] == 2.25


def test_absent_history_is_empty():
    assert read_history("/nonexistent/history.jsonl") == []


def test_corrupt_line_is_an_error_naming_file_and_line():
    with pytest.raises(HistoryError, match="h.jsonl:2"):
        parse_history(record(1.0).to_json() + "\n{broken\n", "h.jsonl")


def test_append_refuses_to_extend_a_corrupt_history(tmp_path):
    history = tmp_path / "h.jsonl"
    history.write_text("not json\n")
    with pytest.raises(HistoryError):
        append_record(str(history), record(1.0))
    assert history.read_text() == "not json\n"


def test_chart_is_valid_svg_with_one_line_per_module_and_total_plus_test_time():
    svg = render_chart([record(80.0, alpha=85.0, beta=70.0), record(82.0, alpha=86.0, beta=75.0)])
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert len(root.findall(f"{SVG}polyline")) == 4
    legend = [t.text for t in root.iter(f"{SVG}text")]
    assert "TOTAL 82.00%" in legend and "beta 75.00%" in legend


def test_chart_of_an_empty_history_says_no_runs_yet():
    assert "no runs recorded yet" in render_chart([])


def test_chart_plots_higher_coverage_higher_on_the_page():
    root = ElementTree.fromstring(render_chart([record(70.0), record(95.0)]))
    total = root.findall(f"{SVG}polyline")[0]
    points = total.get("points")
    assert points is not None
    (x1, y1), (x2, y2) = (tuple(map(float, p.split(","))) for p in points.split())
    assert x2 > x1 and y2 < y1


def test_badge_shows_percent_with_threshold_colour():
    badge = ElementTree.fromstring(render_badge(93.44))
    assert badge.get("aria-label") == "coverage: 93.4%"
    assert badge_colour(93.44) in render_badge(93.44)


@pytest.mark.parametrize(("percent", "colour"), [(95, "#4c1"), (85, "#97ca00"), (59.9, "#e05d44")])
def test_badge_colour_steps_down_with_coverage(percent, colour):
    assert badge_colour(percent) == colour


def test_badge_before_any_run_is_grey_unknown():
    assert "coverage: unknown" in render_badge(None)


def test_cli_appends_from_summary_and_testlogs_then_renders(tmp_path):
    summary = tmp_path / "summary.json"
    summary.write_text(
        json.dumps([{"module": "m", "percent": 92.0, "floor": 90}, {"module": "TOTAL", "percent": 92.0, "floor": 80}])
    )
    xml = tmp_path / "logs" / "m" / "tests" / "x_test" / "test.xml"
    xml.parent.mkdir(parents=True)
    xml.write_text('<testsuites><testsuite name="x" time="4.5"/></testsuites>')
    history, chart, badge = tmp_path / "h.jsonl", tmp_path / "t.svg", tmp_path / "b.svg"
    assert (
        main(
            [
                "append",
                "--history",
                str(history),
                "--summary",
                str(summary),
                "--testlogs",
                str(tmp_path / "logs"),
                "--commit",
                "abc",
                "//m/tests:x_test",
            ]
        )
        == 0
    )
    assert main(["render", "--history", str(history), "--chart", str(chart), "--badge", str(badge)]) == 0
    assert read_history(str(history))[0].test_seconds == {"//m/tests:x_test": 4.5}
    assert "coverage: 92.0%" in badge.read_text()
    assert ElementTree.fromstring(chart.read_text()).tag == f"{SVG}svg"


def test_a_record_with_fixture_figures_round_trips_through_the_history():
    with_fixtures = RunRecord(
        date="2026-12-01T10:00:00+00:00",
        commit="abc",
        coverage={"TOTAL": 93.0},
        test_seconds={"//a:t": 2.0},
        fixture_setup_seconds=12.5,
        fixture_seconds={"gateway (d0_gateway.tests.conftest)": 4.25},
    )
    [parsed] = parse_history(with_fixtures.to_json() + "\n", "h.jsonl")
    assert parsed == with_fixtures


def test_a_record_without_fixture_figures_keeps_the_old_format():
    row = json.loads(RunRecord(date="d", commit="c", coverage={"TOTAL": 90.0}).to_json())
    assert list(row) == ["date", "commit", "coverage", "total_test_seconds", "test_seconds"]


def test_fixture_figures_come_from_the_fixture_time_report(tmp_path):
    report = tmp_path / "fixture_times.json"
    fixtures = [{"name": f"f{n}", "module": "m", "seconds": 20.0 - n} for n in range(12)]
    report.write_text(json.dumps({"fixture_setup_seconds": 99.5, "fixtures": fixtures}))
    figures = read_fixture_figures(str(report))
    assert figures["fixture_setup_seconds"] == 99.5
    assert list(figures["fixture_seconds"]) == [f"f{n} (m)" for n in range(10)]


def test_a_broken_fixture_report_is_refused_naming_it(tmp_path):
    report = tmp_path / "fixture_times.json"
    report.write_text("{}")
    with pytest.raises(SummaryError, match="fixture_times.json: not a fixture-time report"):
        read_fixture_figures(str(report))


def test_chart_draws_fixture_setup_seconds_dashed_when_recorded():
    runs = [
        RunRecord(date=f"2026-12-0{n}", commit="c", coverage={"TOTAL": 90.0}, fixture_setup_seconds=float(n))
        for n in (1, 2)
    ]
    svg = render_chart(runs)
    assert "dashed: fixture setup seconds" in svg and 'stroke-dasharray="4 3"' in svg
