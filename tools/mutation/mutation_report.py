"""A module's mutation score from its per-file results, its reviewed skip file and its floor.

Skip file (`<module>/mutation_skips.txt`): one equivalent mutant per line, as the report prints it without
the line number, then `#` and the reason: `d1_targeting/priority.py::score: x > 0 → x >= 0  # x is never 0`.
Entries match a surviving mutant by file, function, original and mutated code (not by line, which moves).
An entry without a reason, or one that no longer matches a survivor, is an error: the file stays reviewed.

Known survivors (`<module>/mutation_survivors.txt`, optional): the gaps the module's tests leave today, one
mutant key per line (the same key as a skip, without a reason), timeouts included (counted as killed, yet
no test failed on them: a flip between timeout and survived is load, not a change of the tests). It is a
ratchet under the floor: a survivor not listed is a new gap and fails the module whatever its score, and a
listed one that a test now fails on fails the module too until it is removed, so a gap once closed cannot
reopen unnoticed. `tools/bazel run //<module>:mutation_test -- --write-survivors` rewrites the file from the
current results, for review.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

KILLED = frozenset({"killed", "timeout"})
"""Statuses in which the tests noticed the mutant (a mutant that never finishes counts as caught)."""


class ReportError(ValueError):
    """The results or the skip file cannot be read; the message names the file and the problem."""


@dataclass(frozen=True)
class Mutant:
    """One mutant of one file, as the engine described it."""

    file: str
    function: str
    line: int
    original: str
    mutant: str
    status: str
    tests: int
    command: str

    @property
    def key(self) -> str:
        """How the skip file names this mutant: stable while the function's code is."""
        return f"{self.file}::{self.function}: {self.original} → {self.mutant}".strip()  # files strip lines too


@dataclass
class FileScore:
    """Counts for one source file."""

    file: str
    mutants: int = 0
    killed: int = 0
    survived: int = 0
    skipped: int = 0

    @property
    def score(self) -> float:
        judged = self.mutants - self.skipped
        return 100.0 * self.killed / judged if judged else 100.0


@dataclass
class ModuleReport:
    """A module's score against its floor, per file, with its survivors and equivalent mutants."""

    module: str
    floor: float
    where: str
    files: list[FileScore] = field(default_factory=list)
    survivors: list[Mutant] = field(default_factory=list)
    skipped: list[tuple[Mutant, str]] = field(default_factory=list)
    stale_skips: list[str] = field(default_factory=list)
    timeouts: list[Mutant] = field(default_factory=list)
    """Counted as killed, but no test failed on them: on a loaded machine a slow mutant that would pass
    runs out of time too, so the known survivors list them and a flip either way is not a change."""
    known_file: str | None = None
    new_survivors: list[Mutant] = field(default_factory=list)
    no_longer_surviving: list[str] = field(default_factory=list)

    @property
    def total(self) -> FileScore:
        total = FileScore(file="TOTAL")
        for row in self.files:
            total.mutants += row.mutants
            total.killed += row.killed
            total.survived += row.survived
            total.skipped += row.skipped
        return total

    @property
    def unfailed(self) -> list[Mutant]:
        """The mutants no test failed on (survivors and timeouts, equivalent ones left out): what the known
        survivors list."""
        return [*self.survivors, *self.timeouts]

    @property
    def passed(self) -> bool:
        return (
            self.total.score >= self.floor
            and not self.stale_skips
            and not self.new_survivors
            and not self.no_longer_surviving
        )


def read_results(paths: Iterable[str]) -> list[Mutant]:
    """Every mutant of the given result files (written by tools/mutation/engine_cli.py)."""
    mutants = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                result = json.load(handle)
            for m in result["mutants"]:
                mutants.append(
                    Mutant(
                        file=result["file"],
                        function=m["function"],
                        line=int(m["line"]),
                        original=m["original"],
                        mutant=m["mutant"],
                        status=m["status"],
                        tests=int(m["tests"]),
                        command=m["command"],
                    )
                )
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ReportError(f"{path}: not a mutation result ({error})") from error
    return mutants


def read_skips(path: str | None) -> dict[str, str]:
    """Skip key -> reason, from the module's skip file (none: no skips)."""
    if not path:
        return {}
    skips: dict[str, str] = {}
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            key, _, reason = line.rpartition("  # ")
            if not key or not reason.strip():
                raise ReportError(f"{path}:{number}: an equivalent mutant needs `  # reason` after it: {line!r}")
            skips[key.strip()] = reason.strip()
    return skips


def read_known_survivors(path: str) -> Counter[str]:
    """Mutant key -> how many survivors with that key the module's known-survivors file lists."""
    known: Counter[str] = Counter()
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if "::" not in line or " →" not in line:
                raise ReportError(
                    f"{path}:{number}: not a mutant key (<file>::<function>: <original> → <mutant>): {line!r}"
                )
            known[line] += 1
    return known


def known_survivors_text(report: ModuleReport, rewrite_command: str) -> str:
    """The known-survivors file that lists exactly the report's survivors (sorted by file and line)."""
    header = [
        f"# Known surviving mutants of {report.module}: gaps its tests leave today (tools/mutation/README.md).",
        "# mutation_test fails on a survivor missing here (a new gap) and on an entry that no longer survives.",
        "# Timeouts are listed too: no test failed on them, and on a loaded machine a slow pass times out.",
        f"# Rewritten by: {rewrite_command}",
    ]
    keys = [m.key for m in sorted(report.unfailed, key=lambda s: (s.file, s.line, s.key))]
    return "\n".join([*header, *keys]) + "\n"


