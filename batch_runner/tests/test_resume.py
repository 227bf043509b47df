import asyncio
import itertools
import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import StatementError

from batch_runner import (
    DEFAULT_PRICE_BOOK,
    BatchConflictError,
    BatchRunner,
    CheckpointStore,
    RetryPolicy,
    RunSettings,
    StaleRunError,
    standard_pipeline,
)
from testing import FakeClock
from testing.batches import GENEROUS_BUDGET, KillSwitch, ScriptedProvider, lead_batches, make_leads

STEPS = ("enrichment", "website_assessment")


def _runner(store, provider, clock, concurrency):
    return BatchRunner(
        store,
        standard_pipeline(provider, provider),
        settings=RunSettings(max_concurrency=concurrency, retry=RetryPolicy(max_attempts=2, base_delay=0.5)),
        clock=clock,
        rng=random.Random(3),
    )


def _outcome(store, batch_id="b1"):
    """What the results say about each lead: its state, which steps have a result, and the domain they are for."""
    return {
        result.lead.lead_id: (
            result.state,
            tuple(sorted(result.steps)),
            {step: data["domain"] for step, data in result.steps.items()},
        )
        for result in store.results(batch_id)
    }


def _script(provider, leads, failing, flaky):
    for index in failing:
        provider.fail_permanently(leads[index % len(leads)].domain)
    for index in flaky:
        provider.fail_transiently(leads[index % len(leads)].domain, times=1)


async def _kill_then_resume(open_store, leads, failing, flaky, concurrency, at_call, before, batch_id="b1"):
    """Runs the batch until the kill switch cancels it at call `at_call`, then resumes it with a fresh runner
    on a store that `open_store()` opens anew on the same database; returns (store, provider, final status)."""
    clock = FakeClock()
    provider = ScriptedProvider(clock)
    _script(provider, leads, failing, flaky)
    switch = KillSwitch(provider, at_call=at_call, before=before)
    first = _runner(open_store(), switch, clock, concurrency)
    first.create_batch(batch_id, leads, budget=GENEROUS_BUDGET)
    switch.task = asyncio.ensure_future(first.run(batch_id))
    try:
        await switch.task
    except asyncio.CancelledError:
        assert switch.fired

    store = open_store()
    final = await _runner(store, provider, clock, concurrency).run(batch_id)
    return store, provider, final


@pytest.fixture(scope="module")
def checkpoint_file(tmp_path_factory):
    """One SQLite checkpoint file per module; each Hypothesis example uses its own batch id in it.

    Stores are opened anew on it for every run (as a restarted process would), sharing the engine so
    SQLAlchemy compiles each statement once per module rather than once per example.
    """
    store = CheckpointStore.open(tmp_path_factory.mktemp("resume") / "checkpoints.sqlite")
    yield lambda: CheckpointStore(store.engine)
    store.close()


_batch_ids = itertools.count()


def _expected_outcome(leads, failing):
    """The specification: a lead its provider rejects fails with no step result; every other lead (flaky
    ones included: one transient error is within the retry policy) is done with both step results."""
    rejected = {leads[index % len(leads)].lead_id for index in failing}
    return {
        lead.lead_id: ("failed", (), {})
        if lead.lead_id in rejected
        else ("done", STEPS, dict.fromkeys(STEPS, lead.domain))
        for lead in leads
    }


# Hypothesis picks the batch, the provider's failures, the concurrency and the kill point; SQLite file
# I/O makes an example slower than Hypothesis's default 200 ms deadline on a loaded machine.
@settings(max_examples=12, deadline=None)
@given(
    leads=lead_batches(min_size=1, max_size=5),
    failing=st.sets(st.integers(min_value=0, max_value=4), max_size=2),
    flaky=st.sets(st.integers(min_value=0, max_value=4), max_size=2),
    concurrency=st.integers(min_value=1, max_value=3),
    kill_at=st.integers(min_value=1, max_value=14),
    before=st.booleans(),
)
def test_killed_batch_resumes_to_exactly_once_results(
    checkpoint_file, leads, failing, flaky, concurrency, kill_at, before
):
    expected = _expected_outcome(leads, failing)
    batch_id = f"kill-{next(_batch_ids)}"
    store, _, final = asyncio.run(
        _kill_then_resume(checkpoint_file, leads, failing, flaky, concurrency, kill_at, before, batch_id)
    )
    assert final.status == "completed"
    assert _outcome(store, batch_id) == expected  # none lost, none doubled
    done = sum(state == "done" for state, _, _ in expected.values())
    assert store.step_result_count(batch_id) == done * len(STEPS)
    assert final.spent == Decimal("0.05") * done  # each result charged once: $0.04 enrichment + $0.01 assessment


