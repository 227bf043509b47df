from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError

from d1_targeting import BatchTarget, Campaign, DailyBatch, TargetUniverse, make_engine, make_session_factory

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)


def _universe():
    return TargetUniverse(
        name="u", verticals=["hvac"], geography={}, qualification_rules={}, created_at=NOW, updated_at=NOW
    )


def test_timestamps_are_stored_as_utc_and_read_back_timezone_aware(sessions):
    eastern = timezone(timedelta(hours=-5))
    with sessions.begin() as session:
        session.add(
            TargetUniverse(
                name="u",
                verticals=[],
                geography={},
                qualification_rules={},
                created_at=NOW.astimezone(eastern),
                updated_at=NOW,
            )
        )
    with sessions() as session:
        stored = session.scalars(select(TargetUniverse)).one()
    assert stored.created_at == NOW and stored.created_at.tzinfo == UTC


def test_naive_timestamps_are_refused(sessions):
    with pytest.raises(StatementError, match="refusing to store naive datetime 2026-01-05T09:00:00"):
        with sessions.begin() as session:
            session.add(
                TargetUniverse(
                    name="u",
                    verticals=[],
                    geography={},
                    qualification_rules={},
                    created_at=datetime(2026, 1, 5, 9),
                    updated_at=NOW,
                )
            )


def test_a_target_is_batched_at_most_once_per_campaign(sessions, target_builder):
    with sessions.begin() as session:
        universe = _universe()
        target = target_builder.build()
        session.add_all([universe, target])
        session.flush()
        campaign = Campaign(name="c", universe_id=universe.id, created_at=NOW)
        session.add(campaign)
        session.flush()
        ids = (campaign.id, target.id)
    with pytest.raises(IntegrityError):
        with sessions.begin() as session:
            for sequence in (1, 2):
                session.add(
                    DailyBatch(
                        campaign_id=ids[0],
                        batch_date=date(2026, 1, 5),
                        sequence=sequence,
                        scheduled_at=NOW,
                        size=1,
                        members=[BatchTarget(target_id=ids[1], campaign_id=ids[0])],
                    )
                )


def test_negative_campaign_weights_are_refused_by_the_database(sessions):
    with sessions.begin() as session:
        universe = _universe()
        session.add(universe)
    with pytest.raises(IntegrityError, match="ck_campaigns_priority_weight_non_negative"):
        with sessions.begin() as session:
            session.add(Campaign(name="c", universe_id=universe.id, priority_weight=-1.0, created_at=NOW))


def test_foreign_keys_are_enforced_on_sqlite(sessions):
    with pytest.raises(IntegrityError):
        with sessions.begin() as session:
            session.add(Campaign(name="orphan", universe_id=999, created_at=NOW))


def test_file_databases_keep_their_rows_across_engines(tmp_path):
    url = f"sqlite:///{tmp_path / 'targeting.db'}"
    with make_session_factory(make_engine(url)).begin() as session:
        session.add(_universe())
    with make_session_factory(make_engine(url))() as session:
        assert session.scalars(select(TargetUniverse.name)).all() == ["u"]


def _pragma(engine, name):
    with engine.connect() as connection:
        return connection.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_file_database_uses_write_ahead_logging_when_sqlite(tmp_path):
    assert _pragma(make_engine(f"sqlite:///{tmp_path / 'targeting.db'}"), "journal_mode") == "wal"


def test_file_database_syncs_at_normal_level_when_sqlite(tmp_path):
    assert _pragma(make_engine(f"sqlite:///{tmp_path / 'targeting.db'}"), "synchronous") == 1  # NORMAL


def test_a_locked_database_is_waited_for_30_seconds_when_sqlite(tmp_path):
    assert _pragma(make_engine(f"sqlite:///{tmp_path / 'targeting.db'}"), "busy_timeout") == 30_000
