import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from batch_runner import (
    ApprovalTooLowError,
    BatchConflictError,
    BatchNotFoundError,
    BatchRunner,
    BudgetApprovalRequiredError,
    CheckpointStore,
    InvalidBatchError,
    Lead,
    Pipeline,
    PriceBook,
    ProgressBus,
    ProgressEvent,
    ProviderPrice,
    RetryPolicy,
    UnknownProviderError,
    VolumeTier,
    standard_pipeline,
)
from testing.batches import GENEROUS_BUDGET, make_leads


class RecordingStep:
    """A step that records which earlier results it saw, and returns a fixed value."""

    def __init__(self, name: str, provider: str = "enrichment", result: Any = None) -> None:
        self.name = name
        self.provider = provider
        self.seen: list[tuple[str, tuple[str, ...]]] = []
        self._result = {"from": name} if result is None else result

    async def run(self, lead: Lead, results: Mapping[str, Mapping[str, Any]]) -> Any:
        self.seen.append((lead.lead_id, tuple(results)))
        return self._result


class RaisingStep(RecordingStep):
    def __init__(self, error: Exception) -> None:
        super().__init__("raising")
        self.error = error
        self.calls = 0

    async def run(self, lead: Lead, results: Mapping[str, Mapping[str, Any]]) -> Any:
        self.calls += 1
        raise self.error


async def _run(runner, leads, batch_id="b1", budget=GENEROUS_BUDGET):
    runner.create_batch(batch_id, leads, budget=budget)
    return await runner.run(batch_id)


def _states(runner, batch_id="b1"):
    return {result.lead.lead_id: result.state for result in runner.results(batch_id)}


async def test_every_lead_is_done_with_each_step_result_when_providers_succeed(make_runner):
    runner = make_runner()
    leads = make_leads(5, seed="happy")
    final = await _run(runner, leads)
    assert (final.status, final.done, final.failed, final.pending) == ("completed", 5, 0, 0)
    for result in runner.results("b1"):
        assert set(result.steps) == {"enrichment", "website_assessment"}
        assert result.steps["enrichment"]["domain"] == result.lead.domain


async def test_steps_run_in_order_and_each_sees_the_results_before_it(make_runner):
    first, second = RecordingStep("first"), RecordingStep("second", provider="website_assessment")
    runner = make_runner(pipeline=Pipeline([first, second]))
    await _run(runner, make_leads(2, seed="order"))
    assert [seen for _, seen in first.seen] == [(), ()]
    assert [seen for _, seen in second.seen] == [("first",), ("first",)]


async def test_concurrency_never_exceeds_the_batch_limit(make_runner, provider):
    leads = make_leads(9, seed="bounded")
    for lead in leads:
        provider.take(lead.domain, 1.5)
    runner = make_runner(max_concurrency=3)
    await _run(runner, leads)
    assert provider.max_in_flight == 3


async def test_failed_lead_is_recorded_with_its_error_and_the_batch_goes_on(make_runner, provider):
    leads = make_leads(4, seed="one-fails")
    provider.fail_permanently(leads[1].domain, "domain is parked")
    runner = make_runner()
    final = await _run(runner, leads)
    assert (final.status, final.done, final.failed) == ("completed", 3, 1)
    failed = [result for result in runner.results("b1") if result.state == "failed"]
    assert [result.lead.lead_id for result in failed] == [leads[1].lead_id]
    assert "domain is parked" in failed[0].error
    assert "step 'enrichment' failed after 1 attempt" in failed[0].error


async def test_permanent_error_is_not_retried(make_runner, provider):
    lead = make_leads(1, seed="permanent")[0]
    provider.fail_permanently(lead.domain)
    await _run(make_runner(), [lead])
    assert provider.calls[lead.domain] == 1


