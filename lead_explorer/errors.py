"""Errors raised by lead_explorer; every message names the field or id at fault and what was wrong."""

from __future__ import annotations


class LeadExplorerError(Exception):
    """Base of every lead_explorer error."""


class LeadValidationError(LeadExplorerError, ValueError):
    """A lead field has a value that cannot be stored (malformed email, bad domain, too long, ...)."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        super().__init__(f"{field}: {reason} (got {value!r})")
        self.field = field
        self.value = value
        self.reason = reason


class LeadIdentityError(LeadValidationError):
    """An update would leave the lead with neither an email nor a domain (a conflict with the stored lead)."""

    def __init__(self, lead_id: str) -> None:
        super().__init__("email", None, "a lead needs an email or a domain; this change would leave it with neither")
        self.lead_id = lead_id


class DuplicateLeadError(LeadExplorerError):
    """Another live lead already holds this unique value (email or domain)."""

    def __init__(self, field: str, value: str, existing_id: str) -> None:
        super().__init__(f"{field} {value!r} already belongs to lead {existing_id}")
        self.field = field
        self.value = value
        self.existing_id = existing_id


class LeadNotFoundError(LeadExplorerError, LookupError):
    """No live lead has this id (it never existed, or it was deleted)."""

    def __init__(self, lead_id: str) -> None:
        super().__init__(f"no lead with id {lead_id!r}")
        self.lead_id = lead_id


class EnrichmentTaskNotFoundError(LeadExplorerError, LookupError):
    """No lead carries this enrichment task id."""

    def __init__(self, task_id: str) -> None:
        super().__init__(f"no enrichment task with id {task_id!r}")
        self.task_id = task_id


class EnrichmentTransitionError(LeadExplorerError):
    """An enrichment task was asked to move to a status its current status cannot reach."""

    def __init__(self, task_id: str, current: str, requested: str) -> None:
        super().__init__(f"enrichment task {task_id!r} is {current}; it cannot become {requested}")
        self.task_id = task_id
        self.current = current
        self.requested = requested


class WriteConflictError(LeadExplorerError):
    """A write kept colliding with concurrent writes and was given up; nothing was stored."""

    def __init__(self, operation: str, attempts: int) -> None:
        super().__init__(f"{operation} collided with concurrent writes {attempts} times; nothing was stored, retry")
        self.operation = operation
        self.attempts = attempts


class DatabaseConfigurationError(LeadExplorerError, ValueError):
    """The database URL or path given to the server cannot be used."""


class BatchEnrichmentError(LeadExplorerError):
    """Base of the errors raised when an enrichment task runs through batch_runner."""


class LeadNotEnrichableError(BatchEnrichmentError, ValueError):
    """The lead cannot be submitted to batch_runner (no enrichment task, or a domain batch_runner refuses)."""

    def __init__(self, lead_id: str, reason: str) -> None:
        super().__init__(f"lead {lead_id!r} cannot be enriched through batch_runner: {reason}")
        self.lead_id = lead_id
        self.reason = reason


class EnrichmentBatchFailedError(BatchEnrichmentError):
    """batch_runner marked the lead failed; `reason` is batch_runner's own error message."""

    def __init__(self, batch_id: str, reason: str) -> None:
        super().__init__(f"batch {batch_id!r}: {reason}")
        self.batch_id = batch_id
        self.reason = reason


class EnrichmentBatchIncompleteError(BatchEnrichmentError):
    """The batch stopped (it was cancelled) before the lead finished; running the task again resumes it."""

    def __init__(self, batch_id: str, state: str) -> None:
        super().__init__(
            f"batch {batch_id!r} stopped with the lead still {state}; run the task again to resume the batch"
        )
        self.batch_id = batch_id
        self.state = state