@settings(max_examples=6, deadline=None)
@given(kill_at=st.integers(min_value=1, max_value=8))
def test_steps_checkpointed_before_a_kill_are_not_paid_for_again(checkpoint_file, kill_at):
    leads = make_leads(4, seed="paid-once")
    batch_id = f"paid-{next(_batch_ids)}"
    _, provider, _ = asyncio.run(_kill_then_resume(checkpoint_file, leads, set(), set(), 1, kill_at, False, batch_id))
    # killed after call `kill_at` returned and was checkpointed: no call is ever repeated
    assert all(provider.calls[lead.domain] == len(STEPS) for lead in leads)


async def test_call_in_flight_at_a_kill_is_made_again_on_resume_from_the_reopened_file(tmp_path):
    leads = make_leads(2, seed="in-flight")
    stores = []

    def reopen():
        if stores:
            stores[-1].close()  # the killed process's connections are gone
        stores.append(CheckpointStore.open(tmp_path / "c.sqlite"))
        return stores[-1]

    store, provider, final = await _kill_then_resume(reopen, leads, set(), set(), 1, 2, True)
    try:
        assert (final.status, final.done) == ("completed", 2)
        assert [provider.calls[lead.domain] for lead in leads] == [2, 2]  # the killed call never reached the provider
        assert [result.attempts for result in store.results("b1")] == [2, 1]  # lead 1: killed run, then resume
    finally:
        store.close()


async def test_starting_a_completed_batch_again_calls_no_provider(make_runner, provider):
    runner = make_runner()
    leads = make_leads(3, seed="again")
    runner.create_batch("b1", leads, budget=GENEROUS_BUDGET)
    first = await runner.run("b1")
    calls = sum(provider.calls.values())
    again = await runner.run("b1")
    assert again == first
    assert sum(provider.calls.values()) == calls


async def test_creating_the_same_batch_twice_is_a_no_op(make_runner):
    runner = make_runner()
    leads = make_leads(3, seed="create-twice")
    first = runner.create_batch("b1", leads, budget=GENEROUS_BUDGET)
    assert runner.create_batch("b1", leads, budget=GENEROUS_BUDGET) == first
    assert [result.lead for result in runner.results("b1")] == leads


async def test_reusing_a_batch_id_for_other_leads_is_refused(make_runner):
    runner = make_runner()
    runner.create_batch("b1", make_leads(3, seed="one"), budget=GENEROUS_BUDGET)
    with pytest.raises(BatchConflictError, match="already exists with different leads"):
        runner.create_batch("b1", make_leads(3, seed="two"), budget=GENEROUS_BUDGET)


def _zombie_and_successor(make_runner, provider, fake_clock, leads):
    """A run stuck on its provider for lead 1 (the zombie), and a second runner on its store with a healthy one."""
    store = CheckpointStore.in_memory()
    gate = provider.hold(leads[0].domain)
    zombie = make_runner(store=store, max_concurrency=1)
    zombie.create_batch("b1", leads, budget=GENEROUS_BUDGET)
    healthy = ScriptedProvider(fake_clock, label="healthy")
    successor = _runner(store, healthy, fake_clock, 2)
    return store, gate, zombie, successor


async def test_superseded_run_cannot_write_over_the_resumed_one(make_runner, provider, fake_clock):
    leads = make_leads(2, seed="zombie")
    store, gate, zombie, successor = _zombie_and_successor(make_runner, provider, fake_clock, leads)
    zombie_run = zombie.start("b1")
    await asyncio.sleep(0)  # the zombie claims lead 1 and waits on its provider
    resumed = await successor.run("b1")  # takes lead 1 over and finishes the batch

    gate.set()  # the zombie's call returns; its checkpoint writes must all be refused
    with pytest.raises(StaleRunError, match="no longer owns batch 'b1'"):
        await zombie_run
    assert (resumed.status, resumed.done) == ("completed", 2)
    assert {data["provider"] for result in store.results("b1") for data in result.steps.values()} == {"healthy"}
    assert store.step_result_count("b1") == 4