async def test_retryable_error_is_retried_with_backoff_until_it_succeeds(make_runner, provider, fake_clock):
    lead = make_leads(1, seed="transient")[0]
    provider.fail_transiently(lead.domain, times=2)
    runner = make_runner(retry=RetryPolicy(max_attempts=3, base_delay=1.0, factor=2.0))
    await _run(runner, [lead])
    assert _states(runner) == {lead.lead_id: "done"}
    assert provider.calls[lead.domain] == 4  # enrichment: 2 failures + 1 success, then assessment
    assert len(fake_clock.sleeps) == 2
    assert 0 <= fake_clock.sleeps[0] <= 1.0 and 0 <= fake_clock.sleeps[1] <= 2.0


async def test_retryable_error_fails_the_lead_after_the_last_attempt(make_runner, provider):
    lead = make_leads(1, seed="exhausted")[0]
    provider.fail_transiently(lead.domain, times=5)
    runner = make_runner(retry=RetryPolicy(max_attempts=3, base_delay=0.1))
    await _run(runner, [lead])
    (result,) = runner.results("b1")
    assert result.state == "failed"
    assert "failed after 3 attempts: RetryableStepError" in result.error
    assert provider.calls[lead.domain] == 3


async def test_provider_retry_after_is_waited_at_least(make_runner, provider, fake_clock):
    lead = make_leads(1, seed="retry-after")[0]
    provider.fail_transiently(lead.domain, times=1, retry_after=7)
    await _run(make_runner(retry=RetryPolicy(base_delay=0.01)), [lead])
    assert fake_clock.sleeps == [7]


@pytest.mark.parametrize("error, calls", [(ConnectionError("reset by peer"), 2), (KeyError("missing"), 1)])
async def test_unflagged_errors_are_retried_only_when_they_are_connection_or_timeout_errors(make_runner, error, calls):
    step = RaisingStep(error)
    runner = make_runner(pipeline=Pipeline([step]), retry=RetryPolicy(max_attempts=2, base_delay=0.1))
    await _run(runner, make_leads(1, seed="unflagged"))
    assert step.calls == calls
    assert _states(runner) == {"L0001": "failed"}


async def test_lead_slower_than_its_timeout_fails_as_timed_out(make_runner, provider):
    slow, quick = make_leads(2, seed="timeout")
    provider.take(slow.domain, 45)
    runner = make_runner(lead_timeout=60)
    await _run(runner, [slow, quick])
    results = {result.lead.lead_id: result for result in runner.results("b1")}
    assert results[quick.lead_id].state == "done"
    assert results[slow.lead_id].state == "failed"
    assert "timed out after 60s in step 'website_assessment'" in results[slow.lead_id].error


async def test_call_that_never_returns_is_cut_off_by_the_event_loop_timer(make_runner, provider):
    # The FakeClock does not move while a call hangs, so this is the one test that waits on real time
    # (50 ms): the loop's own timer is the backstop for providers that never answer.
    hung, quick = make_leads(2, seed="hung")
    provider.hold(hung.domain)
    runner = make_runner(lead_timeout=0.05)
    await _run(runner, [hung, quick])
    results = {result.lead.lead_id: result for result in runner.results("b1")}
    assert results[hung.lead_id].error == f"lead {hung.lead_id!r} timed out after 0.05s"
    assert results[quick.lead_id].state == "done"


async def test_result_arriving_after_the_deadline_is_not_kept(make_runner, provider):
    lead = make_leads(1, seed="late")[0]
    provider.take(lead.domain, 90)
    runner = make_runner(lead_timeout=60)
    await _run(runner, [lead])
    (result,) = runner.results("b1")
    assert result.state == "failed"
    assert result.steps == {}


async def test_result_arriving_exactly_at_the_deadline_is_not_kept(make_runner, provider):
    lead = make_leads(1, seed="on-time")[0]
    provider.take(lead.domain, 60)
    runner = make_runner(lead_timeout=60)
    await _run(runner, [lead])
    (result,) = runner.results("b1")
    assert (result.state, result.steps) == ("failed", {})


async def test_backoff_ending_exactly_at_the_deadline_fails_the_lead_at_once(make_runner, provider, fake_clock):
    lead = make_leads(1, seed="backoff-edge")[0]
    provider.fail_transiently(lead.domain, times=1, retry_after=30)
    runner = make_runner(lead_timeout=30, retry=RetryPolicy(max_delay=300))
    await _run(runner, [lead])
    (result,) = runner.results("b1")
    assert "needs a 30s backoff" in result.error
    assert fake_clock.sleeps == []