def score_module(
    module: str,
    floor: float,
    where: str,
    mutants: list[Mutant],
    skips: dict[str, str],
    known: Counter[str] | None = None,
    known_file: str | None = None,
) -> ModuleReport:
    """Counts each file's mutants, applying the reviewed skips to survivors only; with `known` (the known
    survivors), also lists the survivors it lacks and its entries that no longer survive."""
    report = ModuleReport(module=module, floor=floor, where=where, known_file=known_file)
    rows: dict[str, FileScore] = {}
    used: set[str] = set()
    for mutant in mutants:
        row = rows.setdefault(mutant.file, FileScore(file=mutant.file))
        row.mutants += 1
        if mutant.status in KILLED:
            row.killed += 1
            if mutant.status == "timeout":
                if mutant.key in skips:
                    used.add(mutant.key)  # an equivalent mutant that ran out of time on a loaded machine
                else:
                    report.timeouts.append(mutant)
        elif mutant.key in skips:
            row.skipped += 1
            used.add(mutant.key)
            report.skipped.append((mutant, skips[mutant.key]))
        else:
            row.survived += 1
            report.survivors.append(mutant)
    report.files = [rows[name] for name in sorted(rows)]
    report.stale_skips = sorted(set(skips) - used)
    if known is not None:
        unlisted, unused = match_known(sorted(report.unfailed, key=lambda s: (s.file, s.line)), known)
        report.new_survivors = [mutant for mutant in unlisted if mutant.status != "timeout"]
        report.no_longer_surviving = sorted(unused.elements())
    return report


def match_known(mutants: Iterable[Mutant], known: Counter[str]) -> tuple[list[Mutant], Counter[str]]:
    """(the mutants the known survivors do not list, the entries no mutant used). Each listed line stands
    for one mutant with its key, so a key listed once does not cover two survivors."""
    unused = Counter(known)
    unlisted = []
    for mutant in mutants:
        if unused[mutant.key] > 0:
            unused[mutant.key] -= 1
        else:
            unlisted.append(mutant)
    return unlisted, +unused


def render(report: ModuleReport) -> str:
    """The table, the equivalent mutants with their reasons, each survivor, and the verdict."""
    lines = [
        f"Mutation score of {report.module} (floor from {report.where})",
        f"{'file':<44} {'mutants':>7} {'killed':>7} {'survived':>8} {'skipped':>7} {'score':>7}",
        "-" * 86,
    ]
    for row in [*report.files, report.total]:
        if row.file == "TOTAL":
            lines.append("-" * 86)
        lines.append(
            f"{row.file:<44} {row.mutants:>7} {row.killed:>7} {row.survived:>8} {row.skipped:>7} {row.score:>6.2f}%"
        )
    if report.skipped:
        lines += ["", "Skipped as equivalent (reviewed, in the module's mutation_skips.txt):"]
        lines += [f"  {m.file}:{m.line}: {m.original} → {m.mutant}  # {reason}" for m, reason in report.skipped]
    new = {id(m) for m in report.new_survivors}
    known = [m for m in report.survivors if id(m) not in new]
    if report.new_survivors:
        lines += ["", f"New surviving mutants (not in {report.known_file}; a test should fail on each):"]
        lines += _survivor_lines(report.new_survivors)
    if known:
        title = f"Known surviving mutants (listed in {report.known_file})" if report.known_file else "Surviving mutants"
        lines += ["", f"{title} (a test should fail on each; rerun them with the command below it):"]
        lines += _survivor_lines(known)
    for key in report.stale_skips:
        lines.append(f"stale skip entry (matches no surviving mutant; remove it): {key}")
    for key in report.no_longer_surviving:
        lines.append(f"known survivor no longer survives (remove it from {report.known_file}): {key}")
    total = report.total
    verdict = "ok" if total.score >= report.floor else "FAILED"
    lines += [
        "",
        f"mutation {verdict}: {report.module} kills {total.score:.2f}% of its mutants "
        f"({total.killed}/{total.mutants - total.skipped}; {total.skipped} skipped as equivalent), "
        f"floor {report.floor:g}% (set in {report.where})",
    ]
    if report.new_survivors:
        lines.append(
            f"mutation FAILED: {report.module} has {len(report.new_survivors)} new surviving mutant(s), "
            f"not in {report.known_file}: {', '.join(f'{m.file}:{m.line}' for m in report.new_survivors)}"
        )
    if report.no_longer_surviving:
        lines.append(
            f"mutation FAILED: {len(report.no_longer_surviving)} known survivor(s) of {report.known_file} no longer "
            "survive; remove them so the gap cannot reopen unnoticed"
        )
    return "\n".join(lines)


def _survivor_lines(survivors: list[Mutant]) -> list[str]:
    lines = []
    for m in sorted(survivors, key=lambda s: (s.file, s.line)):
        lines.append(f"  {m.file}:{m.line}: {m.original} → {m.mutant}")
        if m.status == "no tests":
            lines.append("      no test executes this code")
        else:
            lines.append(f"      {m.status} {m.tests} test(s): {m.command}")
    return lines
