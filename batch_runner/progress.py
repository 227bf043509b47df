"""Progress of running batches: events (done, failed, rate, ETA) published to any number of subscribers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from d0_gateway import Clock

_log = logging.getLogger(__name__)

EVENT_KINDS = ("started", "lead_done", "lead_failed", "finished", "cancelled")
TERMINAL_KINDS = frozenset({"finished", "cancelled"})


@dataclass(frozen=True)
class ProgressEvent:
    """A batch's progress after something happened: counts so far, throughput and estimated time left.

    `rate` is leads finished per second during this run (None before the first one); `eta_seconds` is
    the remaining leads at that rate (None while the rate is unknown).
    """

    batch_id: str
    kind: str
    total: int
    done: int
    failed: int
    rate: float | None
    eta_seconds: float | None
    at: datetime
    lead_id: str | None = None
    error: str | None = None

    @property
    def terminal(self) -> bool:
        """True for the batch's last event of a run (finished or cancelled)."""
        return self.kind in TERMINAL_KINDS

    @property
    def remaining(self) -> int:
        """Leads neither done nor failed."""
        return self.total - self.done - self.failed

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (ISO-8601 time), as the HTTP API streams it."""
        data = asdict(self)
        data["at"] = self.at.isoformat()
        return data


class ProgressTracker:
    """Counts a run's finished leads on the injected clock and builds its ProgressEvents."""

    def __init__(self, batch_id: str, *, total: int, done: int, failed: int, clock: Clock) -> None:
        self.batch_id = batch_id
        self.total = total
        self.done = done
        self.failed = failed
        self._clock = clock
        self._started = clock.monotonic()
        self._finished_this_run = 0

    def lead_finished(self, *, failed: bool) -> None:
        """Counts one lead reaching done (failed=False) or failed."""
        if failed:
            self.failed += 1
        else:
            self.done += 1
        self._finished_this_run += 1

    def event(self, kind: str, *, lead_id: str | None = None, error: str | None = None) -> ProgressEvent:
        """The current progress as an event of `kind` (one of EVENT_KINDS)."""
        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown progress event kind {kind!r}; expected one of {', '.join(EVENT_KINDS)}")
        elapsed = self._clock.monotonic() - self._started
        rate = self._finished_this_run / elapsed if self._finished_this_run and elapsed > 0 else None
        remaining = self.total - self.done - self.failed
        eta = remaining / rate if rate else None
        return ProgressEvent(
            batch_id=self.batch_id,
            kind=kind,
            total=self.total,
            done=self.done,
            failed=self.failed,
            rate=rate,
            eta_seconds=eta,
            at=self._clock.now(),
            lead_id=lead_id,
            error=error,
        )


class ProgressSubscription:
    """An async iterator of one subscriber's events; it ends after its batch's terminal event, or on close().

    Its queue is unbounded (a batch emits one event per lead): a subscriber that stops reading must close().
    """

    def __init__(self, bus: ProgressBus, batch_id: str | None) -> None:
        self.batch_id = batch_id
        self._bus = bus
        self._queue: asyncio.Queue[ProgressEvent | None] = asyncio.Queue()
        self._closed = False

    def deliver(self, event: ProgressEvent) -> None:
        """Queues `event` if it is for this subscription's batch (all batches when batch_id is None)."""
        if not self._closed and (self.batch_id is None or event.batch_id == self.batch_id):
            self._queue.put_nowait(event)

    def close(self) -> None:
        """Stops the subscription; iteration ends after events already queued."""
        if not self._closed:
            self._closed = True
            self._bus.unsubscribe(self)
            self._queue.put_nowait(None)

    def __aiter__(self) -> ProgressSubscription:
        return self

    async def __anext__(self) -> ProgressEvent:
        event = await self._queue.get()
        if event is None:
            raise StopAsyncIteration
        if self.batch_id is not None and event.terminal:
            self.close()
        return event


class ProgressBus:
    """Fans progress events out to listeners (plain callables) and subscriptions (async iterators)."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[ProgressEvent], None]] = []
        self._subscriptions: list[ProgressSubscription] = []

    def add_listener(self, listener: Callable[[ProgressEvent], None]) -> Callable[[], None]:
        """Calls `listener` with every event from now on; returns a function that removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def subscribe(self, batch_id: str | None = None) -> ProgressSubscription:
        """An async iterator of events (of one batch, or of all batches when batch_id is None)."""
        subscription = ProgressSubscription(self, batch_id)
        self._subscriptions.append(subscription)
        return subscription

    def unsubscribe(self, subscription: ProgressSubscription) -> None:
        """Stops delivering to `subscription` (ProgressSubscription.close calls this)."""
        if subscription in self._subscriptions:
            self._subscriptions.remove(subscription)

    @property
    def subscriber_count(self) -> int:
        """How many subscriptions are open (listeners not counted)."""
        return len(self._subscriptions)

    def publish(self, event: ProgressEvent) -> None:
        """Delivers `event` to every listener and subscription; a failing listener is logged, not propagated."""
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                _log.exception(
                    "progress listener %r failed on %s event of batch %s", listener, event.kind, event.batch_id
                )
        for subscription in list(self._subscriptions):
            subscription.deliver(event)