async def test_backoff_that_would_pass_the_deadline_fails_the_lead_at_once(make_runner, provider, fake_clock):
    lead = make_leads(1, seed="backoff-deadline")[0]
    provider.fail_transiently(lead.domain, times=1, retry_after=100)
    runner = make_runner(lead_timeout=30, retry=RetryPolicy(max_delay=300))
    await _run(runner, [lead])
    (result,) = runner.results("b1")
    assert "needs a 100s backoff" in result.error
    assert fake_clock.sleeps == []


@pytest.mark.parametrize(
    "result, message", [(["not", "a", "mapping"], "returned list, not a mapping"), ({"when": object()}, "not JSON")]
)
async def test_step_returning_something_not_json_fails_the_lead(make_runner, result, message):
    runner = make_runner(pipeline=Pipeline([RecordingStep("odd", result=result)]))
    await _run(runner, make_leads(1, seed="odd"))
    (lead_result,) = runner.results("b1")
    assert lead_result.state == "failed"
    assert message in lead_result.error


async def test_cancel_stops_new_work_and_leaves_every_lead_recorded(make_runner, provider):
    leads = make_leads(6, seed="cancel")
    for lead in leads:
        provider.take(lead.domain, 1)
    progress = ProgressBus()
    runner = make_runner(max_concurrency=2, progress=progress)
    progress.add_listener(lambda event: runner.cancel("b1") if event.kind == "lead_done" else None)
    final = await _run(runner, leads)
    assert final.status == "cancelled"
    assert (final.done, final.running, final.failed) == (1, 0, 0)
    assert final.pending == 5
    assert provider.max_in_flight == 2
    assert not runner.is_active("b1")


async def test_cancelled_batch_resumes_without_repeating_finished_work(make_runner, provider):
    leads = make_leads(4, seed="cancel-resume")
    progress = ProgressBus()
    runner = make_runner(max_concurrency=1, progress=progress)
    progress.add_listener(lambda event: runner.cancel("b1") if event.kind == "lead_done" else None)
    await _run(runner, leads)
    resumed = make_runner(store=runner.store, max_concurrency=1)
    final = await resumed.run("b1")
    assert (final.status, final.done) == ("completed", 4)
    assert all(provider.calls[lead.domain] == 2 for lead in leads)


async def test_cancel_before_the_run_begins_starts_no_lead(make_runner, provider):
    runner = make_runner()
    runner.create_batch("b1", make_leads(3, seed="early-cancel"), budget=GENEROUS_BUDGET)
    task = runner.start("b1")
    assert runner.cancel("b1") is True
    final = await task
    assert (final.status, final.pending) == ("cancelled", 3)
    assert sum(provider.calls.values()) == 0


async def test_checkpoint_failure_stops_the_run_with_the_database_error_and_logs_it(make_runner, caplog):
    class BreaksTheDatabase(RecordingStep):
        async def run(self, lead, results):
            with runner.store.engine.begin() as connection:
                connection.execute(text("DROP TABLE step_results"))
            return {"ok": True}

    runner = make_runner(pipeline=Pipeline([BreaksTheDatabase("breaker")]))
    runner.create_batch("b1", make_leads(2, seed="db-gone"), budget=GENEROUS_BUDGET)
    with (
        caplog.at_level(logging.ERROR, logger="batch_runner.runner"),
        pytest.raises(OperationalError, match="step_results"),
    ):
        await runner.start("b1")
    assert "batch b1 stopped" in caplog.text
    assert not runner.is_active("b1")


async def test_cancel_of_a_batch_that_is_not_running_reports_false(make_runner):
    assert make_runner().cancel("nothing") is False


