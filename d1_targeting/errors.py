"""Errors raised by d1_targeting; every message names the value and what was wrong with it."""


class TargetingError(Exception):
    """Base of every d1_targeting error."""


class GeoValidationError(TargetingError, ValueError):
    """A state, ZIP code or other geographic value is invalid."""


class ReferenceDataError(TargetingError):
    """A data file shipped with the module is malformed; names the file, line and column at fault."""

    def __init__(self, path: str, line: int, column: str, reason: str) -> None:
        super().__init__(f"{path}:{line}: column {column!r}: {reason}")
        self.path = path
        self.line = line
        self.column = column
        self.reason = reason
