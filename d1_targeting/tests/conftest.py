"""Fixtures for the database-backed d1_targeting tests: an in-memory database and seeded builders."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from d1_targeting import make_engine, make_session_factory
from testing import seeded_faker
from testing.targeting import CampaignBuilder, TargetBuilder


@pytest.fixture
def sessions() -> Iterator[sessionmaker[Session]]:
    """Sessions on a fresh in-memory SQLite database with the targeting tables."""
    engine = make_engine("sqlite://")
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def target_builder(request: pytest.FixtureRequest) -> TargetBuilder:
    return TargetBuilder(seeded_faker(request.node.nodeid))


@pytest.fixture
def campaign_builder(request: pytest.FixtureRequest) -> CampaignBuilder:
    return CampaignBuilder(seeded_faker(request.node.nodeid))