async def test_progress_events_report_counts_rate_and_eta_on_the_clock(make_runner, provider):
    leads = make_leads(3, seed="progress")
    for lead in leads:
        provider.take(lead.domain, 2)
    progress = ProgressBus()
    events: list[ProgressEvent] = []
    progress.add_listener(events.append)
    await _run(make_runner(max_concurrency=1, progress=progress), leads)
    assert [event.kind for event in events] == ["started", "lead_done", "lead_done", "lead_done", "finished"]
    first_done = events[1]
    assert (first_done.done, first_done.total, first_done.lead_id) == (1, 3, leads[0].lead_id)
    assert first_done.rate == pytest.approx(1 / 4)  # two 2-second calls per lead
    assert first_done.eta_seconds == pytest.approx(8)
    assert events[-1].eta_seconds == 0
    assert events[0].rate is None and events[0].eta_seconds is None


async def test_failed_lead_event_carries_the_error(make_runner, provider):
    lead = make_leads(1, seed="failed-event")[0]
    provider.fail_permanently(lead.domain, "blocked")
    progress = ProgressBus()
    events: list[ProgressEvent] = []
    progress.add_listener(events.append)
    await _run(make_runner(progress=progress), [lead])
    failed = [event for event in events if event.kind == "lead_failed"]
    assert len(failed) == 1 and "blocked" in (failed[0].error or "") and failed[0].failed == 1


async def test_batch_over_budget_does_not_start_without_approval(make_runner, provider):
    runner = make_runner()
    runner.create_batch("b1", make_leads(10, seed="budget"), budget=Decimal("0.10"))
    with pytest.raises(
        BudgetApprovalRequiredError, match=r"estimated at \$0\.50, over its budget of \$0\.10, and has no approval"
    ):
        await runner.run("b1")
    assert sum(provider.calls.values()) == 0
    assert runner.status("b1").status == "created"


async def test_approval_required_error_carries_the_batch_estimate_budget_and_approval(make_runner):
    runner = make_runner()
    runner.create_batch("b1", make_leads(10, seed="budget"), budget=Decimal("0.10"))
    with pytest.raises(BudgetApprovalRequiredError) as caught:
        await runner.run("b1")
    error = caught.value
    assert (error.batch_id, error.estimated, error.budget, error.approved) == (
        "b1",
        Decimal("0.5"),
        Decimal("0.1"),
        None,
    )


def test_approval_required_error_names_an_approval_that_is_too_small():
    error = BudgetApprovalRequiredError("b1", Decimal("0.50"), Decimal("0.10"), Decimal("0.40"))
    assert "and has an approval of only $0.40; approve at least $0.50 to start it" in str(error)
    assert error.approved == Decimal("0.40")


def test_batches_are_listed_newest_first_and_by_id_when_created_at_the_same_time(make_runner, fake_clock):
    runner = make_runner()
    runner.create_batch("a-old", make_leads(1, seed="old"), budget=GENEROUS_BUDGET)
    fake_clock.advance(60)
    runner.create_batch("b-new-2", make_leads(1, seed="new2"), budget=GENEROUS_BUDGET)
    runner.create_batch("b-new-1", make_leads(1, seed="new1"), budget=GENEROUS_BUDGET)
    assert [batch.batch_id for batch in runner.list_batches()] == ["b-new-1", "b-new-2", "a-old"]


async def test_approval_below_the_estimate_is_refused(make_runner):
    runner = make_runner()
    runner.create_batch("b1", make_leads(10, seed="low"), budget=Decimal("0.10"))
    with pytest.raises(
        ApprovalTooLowError, match=r"approval of \$0\.40 for batch \'b1\' is below its estimated cost of \$0\.50"
    ):
        runner.approve("b1", Decimal("0.40"))
    assert runner.status("b1").needs_approval


async def test_approved_batch_over_budget_runs_and_spends_its_estimate(make_runner):
    runner = make_runner()
    runner.create_batch("b1", make_leads(10, seed="approved"), budget=Decimal("0.10"))
    runner.approve("b1", Decimal("0.50"))
    final = await runner.run("b1")
    assert (final.status, final.done) == ("completed", 10)
    assert final.spent == final.estimated_cost == Decimal("0.50")