async def test_superseded_run_cannot_record_its_failure_over_the_resumed_result(make_runner, provider, fake_clock):
    leads = make_leads(1, seed="zombie-failure")
    store, gate, zombie, successor = _zombie_and_successor(make_runner, provider, fake_clock, leads)
    provider.fail_permanently(leads[0].domain, "zombie's verdict")
    zombie_run = zombie.start("b1")
    await asyncio.sleep(0)
    await successor.run("b1")

    gate.set()
    with pytest.raises(StaleRunError):
        await zombie_run
    (result,) = store.results("b1")
    assert (result.state, result.error) == ("done", None)


def test_stale_token_cannot_finish_or_record_a_lead(fake_clock):
    store = CheckpointStore.in_memory()
    lead = make_leads(1, seed="fence")[0]
    store.create_batch(
        "b1", [lead], [("enrichment", "enrichment")], budget=Decimal(1), estimated_cost=Decimal(0), now=fake_clock.now()
    )
    store.begin_run("b1", "old", now=fake_clock.now())
    assert store.claim_lead("b1", lead.lead_id, "old", now=fake_clock.now()) == {}
    store.begin_run("b1", "new", now=fake_clock.now())
    with pytest.raises(StaleRunError, match="not running under run 'old'"):
        store.finish_lead("b1", lead.lead_id, "old", error=None, now=fake_clock.now())
    assert store.results("b1")[0].state == "pending"


def test_step_result_recorded_twice_is_stored_and_charged_once(fake_clock):
    store = CheckpointStore.in_memory()
    lead = make_leads(1, seed="twice")[0]
    price = DEFAULT_PRICE_BOOK.price("enrichment")
    store.create_batch(
        "b1", [lead], [("enrichment", "enrichment")], budget=Decimal(1), estimated_cost=Decimal(0), now=fake_clock.now()
    )
    store.begin_run("b1", "run", now=fake_clock.now())
    store.claim_lead("b1", lead.lead_id, "run", now=fake_clock.now())
    first = store.record_step(
        "b1", lead.lead_id, "run", step="enrichment", price=price, data={"n": 1}, now=fake_clock.now()
    )
    again = store.record_step(
        "b1", lead.lead_id, "run", step="enrichment", price=price, data={"n": 2}, now=fake_clock.now()
    )
    assert first == again == Decimal("0.04")
    assert store.results("b1")[0].steps == {"enrichment": {"n": 1}}
    assert store.get_batch("b1").spent == Decimal("0.04")


def test_naive_timestamps_are_refused_by_the_checkpoint(fake_clock):
    store = CheckpointStore.in_memory()
    with pytest.raises(StatementError, match="timezone-aware"):
        store.create_batch(
            "b1",
            make_leads(1),
            [("enrichment", "enrichment")],
            budget=Decimal(1),
            estimated_cost=Decimal(0),
            now=fake_clock.now().replace(tzinfo=None),
        )


def test_lead_already_claimed_is_not_claimed_twice(fake_clock):
    store = CheckpointStore.in_memory()
    lead = make_leads(1, seed="claim")[0]
    store.create_batch(
        "b1", [lead], [("enrichment", "enrichment")], budget=Decimal(1), estimated_cost=Decimal(0), now=fake_clock.now()
    )
    store.begin_run("b1", "run", now=fake_clock.now())
    assert store.claim_lead("b1", lead.lead_id, "run", now=fake_clock.now()) == {}
    assert store.claim_lead("b1", lead.lead_id, "run", now=fake_clock.now()) is None


def test_checkpoint_survives_reopening_the_file(tmp_path, fake_clock):
    path = tmp_path / "c.sqlite"
    leads = make_leads(2, seed="reopen")
    store = CheckpointStore.open(path)
    store.create_batch(
        "b1",
        leads,
        [("enrichment", "enrichment")],
        budget=Decimal("2.5"),
        estimated_cost=Decimal("0.08"),
        now=fake_clock.now(),
    )
    store.close()
    reopened = CheckpointStore.open(path)
    snapshot = reopened.get_batch("b1")
    assert (snapshot.total, snapshot.pending, snapshot.budget, snapshot.created_at) == (
        2,
        2,
        Decimal("2.5"),
        fake_clock.now(),
    )
    assert [batch.batch_id for batch in reopened.list_batches()] == ["b1"]
    reopened.close()


