"""Errors raised by batch_runner; every message names the batch, lead, field or file line at fault."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from batch_runner.money import format_usd


class BatchRunnerError(Exception):
    """Base of every batch_runner error."""


@dataclass(frozen=True)
class LeadProblem:
    """One rejected input row: where it is (1-based line, header = line 1), which column, and why."""

    line: int
    column: str
    reason: str

    def describe(self, source: str) -> str:
        """`source:line: column 'x': reason`, the form every rejection is reported in (`source: reason` for line 0,
        a problem with the file as a whole)."""
        if self.line == 0:
            return f"{source}: {self.reason}"
        return f"{source}:{self.line}: column {self.column!r}: {self.reason}"


class LeadInputError(BatchRunnerError, ValueError):
    """Leads were rejected before any money was spent; `problems` lists every bad row, in line order."""

    def __init__(self, source: str, problems: Sequence[LeadProblem]) -> None:
        if not problems:
            raise ValueError("LeadInputError needs at least one problem")
        self.source = source
        self.problems = tuple(sorted(problems, key=lambda problem: problem.line))
        lines = "\n".join(problem.describe(source) for problem in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in {source}:\n{lines}")


class DuplicateLeadsError(LeadInputError):
    """Every lead is valid on its own, but some are the same lead (same id or email) as an earlier one."""


class BatchNotFoundError(BatchRunnerError, LookupError):
    """No batch with the given id is checkpointed."""

    def __init__(self, batch_id: str) -> None:
        super().__init__(f"no batch with id {batch_id!r}")
        self.batch_id = batch_id


class BatchConflictError(BatchRunnerError):
    """A batch id is reused for a different set of leads or pipeline, which would mix two batches."""


class BudgetApprovalRequiredError(BatchRunnerError):
    """The batch's estimated cost is over its budget and no approval covers the estimate."""

    def __init__(self, batch_id: str, estimated: Decimal, budget: Decimal, approved: Decimal | None) -> None:
        approval = "no approval" if approved is None else f"an approval of only {format_usd(approved)}"
        super().__init__(
            f"batch {batch_id!r} is estimated at {format_usd(estimated)}, over its budget of {format_usd(budget)}, "
            f"and has {approval}; approve at least {format_usd(estimated)} to start it"
        )
        self.batch_id = batch_id
        self.estimated = estimated
        self.budget = budget
        self.approved = approved


class ApprovalTooLowError(BatchRunnerError, ValueError):
    """An approval was given for less than the batch's estimated cost."""


class UnknownProviderError(BatchRunnerError, LookupError):
    """A pipeline step names a provider the price book has no price for."""


class StepError(BatchRunnerError):
    """A pipeline step failed for one lead. `retryable` says whether trying again may succeed."""

    retryable: bool = False


class RetryableStepError(StepError):
    """A transient failure (rate limit, timeout, 5xx): the runner retries it with backoff."""

    retryable = True

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentStepError(StepError):
    """A failure that the same request will hit again (bad input, 4xx): the lead fails at once."""


class LeadTimeoutError(BatchRunnerError, TimeoutError):
    """A lead took longer than the per-lead timeout, retries included (never retried itself)."""

    retryable = False


class StaleRunError(BatchRunnerError):
    """A checkpoint write came from a run that no longer owns the lead (a newer run resumed the batch)."""


class InvalidBatchError(BatchRunnerError, ValueError):
    """A batch id or budget is not acceptable (the message names the value)."""


class InvalidAmountError(InvalidBatchError):
    """A budget or approval is not a finite dollar amount between 0 and cost.MAX_AMOUNT_USD."""


class StepFailedError(BatchRunnerError):
    """A step gave up on a lead: a permanent error, or a retryable one that used every attempt."""

    def __init__(self, step: str, attempts: int, cause: BaseException) -> None:
        tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
        super().__init__(f"step {step!r} failed after {tries}: {type(cause).__name__}: {cause}")
        self.step = step
        self.attempts = attempts
        self.cause = cause
