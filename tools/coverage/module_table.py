"""The per-module coverage table: one row per module (and TOTAL) against its floor. Standard library only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

TABLE_TITLE = "Coverage by module (lines + branches; floors from each module's BUILD.bazel)"


@dataclass(frozen=True)
class ModuleResult:
    """Coverage figures of one module against its floor; `judged` is False when not all of its tests ran."""

    module: str
    floor: float
    build_file: str
    lines_found: int
    lines_hit: int
    branches_found: int
    branches_hit: int
    judged: bool = True

    @property
    def percent(self) -> float:
        found = self.lines_found + self.branches_found
        return 100.0 if found == 0 else 100.0 * (self.lines_hit + self.branches_hit) / found

    @property
    def passed(self) -> bool:
        return not self.judged or round(self.percent, 2) >= self.floor

    @property
    def verdict(self) -> str:
        if not self.judged:
            return "not judged"
        return "ok" if self.passed else "FAIL"


def format_table(results: Sequence[ModuleResult]) -> str:
    header = f"{'module':<16} {'lines':>13} {'branches':>13} {'cover':>8} {'floor':>7}  verdict"
    rows = [header, "-" * len(header)]
    for result in results:
        if result.module == "TOTAL":
            rows.append("-" * len(header))
        measured = result.lines_found + result.branches_found > 0 or result.judged
        cover = f"{result.percent:>7.2f}%" if measured else f"{'-':>8}"
        rows.append(
            f"{result.module:<16} {f'{result.lines_hit}/{result.lines_found}':>13} "
            f"{f'{result.branches_hit}/{result.branches_found}':>13} {cover} "
            f"{result.floor:>6.0f}%  {result.verdict}"
        )
    return "\n".join(rows)
