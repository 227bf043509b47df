"""Errors raised by d1_targeting; every message names the value and what was wrong with it.

UniverseValidationError, which carries geo findings, lives with them in universe_manager.py.
"""

from __future__ import annotations


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


class UniverseNotFoundError(TargetingError, LookupError):
    """No target universe has the requested id or name."""


class DuplicateUniverseError(TargetingError, ValueError):
    """Another target universe already uses the requested name."""


class QuotaError(TargetingError):
    """Base of quota tracker errors."""


class QuotaExceededError(QuotaError):
    """A reservation would exceed the day's quota or the campaign's cap; says which and by how much."""

    def __init__(self, campaign_id: int, requested: int, day_remaining: int, campaign_remaining: int) -> None:
        limit = "daily quota" if day_remaining <= campaign_remaining else "campaign cap"
        super().__init__(
            f"campaign {campaign_id} requested {requested} but the {limit} leaves "
            f"{min(day_remaining, campaign_remaining)} (day remaining {day_remaining}, "
            f"campaign remaining {campaign_remaining})"
        )
        self.campaign_id = campaign_id
        self.requested = requested
        self.day_remaining = day_remaining
        self.campaign_remaining = campaign_remaining


class ReservationNotFoundError(QuotaError, LookupError):
    """No quota reservation has the requested id."""


class ReservationStateError(QuotaError):
    """A reservation was committed or released after it had already been settled."""


class SchedulingError(TargetingError):
    """The batch scheduler was configured or invoked with invalid values."""