@pytest.mark.parametrize(
    "pragma, expected", [("journal_mode", "wal"), ("synchronous", 1), ("foreign_keys", 1)]
)  # synchronous 1 is NORMAL
def test_checkpoint_file_is_write_ahead_logged_with_normal_sync_and_enforced_foreign_keys(tmp_path, pragma, expected):
    store = CheckpointStore.open(tmp_path / "batches.sqlite")
    try:
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql(f"PRAGMA {pragma}").scalar() == expected
    finally:
        store.close()


def test_in_memory_checkpoints_enforce_foreign_keys():
    store = CheckpointStore.in_memory()
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def _one_step_batch(store, batch_id, leads, clock):
    store.create_batch(
        batch_id,
        leads,
        [("enrichment", "enrichment")],
        budget=Decimal(1),
        estimated_cost=Decimal(0),
        now=clock.now(),
    )


def test_store_snapshot_follows_a_run_from_start_to_finish(fake_clock):
    store = CheckpointStore.in_memory()
    leads = make_leads(2, seed="lifecycle")
    _one_step_batch(store, "b1", leads, fake_clock)
    store.begin_run("b1", "run", now=fake_clock.now())
    store.claim_lead("b1", leads[0].lead_id, "run", now=fake_clock.now())
    running = store.get_batch("b1")
    assert (running.status, running.pending, running.running, running.finished_at) == ("running", 1, 1, None)
    assert [result.attempts for result in store.results("b1")] == [1, 0]
    store.finish_lead("b1", leads[0].lead_id, "run", error=None, now=fake_clock.now())
    fake_clock.advance(90)
    ended = store.end_run("b1", "run", now=fake_clock.now())
    assert (ended.status, ended.done, ended.pending, ended.finished_at) == ("cancelled", 1, 1, fake_clock.now())
    assert store.get_batch("b1").finished_at == fake_clock.now()


def test_starting_a_run_touches_no_other_batch_in_the_same_store(fake_clock):
    store = CheckpointStore.in_memory()
    leads = make_leads(2, seed="neighbours")  # the same lead ids in both batches
    _one_step_batch(store, "b1", leads, fake_clock)
    _one_step_batch(store, "b2", leads, fake_clock)
    store.begin_run("b2", "other", now=fake_clock.now())
    assert store.claim_lead("b2", leads[0].lead_id, "other", now=fake_clock.now()) == {}
    assert store.begin_run("b1", "run", now=fake_clock.now()) == leads
    assert store.claim_lead("b1", leads[0].lead_id, "run", now=fake_clock.now()) == {}
    assert [result.state for result in store.results("b2")] == ["running", "pending"]
    assert [result.attempts for result in store.results("b2")] == [1, 0]


def test_finishing_a_lead_twice_is_refused_as_stale(fake_clock):
    store = CheckpointStore.in_memory()
    lead = make_leads(1, seed="twice-finished")[0]
    _one_step_batch(store, "b1", [lead], fake_clock)
    store.begin_run("b1", "run", now=fake_clock.now())
    store.claim_lead("b1", lead.lead_id, "run", now=fake_clock.now())
    store.finish_lead("b1", lead.lead_id, "run", error=None, now=fake_clock.now())
    with pytest.raises(StaleRunError, match=f"lead {lead.lead_id!r} of batch 'b1' is not running under run 'run'"):
        store.finish_lead("b1", lead.lead_id, "run", error="late", now=fake_clock.now())
    assert store.results("b1")[0].state == "done"


def test_finishing_a_lead_the_batch_does_not_have_is_refused_as_stale(fake_clock):
    store = CheckpointStore.in_memory()
    _one_step_batch(store, "b1", make_leads(1, seed="unknown"), fake_clock)
    store.begin_run("b1", "run", now=fake_clock.now())
    with pytest.raises(StaleRunError, match="lead 'nope' of batch 'b1' is not running under run 'run'"):
        store.finish_lead("b1", "nope", "run", error=None, now=fake_clock.now())
