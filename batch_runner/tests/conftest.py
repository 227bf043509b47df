"""Fixtures shared by batch_runner's test targets: a scripted provider and a runner factory on a FakeClock."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from batch_runner import BatchRunner, CheckpointStore, ProgressBus, RetryPolicy, RunSettings, standard_pipeline
from testing import FakeClock
from testing.batches import ScriptedProvider

RunnerFactory = Callable[..., BatchRunner]


@pytest.fixture
def provider(fake_clock: FakeClock) -> ScriptedProvider:
    """One scripted provider serving both built-in steps (enrichment and website assessment)."""
    return ScriptedProvider(fake_clock)


@pytest.fixture
def make_runner(fake_clock: FakeClock, provider: ScriptedProvider) -> RunnerFactory:
    """Builds a BatchRunner on the FakeClock; keyword arguments override store, pipeline and settings."""

    def build(
        *,
        store: CheckpointStore | None = None,
        pipeline=None,
        max_concurrency: int = 2,
        lead_timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        progress: ProgressBus | None = None,
    ) -> BatchRunner:
        return BatchRunner(
            store or CheckpointStore.in_memory(),
            pipeline or standard_pipeline(provider, provider),
            settings=RunSettings(
                max_concurrency=max_concurrency, lead_timeout=lead_timeout, retry=retry or RetryPolicy()
            ),
            clock=fake_clock,
            progress=progress,
            rng=random.Random(7),
        )

    return build
