"""Coverage, test-time and fixture-time history: one JSON object per CI run on main (JSON Lines), rendered as
an SVG trend chart and an SVG coverage badge, both drawn here (no plotting library).

    python3 -m tools.ci.trend append --history H --summary S --testlogs DIR --commit SHA \
        [--fixture-report ci-artifacts/performance/fixture_times.json] LABEL...
    python3 -m tools.ci.trend render --history H --chart trend.svg --badge badge.svg
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from tools.ci.coverage_summary import load_summary
from tools.ci.errors import CiToolError, HistoryError, SummaryError
from tools.ci.test_times import read_durations


@dataclass(frozen=True)
class RunRecord:
    """One CI run: when, which commit, coverage percent per module (and TOTAL), seconds per test target and,
    when the fixture-time report ran, total fixture setup seconds and the costliest fixtures' seconds."""

    date: str
    commit: str
    coverage: Mapping[str, float]
    test_seconds: Mapping[str, float] = field(default_factory=dict)
    fixture_setup_seconds: float | None = None
    fixture_seconds: Mapping[str, float] = field(default_factory=dict)

    @property
    def total_test_seconds(self) -> float:
        return round(sum(self.test_seconds.values()), 3)

    def to_json(self) -> str:
        row: dict[str, object] = {
            "date": self.date,
            "commit": self.commit,
            "coverage": dict(sorted(self.coverage.items())),
            "total_test_seconds": self.total_test_seconds,
            "test_seconds": dict(sorted(self.test_seconds.items())),
        }
        if self.fixture_setup_seconds is not None:
            row["fixture_setup_seconds"] = self.fixture_setup_seconds
            row["fixture_seconds"] = dict(self.fixture_seconds)
        return json.dumps(row, sort_keys=False)