async def test_each_providers_calls_are_charged_at_their_own_marginal_tier_price(fake_clock, provider):
    half_off_after_one = (VolumeTier(1, Decimal("0.50")),)
    book = PriceBook.of(
        [
            ProviderPrice("enrichment", Decimal("1.00"), half_off_after_one),
            ProviderPrice("website_assessment", Decimal("1.00"), half_off_after_one),
        ]
    )
    runner = BatchRunner(
        CheckpointStore.in_memory(), standard_pipeline(provider, provider), price_book=book, clock=fake_clock
    )
    final = await _run(runner, make_leads(3, seed="tiers"))
    assert (final.spent, final.estimated_cost) == (Decimal("4.00"), Decimal("4.00"))


def test_leads_of_a_new_batch_have_made_no_attempts(make_runner):
    runner = make_runner()
    runner.create_batch("b1", make_leads(2, seed="fresh"), budget=GENEROUS_BUDGET)
    assert [(result.state, result.attempts) for result in runner.results("b1")] == [("pending", 0), ("pending", 0)]


async def test_batch_within_budget_needs_no_approval(make_runner):
    runner = make_runner()
    snapshot = runner.create_batch("b1", make_leads(2, seed="cheap"), budget=Decimal("0.10"))
    assert not snapshot.needs_approval
    assert (await runner.run("b1")).status == "completed"


async def test_starting_a_running_batch_again_returns_the_same_run(make_runner):
    runner = make_runner()
    runner.create_batch("b1", make_leads(2, seed="twice"), budget=GENEROUS_BUDGET)
    first = runner.start("b1")
    assert runner.start("b1") is first
    await first


@pytest.mark.parametrize(
    "steps, message",
    [
        ([], "at least one step"),
        ([RecordingStep("same"), RecordingStep("same"), RecordingStep("other")], "repeated: same"),
    ],
)
def test_pipeline_needs_steps_with_unique_names(steps, message):
    with pytest.raises(ValueError, match=message):
        Pipeline(steps)


async def test_runner_refuses_a_pipeline_step_without_a_price():
    with pytest.raises(UnknownProviderError, match="'scraper'"):
        BatchRunner(CheckpointStore.in_memory(), Pipeline([RecordingStep("scrape", provider="scraper")]))


async def test_batch_made_for_another_pipeline_is_not_run(make_runner):
    store = CheckpointStore.in_memory()
    make_runner(store=store).create_batch("b1", make_leads(1), budget=GENEROUS_BUDGET)
    other = make_runner(store=store, pipeline=Pipeline([RecordingStep("other")]))
    with pytest.raises(BatchConflictError, match="was created for pipeline"):
        other.start("b1")


async def test_unknown_batch_is_reported_by_id(make_runner):
    with pytest.raises(BatchNotFoundError, match="'ghost'"):
        await make_runner().run("ghost")


def test_unknown_batch_error_carries_the_batch_id_for_callers(make_runner):
    with pytest.raises(BatchNotFoundError) as caught:
        make_runner().status("ghost")
    assert caught.value.batch_id == "ghost"


@pytest.mark.parametrize(
    "batch_id, leads, budget, message",
    [
        ("bad id", make_leads(1), Decimal(1), "invalid batch id"),
        ("b1", make_leads(1), Decimal(-1), "budget must be >= 0"),
        ("b1", [], Decimal(1), "has no leads"),
    ],
)
async def test_invalid_batch_definitions_are_rejected(make_runner, batch_id, leads, budget, message):
    with pytest.raises(InvalidBatchError, match=message):
        make_runner().create_batch(batch_id, leads, budget=budget)


def test_preview_prices_each_provider_of_the_pipeline(make_runner):
    preview = make_runner().preview(3)
    assert {row.provider: row.calls for row in preview.providers} == {"enrichment": 3, "website_assessment": 3}
    assert preview.total == Decimal("0.15")


def test_runner_uses_the_price_book_it_is_given(provider):
    book = PriceBook.of([ProviderPrice("enrichment", Decimal("1")), ProviderPrice("website_assessment", Decimal("2"))])
    runner = BatchRunner(CheckpointStore.in_memory(), standard_pipeline(provider, provider), price_book=book)
    assert runner.preview(2).total == Decimal("6")
