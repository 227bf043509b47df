import logging
from datetime import UTC

import pytest

from batch_runner import ProgressBus, ProgressTracker


def _tracker(fake_clock, total=4):
    return ProgressTracker("b1", total=total, done=0, failed=0, clock=fake_clock)


def test_rate_and_eta_are_unknown_before_the_first_lead(fake_clock):
    event = _tracker(fake_clock).event("started")
    assert (event.rate, event.eta_seconds, event.remaining) == (None, None, 4)


def test_rate_counts_leads_per_second_of_this_run(fake_clock):
    tracker = _tracker(fake_clock)
    fake_clock.advance(10)
    tracker.lead_finished(failed=False)
    tracker.lead_finished(failed=True)
    event = tracker.event("lead_failed", lead_id="L2", error="boom")
    assert (event.done, event.failed, event.rate, event.eta_seconds) == (1, 1, 0.2, 10)


def test_rate_and_eta_stay_unknown_when_a_lead_finishes_before_any_time_passes(fake_clock):
    tracker = _tracker(fake_clock)
    tracker.lead_finished(failed=False)
    event = tracker.event("lead_done")
    assert (event.done, event.rate, event.eta_seconds) == (1, None, None)


def test_only_finished_and_cancelled_events_are_terminal(fake_clock):
    tracker = _tracker(fake_clock)
    assert [
        tracker.event(kind).terminal for kind in ("started", "lead_done", "lead_failed", "finished", "cancelled")
    ] == [
        False,
        False,
        False,
        True,
        True,
    ]


def test_rate_counts_leads_finished_within_the_first_second(fake_clock):
    tracker = _tracker(fake_clock)
    fake_clock.advance(0.5)
    tracker.lead_finished(failed=False)
    assert tracker.event("lead_done").rate == 2.0


def test_failed_leads_add_to_those_that_failed_before_a_resume(fake_clock):
    tracker = ProgressTracker("b1", total=10, done=6, failed=2, clock=fake_clock)
    tracker.lead_finished(failed=True)
    assert tracker.event("lead_failed").failed == 3


def test_resumed_run_counts_earlier_leads_but_not_in_its_rate(fake_clock):
    tracker = ProgressTracker("b1", total=10, done=6, failed=2, clock=fake_clock)
    fake_clock.advance(4)
    tracker.lead_finished(failed=False)
    event = tracker.event("lead_done")
    assert (event.done, event.remaining, event.rate, event.eta_seconds) == (7, 1, 0.25, 4)


def test_unknown_event_kind_is_rejected(fake_clock):
    with pytest.raises(ValueError, match="unknown progress event kind 'paused'"):
        _tracker(fake_clock).event("paused")


def test_event_serializes_its_time_as_iso_8601(fake_clock):
    data = _tracker(fake_clock).event("started").to_dict()
    assert data["at"] == fake_clock.now().astimezone(UTC).isoformat()
    assert data["kind"] == "started"


async def test_subscription_ends_after_its_batch_finishes(fake_clock):
    bus = ProgressBus()
    subscription = bus.subscribe("b1")
    tracker = _tracker(fake_clock)
    for kind in ("started", "lead_done", "finished"):
        bus.publish(tracker.event(kind))
    assert [event.kind async for event in subscription] == ["started", "lead_done", "finished"]
    assert bus.subscriber_count == 0


async def test_subscription_to_one_batch_ignores_others(fake_clock):
    bus = ProgressBus()
    subscription = bus.subscribe("b1")
    bus.publish(ProgressTracker("other", total=1, done=0, failed=0, clock=fake_clock).event("finished"))
    bus.publish(_tracker(fake_clock).event("cancelled"))
    assert [(event.batch_id, event.kind) async for event in subscription] == [("b1", "cancelled")]


async def test_subscription_to_all_batches_runs_until_closed(fake_clock):
    bus = ProgressBus()
    subscription = bus.subscribe()
    bus.publish(ProgressTracker("a", total=1, done=0, failed=0, clock=fake_clock).event("finished"))
    bus.publish(ProgressTracker("b", total=1, done=0, failed=0, clock=fake_clock).event("finished"))
    subscription.close()
    subscription.close()
    bus.publish(_tracker(fake_clock).event("started"))
    assert [event.batch_id async for event in subscription] == ["a", "b"]


def test_removed_listener_gets_no_more_events(fake_clock):
    bus = ProgressBus()
    seen = []
    remove = bus.add_listener(seen.append)
    bus.publish(_tracker(fake_clock).event("started"))
    remove()
    remove()
    bus.publish(_tracker(fake_clock).event("finished"))
    assert [event.kind for event in seen] == ["started"]


def test_failing_listener_is_logged_and_does_not_stop_the_others(fake_clock, caplog):
    bus = ProgressBus()
    seen = []

    def broken(event):
        raise RuntimeError("listener bug")

    bus.add_listener(broken)
    bus.add_listener(seen.append)
    with caplog.at_level(logging.ERROR, logger="batch_runner.progress"):
        bus.publish(_tracker(fake_clock).event("started"))
    assert len(seen) == 1
    assert "failed on started event of batch b1" in caplog.text
