"""Reads the per-module figures `bazel coverage //...` writes to bazel-out/_coverage/coverage_summary.json."""

from __future__ import annotations

import json
from dataclasses import dataclass

from tools.ci.errors import SummaryError


@dataclass(frozen=True)
class ModuleFigure:
    """One row of the coverage table: a module (or TOTAL), its percent (lines + branches) and floor."""

    module: str
    percent: float
    floor: float


def parse_summary(text: str, origin: str) -> dict[str, ModuleFigure]:
    """Module name -> figure, TOTAL included; raises SummaryError naming `origin` when the JSON is off."""
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as error:
        raise SummaryError(f"{origin}: not JSON: {error}") from error
    if not isinstance(rows, list):
        raise SummaryError(f"{origin}: expected a list of module rows, got {type(rows).__name__}")
    figures: dict[str, ModuleFigure] = {}
    for index, row in enumerate(rows):
        try:
            figures[str(row["module"])] = ModuleFigure(
                module=str(row["module"]), percent=float(row["percent"]), floor=float(row["floor"])
            )
        except (KeyError, TypeError, ValueError) as error:
            raise SummaryError(f"{origin}: row {index} lacks a valid module/percent/floor: {row!r}") from error
    return figures


def load_summary(path: str) -> dict[str, ModuleFigure]:
    """Reads a coverage_summary.json file; raises SummaryError when it is missing or malformed."""
    try:
        with open(path, encoding="utf-8") as handle:
            return parse_summary(handle.read(), path)
    except OSError as error:
        raise SummaryError(f"cannot read coverage summary {path}: {error.strerror}") from error