def parse_history(text: str, origin: str) -> list[RunRecord]:
    """Reads a JSON Lines history; raises HistoryError naming origin:line for a bad line."""
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            records.append(
                RunRecord(
                    date=str(row["date"]),
                    commit=str(row["commit"]),
                    coverage={str(k): float(v) for k, v in row["coverage"].items()},
                    test_seconds={str(k): float(v) for k, v in row.get("test_seconds", {}).items()},
                    fixture_setup_seconds=(
                        None if row.get("fixture_setup_seconds") is None else float(row["fixture_setup_seconds"])
                    ),
                    fixture_seconds={str(k): float(v) for k, v in row.get("fixture_seconds", {}).items()},
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as error:
            raise HistoryError(f"{origin}:{number}: not a run record ({error}): {line[:80]!r}") from error
    return records


def read_history(path: str) -> list[RunRecord]:
    """The records of a history file; an absent file is an empty history (the first run)."""
    try:
        with open(path, encoding="utf-8") as handle:
            return parse_history(handle.read(), path)
    except FileNotFoundError:
        return []


def append_record(path: str, record: RunRecord) -> None:
    """Appends one run to the history file, creating it on the first run."""
    read_history(path)  # refuse to append to a corrupt history
    with open(path, "a", encoding="utf-8") as out:
        out.write(record.to_json() + "\n")


TRENDED_FIXTURES = 10
"""How many of the run's costliest fixtures each history record keeps by name."""


def read_fixture_figures(path: str) -> dict[str, Any]:
    """fixture_setup_seconds and the top fixtures' seconds (`name (module)`) from a fixture-time report."""
    try:
        with open(path, encoding="utf-8") as handle:
            report = json.load(handle)
        top = report["fixtures"][:TRENDED_FIXTURES]
        return {
            "fixture_setup_seconds": float(report["fixture_setup_seconds"]),
            "fixture_seconds": {f"{row['name']} ({row['module']})": float(row["seconds"]) for row in top},
        }
    except OSError as error:
        raise SummaryError(f"cannot read fixture-time report {path}: {error.strerror}") from error
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise SummaryError(f"{path}: not a fixture-time report ({error!r})") from error


_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


def _polyline(points: Sequence[tuple[float, float]], colour: str, width: float) -> str:
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return f'<polyline fill="none" stroke="{colour}" stroke-width="{width}" points="{coords}"/>'


def render_chart(records: Sequence[RunRecord], last: int = 50) -> str:
    """SVG line chart of the last `last` runs: coverage % per module and TOTAL (top), total test seconds (bottom)."""
    runs = list(records)[-last:]
    width, left, right = 760, 50, 150
    top_h, bottom_h, gap, margin = 220, 110, 40, 20
    plot_w = width - left - right
    height = margin + top_h + gap + bottom_h + 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="14" font-size="13">Coverage % (lines + branches) and test seconds, last '
        f"{len(runs)} runs</text>",
    ]
    if not runs:
        parts.append(f'<text x="{left}" y="{margin + 40}">no runs recorded yet</text></svg>')
        return "\n".join(parts) + "\n"

    def x_of(index: int) -> float:
        return left + (plot_w * index / (len(runs) - 1) if len(runs) > 1 else plot_w / 2)

    lowest = min(min(run.coverage.values(), default=100.0) for run in runs)
    floor_y = max(0.0, min(90.0, (int(lowest) // 10) * 10.0))

    def y_of(percent: float) -> float:
        return margin + top_h * (1 - (percent - floor_y) / (100.0 - floor_y))

    for tick in range(int(floor_y), 101, 10 if floor_y < 60 else 5):
        y = y_of(tick)
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}%</text>')
    modules = sorted({name for run in runs for name in run.coverage if name != "TOTAL"})
    series = modules + ["TOTAL"]
    for index, name in enumerate(series):
        colour = "#000" if name == "TOTAL" else _PALETTE[index % len(_PALETTE)]
        points = [(x_of(i), y_of(run.coverage[name])) for i, run in enumerate(runs) if name in run.coverage]
        if not points:
            continue
        parts.append(_polyline(points, colour, 2.5 if name == "TOTAL" else 1.5))
        for x, y in points[-1:]:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"/>')
        last_value = [run.coverage[name] for run in runs if name in run.coverage][-1]
        legend_y = margin + 12 + 14 * index
        parts.append(f'<rect x="{left + plot_w + 12}" y="{legend_y - 8}" width="10" height="3" fill="{colour}"/>')
        parts.append(f'<text x="{left + plot_w + 26}" y="{legend_y - 3}">{escape(name)} {last_value:.2f}%</text>')

    base_y = margin + top_h + gap
    seconds = [run.total_test_seconds for run in runs]
    fixture_points = [
        (i, run.fixture_setup_seconds) for i, run in enumerate(runs) if run.fixture_setup_seconds is not None
    ]
    peak = max(max(seconds), max((value for _, value in fixture_points), default=0.0), 1.0)
    parts.append(
        f'<text x="{left}" y="{base_y - 6}">total test seconds (sum of targets)'
        + ("; dashed: fixture setup seconds" if fixture_points else "")
        + "</text>"
    )
    parts.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{base_y + bottom_h}" y2="{base_y + bottom_h}" stroke="#999"/>'
    )
    parts.append(f'<text x="{left - 6}" y="{base_y + 4}" text-anchor="end">{peak:.0f}s</text>')
    parts.append(f'<text x="{left - 6}" y="{base_y + bottom_h + 4}" text-anchor="end">0s</text>')
    time_points = [(x_of(i), base_y + bottom_h * (1 - value / peak)) for i, value in enumerate(seconds)]
    parts.append(_polyline(time_points, "#555", 1.5))
    if fixture_points:
        points = [(x_of(i), base_y + bottom_h * (1 - value / peak)) for i, value in fixture_points]
        parts.append(_polyline(points, "#555", 1.0).replace("<polyline ", '<polyline stroke-dasharray="4 3" ', 1))
    label_y = base_y + bottom_h + 18
    parts.append(f'<text x="{left}" y="{label_y}">{escape(runs[0].date[:10])} {escape(runs[0].commit[:8])}</text>')
    parts.append(
        f'<text x="{left + plot_w}" y="{label_y}" text-anchor="end">'
        f"{escape(runs[-1].date[:10])} {escape(runs[-1].commit[:8])}</text>"
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def badge_colour(percent: float) -> str:
    """Shields-style colours: green at 90%+, yellow-green 80%+, yellow 70%+, orange 60%+, red below."""
    for threshold, colour in ((90, "#4c1"), (80, "#97ca00"), (70, "#dfb317"), (60, "#fe7d37")):
        if percent >= threshold:
            return colour
    return "#e05d44"


def render_badge(percent: float | None, label: str = "coverage") -> str:
    """A flat SVG badge `coverage | 93.4%` (grey `unknown` before the first run)."""
    value = "unknown" if percent is None else f"{percent:.1f}%"
    colour = "#9f9f9f" if percent is None else badge_colour(percent)
    left_w, right_w = 6 * len(label) + 12, 7 * len(value) + 12
    total = left_w + right_w
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" '
        f'aria-label="{escape(label)}: {escape(value)}">'
        f"<title>{escape(label)}: {escape(value)}</title>"
        f'<rect width="{left_w}" height="20" fill="#555"/>'
        f'<rect x="{left_w}" width="{right_w}" height="20" fill="{colour}"/>'
        f'<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{left_w / 2:.1f}" y="14">{escape(label)}</text>'
        f'<text x="{left_w + right_w / 2:.1f}" y="14">{escape(value)}</text></g></svg>\n'
    )


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write(text)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    append = commands.add_parser("append", help="append this run's figures to the history")
    append.add_argument("--history", required=True)
    append.add_argument("--summary", required=True, help="coverage_summary.json of this run")
    append.add_argument("--testlogs", required=True, help="`bazel info bazel-testlogs`")
    append.add_argument("--commit", required=True)
    append.add_argument("--date", help="ISO timestamp (default: now, UTC)")
    append.add_argument("--fixture-report", help="fixture_times.json of this run (tools/ci/fixture_times.py)")
    append.add_argument("labels", nargs="*", help="test targets whose seconds to record")
    render = commands.add_parser("render", help="draw the trend chart and the badge from the history")
    render.add_argument("--history", required=True)
    render.add_argument("--chart", required=True)
    render.add_argument("--badge", required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "append":
            figures = load_summary(args.summary)
            record = RunRecord(
                date=args.date or datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                commit=args.commit,
                coverage={name: figure.percent for name, figure in figures.items()},
                test_seconds=read_durations(args.testlogs, args.labels),
                **(read_fixture_figures(args.fixture_report) if args.fixture_report else {}),
            )
            append_record(args.history, record)
            print(f"trend: run {args.commit[:12]} appended to {args.history}")
        else:
            records = read_history(args.history)
            _write(args.chart, render_chart(records))
            total = records[-1].coverage.get("TOTAL") if records else None
            _write(args.badge, render_badge(total))
            print(f"trend: {len(records)} runs drawn to {args.chart}; badge {args.badge}")
    except CiToolError as error:
        print(f"trend: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
