"""Diff coverage: how much of the lines and branches a change touches its tests execute."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tools.ci.diff_lines import ChangedLines
from tools.coverage.lcov import FileCoverage


@dataclass(frozen=True)
class FileDiffCoverage:
    """Coverage of the changed, measurable lines and branches of one file."""

    path: str
    covered_lines: frozenset[int]
    uncovered_lines: frozenset[int]
    branches_found: int
    branches_hit: int
    partial_lines: frozenset[int]
    """Changed lines that ran but left one of their branches untaken."""

    @property
    def found(self) -> int:
        return len(self.covered_lines) + len(self.uncovered_lines) + self.branches_found

    @property
    def hit(self) -> int:
        return len(self.covered_lines) + self.branches_hit


@dataclass(frozen=True)
class DiffCoverage:
    """Diff coverage of a whole change: per measured file, plus changed files coverage does not measure."""

    files: tuple[FileDiffCoverage, ...]
    unmeasured_files: tuple[str, ...]
    """Changed files with no coverage data (tests, tools, files outside every module): not counted."""

    @property
    def found(self) -> int:
        return sum(item.found for item in self.files)

    @property
    def hit(self) -> int:
        return sum(item.hit for item in self.files)

    @property
    def percent(self) -> float | None:
        """Lines + branches hit over found on changed lines; None when the change touches nothing measured."""
        return None if self.found == 0 else 100.0 * self.hit / self.found

    def meets(self, floor: float) -> bool:
        """True when the change is at or above `floor` percent, or touches no measured line."""
        percent = self.percent
        return percent is None or round(percent, 2) >= floor


def diff_coverage(changed: ChangedLines, coverage: Mapping[str, FileCoverage]) -> DiffCoverage:
    """Intersects the changed lines with the merged lcov: DA lines and BRDA branches on changed lines count."""
    files: list[FileDiffCoverage] = []
    unmeasured: list[str] = []
    for path in sorted(changed):
        record = coverage.get(path)
        if record is None:
            unmeasured.append(path)
            continue
        lines = changed[path]
        measured = {line: hits for line, hits in record.lines.items() if line in lines}
        branches = {key: hits for key, hits in record.branches.items() if key[0] in lines}
        if not measured and not branches:
            continue
        covered = frozenset(line for line, hits in measured.items() if hits > 0)
        partial = frozenset(key[0] for key, hits in branches.items() if not hits and key[0] in covered)
        files.append(
            FileDiffCoverage(
                path=path,
                covered_lines=covered,
                uncovered_lines=frozenset(line for line, hits in measured.items() if hits == 0),
                branches_found=len(branches),
                branches_hit=sum(1 for hits in branches.values() if hits),
                partial_lines=partial,
            )
        )
    return DiffCoverage(files=tuple(files), unmeasured_files=tuple(unmeasured))
