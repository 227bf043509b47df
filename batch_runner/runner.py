"""The batch runner: leads go through the pipeline on asyncio with bounded concurrency, retries and checkpoints.

Per lead: claim it (pending -> running), run each step whose result is not yet checkpointed (retrying
retryable errors with backoff, within the per-lead timeout), checkpoint each result, then mark the lead
done or failed. A failed lead never stops the batch. `cancel` stops new work and returns in-flight leads
to pending; a killed process leaves them running, and the next run (a resume) takes them back.

Spend never exceeds the preview: each (lead, step) result is charged once, at the marginal price the
preview used. Calls that fail, or that were in flight when a process died, are not in that ledger; a
provider that bills them anyway is billed for at most one repeated call per lead in flight at a crash.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import uuid
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from batch_runner.checkpoint import BatchSnapshot, CheckpointStore, LeadResult
from batch_runner.cost import DEFAULT_PRICE_BOOK, CostPreview, PriceBook, check_amount, preview_cost
from batch_runner.errors import (
    BatchConflictError,
    BudgetApprovalRequiredError,
    InvalidBatchError,
    LeadTimeoutError,
    PermanentStepError,
    StaleRunError,
    StepFailedError,
)
from batch_runner.leads import Lead
from batch_runner.progress import ProgressBus, ProgressTracker
from batch_runner.retry import RetryPolicy, is_retryable, retry_after_of
from batch_runner.steps import Pipeline, PipelineStep
from d0_gateway import Clock, SystemClock

_log = logging.getLogger(__name__)
_BATCH_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")


@dataclass(frozen=True)
class RunSettings:
    """How a batch runs: leads in flight at once, seconds per lead (retries included), retry policy."""

    max_concurrency: int = 4
    lead_timeout: float = 60.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def __post_init__(self) -> None:
        if self.max_concurrency < 1:
            raise ValueError(f"max_concurrency must be >= 1, got {self.max_concurrency}")
        if self.lead_timeout <= 0:
            raise ValueError(f"lead_timeout must be > 0 seconds, got {self.lead_timeout}")


@dataclass
class _ActiveRun:
    task: asyncio.Task[BatchSnapshot]
    workers: list[asyncio.Task[None]] = field(default_factory=list)
    cancelling: bool = False


class BatchRunner:
    """Creates, previews, approves, runs, resumes and cancels batches checkpointed in a CheckpointStore."""

    def __init__(
        self,
        store: CheckpointStore,
        pipeline: Pipeline,
        *,
        price_book: PriceBook = DEFAULT_PRICE_BOOK,
        settings: RunSettings | None = None,
        clock: Clock | None = None,
        progress: ProgressBus | None = None,
        rng: random.Random | None = None,
        run_tokens: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self.store = store
        self.pipeline = pipeline
        self.price_book = price_book
        self.settings = settings or RunSettings()
        self.clock: Clock = clock or SystemClock()
        self.progress = progress or ProgressBus()
        self._rng = rng or random.Random()
        self._run_tokens = run_tokens
        self._active: dict[str, _ActiveRun] = {}
        for provider in pipeline.providers:
            price_book.price(provider)  # every step must be priced before any batch is accepted

    def preview(self, lead_count: int) -> CostPreview:
        """The estimated cost of running `lead_count` leads through this runner's pipeline."""
        return preview_cost(self.pipeline.providers, lead_count, self.price_book)

    def create_batch(self, batch_id: str, leads: Sequence[Lead], *, budget: Decimal) -> BatchSnapshot:
        """Checkpoints a batch of validated leads with its budget and estimate; repeating it is a no-op."""
        if not _BATCH_ID.match(batch_id):
            raise InvalidBatchError(f"invalid batch id {batch_id!r}: use 1-64 letters, digits, '_', '.', ':' or '-'")
        budget = check_amount(budget, "budget")
        if not leads:
            raise InvalidBatchError(f"batch {batch_id!r} has no leads")
        estimate = self.preview(len(leads)).total
        return self.store.create_batch(
            batch_id,
            leads,
            self.pipeline.signature,
            budget=budget,
            estimated_cost=estimate,
            now=self.clock.now(),
        )

    def approve(self, batch_id: str, max_cost: Decimal) -> BatchSnapshot:
        """Approves spending up to `max_cost` (at least the estimate) on a batch that is over its budget."""
        return self.store.approve(batch_id, check_amount(max_cost, "approval"), now=self.clock.now())

    def status(self, batch_id: str) -> BatchSnapshot:
        """The batch's checkpointed status and counts."""
        return self.store.get_batch(batch_id)

    def list_batches(self) -> list[BatchSnapshot]:
        """Every checkpointed batch, newest first."""
        return self.store.list_batches()

    def results(self, batch_id: str) -> list[LeadResult]:
        """Every lead of the batch with its state, step results and error."""
        return self.store.results(batch_id)

    def is_active(self, batch_id: str) -> bool:
        """True while this runner is running the batch."""
        return batch_id in self._active

    def start(self, batch_id: str) -> asyncio.Task[BatchSnapshot]:
        """Starts (or resumes) the batch in the background; the same task if it is already running here.

        Raises BudgetApprovalRequiredError before anything runs when the estimate is over budget and
        not covered by an approval, and BatchConflictError when the batch was made for another pipeline.
        """
        active = self._active.get(batch_id)
        if active is not None:
            return active.task
        snapshot = self.store.get_batch(batch_id)
        if snapshot.pipeline != self.pipeline.signature:
            raise BatchConflictError(
                f"batch {batch_id!r} was created for pipeline {list(snapshot.pipeline)}, "
                f"not this runner's {list(self.pipeline.signature)}"
            )
        if snapshot.needs_approval:
            raise BudgetApprovalRequiredError(
                batch_id, snapshot.estimated_cost, snapshot.budget, snapshot.approved_cost
            )
        task = asyncio.get_running_loop().create_task(self._execute(batch_id, snapshot), name=f"batch:{batch_id}")
        self._active[batch_id] = _ActiveRun(task)
        task.add_done_callback(lambda done: self._run_ended(batch_id, done))
        return task

    def _run_ended(self, batch_id: str, task: asyncio.Task[BatchSnapshot]) -> None:
        self._active.pop(batch_id, None)
        if not task.cancelled() and task.exception() is not None:
            # Logged here because a batch started in the background (the HTTP API) has nobody awaiting it.
            _log.error(
                "batch %s stopped: %r; its checkpoint is intact, run it again to resume", batch_id, task.exception()
            )

    async def run(self, batch_id: str) -> BatchSnapshot:
        """Runs (or resumes) the batch to the end and returns its final status; a completed batch is returned as is."""
        return await self.start(batch_id)

    def cancel(self, batch_id: str) -> bool:
        """Stops the batch: no new lead starts, in-flight leads return to pending. False if it is not running here."""
        active = self._active.get(batch_id)
        if active is None:
            return False
        active.cancelling = True
        for worker in active.workers:
            worker.cancel()
        return True

    async def _execute(self, batch_id: str, snapshot: BatchSnapshot) -> BatchSnapshot:
        if snapshot.status == "completed":
            return snapshot
        run_token = self._run_tokens()
        pending = deque(self.store.begin_run(batch_id, run_token, now=self.clock.now()))
        tracker = ProgressTracker(
            batch_id, total=snapshot.total, done=snapshot.done, failed=snapshot.failed, clock=self.clock
        )
        self.progress.publish(tracker.event("started"))
        active = self._active[batch_id]
        try:
            async with asyncio.TaskGroup() as workers:
                for _ in range(min(self.settings.max_concurrency, len(pending))):
                    active.workers.append(
                        workers.create_task(self._work(batch_id, run_token, pending, tracker, active))
                    )
        except BaseExceptionGroup as group:
            # A worker only fails when the checkpoint itself does (e.g. the database is gone): report that error.
            raise group.exceptions[0] from None
        final = self.store.end_run(batch_id, run_token, now=self.clock.now())
        self.progress.publish(tracker.event("finished" if final.status == "completed" else "cancelled"))
        return final

    async def _work(
        self, batch_id: str, run_token: str, pending: deque[Lead], tracker: ProgressTracker, active: _ActiveRun
    ) -> None:
        try:
            while pending and not active.cancelling:
                await self._process(batch_id, run_token, pending.popleft(), tracker, active)
        except asyncio.CancelledError:
            if not active.cancelling:
                raise  # killed from outside: leave the checkpoint exactly as a crash would

    async def _process(
        self, batch_id: str, run_token: str, lead: Lead, tracker: ProgressTracker, active: _ActiveRun
    ) -> None:
        results = self.store.claim_lead(batch_id, lead.lead_id, run_token, now=self.clock.now())
        if results is None:
            return
        timeout = self.settings.lead_timeout
        deadline = self.clock.monotonic() + timeout
        error: str | None = None
        try:
            async with asyncio.timeout(timeout):  # hard stop on the loop's clock for a call that never returns
                for step in self.pipeline.steps:
                    if step.name not in results:
                        data = await self._run_step(step, lead, results, deadline)
                        self.store.record_step(
                            batch_id,
                            lead.lead_id,
                            run_token,
                            step=step.name,
                            price=self.price_book.price(step.provider),
                            data=data,
                            now=self.clock.now(),
                        )
                        results[step.name] = data
        except asyncio.CancelledError:
            if active.cancelling:
                self.store.release_lead(batch_id, lead.lead_id, run_token, now=self.clock.now())
            raise
        except StaleRunError as stale:
            _log.warning("abandoning lead %s: %s", lead.lead_id, stale)
            return
        except LeadTimeoutError as timed_out:
            error = str(timed_out)
        except TimeoutError:
            error = f"lead {lead.lead_id!r} timed out after {timeout:g}s"
        except StepFailedError as failed:
            error = str(failed)
        try:
            self.store.finish_lead(batch_id, lead.lead_id, run_token, error=error, now=self.clock.now())
        except StaleRunError as stale:
            _log.warning("abandoning lead %s: %s", lead.lead_id, stale)
            return
        tracker.lead_finished(failed=error is not None)
        kind = "lead_done" if error is None else "lead_failed"
        self.progress.publish(tracker.event(kind, lead_id=lead.lead_id, error=error))

    async def _run_step(
        self, step: PipelineStep, lead: Lead, results: Mapping[str, Mapping[str, Any]], deadline: float
    ) -> dict[str, Any]:
        """One step for one lead, retrying retryable errors with backoff while the lead's deadline allows."""
        retry = self.settings.retry
        attempt = 0
        while True:
            attempt += 1
            self._check_deadline(lead, step, deadline)
            try:
                data = _json_result(step, await step.run(lead, MappingProxyType(dict(results))))
            except Exception as error:
                if not is_retryable(error) or attempt >= retry.max_attempts:
                    raise StepFailedError(step.name, attempt, error) from error
                delay = retry.backoff(attempt, self._rng, retry_after_of(error))
                if self.clock.monotonic() + delay >= deadline:
                    raise LeadTimeoutError(
                        f"lead {lead.lead_id!r} timed out after {self.settings.lead_timeout:g}s: "
                        f"step {step.name!r} needs a {delay:.3g}s backoff after {type(error).__name__}: {error}"
                    ) from error
                await self.clock.sleep(delay)
                continue
            self._check_deadline(lead, step, deadline)
            return data

    def _check_deadline(self, lead: Lead, step: PipelineStep, deadline: float) -> None:
        if self.clock.monotonic() >= deadline:
            raise LeadTimeoutError(
                f"lead {lead.lead_id!r} timed out after {self.settings.lead_timeout:g}s in step {step.name!r}"
            )


def _json_result(step: PipelineStep, data: Any) -> dict[str, Any]:
    """The step's result as a JSON-ready dict; anything else is a permanent error of the step."""
    if not isinstance(data, Mapping):
        raise PermanentStepError(f"step {step.name!r} returned {type(data).__name__}, not a mapping")
    try:
        return json.loads(json.dumps(dict(data)))
    except (TypeError, ValueError) as error:
        raise PermanentStepError(f"step {step.name!r} returned a result that is not JSON: {error}") from None
