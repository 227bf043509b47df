import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import StatementError
from sqlalchemy.pool import StaticPool
from sqlalchemy.schema import CreateTable

from d0_gateway import UtcDateTime

_metadata = MetaData()
_events = Table("events", _metadata, Column("id", Integer, primary_key=True), Column("at", UtcDateTime, nullable=True))
_engine = create_engine("sqlite+pysqlite://", poolclass=StaticPool)
_metadata.create_all(_engine)

_DAY = timedelta(hours=23, minutes=59)
_offsets = st.builds(timezone, st.timedeltas(min_value=-_DAY, max_value=_DAY))
_aware_times = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=_offsets)


def _store_and_read(value: datetime | None) -> datetime | None:
    with _engine.begin() as connection:
        key = connection.execute(insert(_events).values(at=value)).inserted_primary_key
        assert key is not None
        row_id = key[0]
        return connection.execute(select(_events.c.at).where(_events.c.id == row_id)).scalar_one()


@given(_aware_times)
def test_aware_datetime_reads_back_as_the_same_instant_in_utc_when_stored(value):
    stored = _store_and_read(value)
    assert stored == value
    assert stored.tzinfo is UTC


def test_non_utc_offset_is_converted_to_utc_wall_time_when_stored():
    stored = _store_and_read(datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=-5))))
    assert stored is not None and (stored.hour, stored.minute, stored.tzinfo) == (14, 30, UTC)


def test_naive_datetime_is_refused_and_nothing_is_stored_when_bound():
    with _engine.connect() as connection:
        before = connection.execute(select(_events.c.id)).all()
    naive = r"timestamps must be timezone-aware, got naive datetime\.datetime\(2026, 1, 5, 9, 0\)"
    with pytest.raises(StatementError, match=naive):
        _store_and_read(datetime(2026, 1, 5, 9, 0))
    with _engine.connect() as connection:
        assert connection.execute(select(_events.c.id)).all() == before


def test_null_stays_null_when_stored():
    assert _store_and_read(None) is None


def test_value_stored_without_an_offset_reads_back_as_utc():
    engine = create_engine("sqlite+pysqlite://", poolclass=StaticPool)  # its own table: the row id is fixed
    _metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO events (id, at) VALUES (9001, '2026-01-05 09:00:00.000000')"))
        stored = connection.execute(select(_events.c.at).where(_events.c.id == 9001)).scalar_one()
    assert stored == datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_column_is_a_timestamp_with_time_zone_on_postgresql():
    assert "at TIMESTAMP WITH TIME ZONE" in str(CreateTable(_events).compile(dialect=postgresql.dialect()))


@pytest.fixture
def machine_five_hours_east_of_utc(monkeypatch):
    """The process's local time zone at UTC+5 (POSIX TZ, no tz database needed), restored afterwards."""
    monkeypatch.setenv("TZ", "ZONE-05")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_stored_instant_does_not_depend_on_the_machines_time_zone(machine_five_hours_east_of_utc):
    value = datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=-5)))
    stored = _store_and_read(value)
    assert stored == value
    assert (stored.hour, stored.tzinfo) == (14, UTC)


def test_value_without_an_offset_is_utc_whatever_the_machines_time_zone(machine_five_hours_east_of_utc):
    assert UtcDateTime().process_result_value(datetime(2026, 1, 5, 9, 0), postgresql.dialect()) == datetime(
        2026, 1, 5, 9, 0, tzinfo=UTC
    )


def test_value_read_with_an_offset_is_converted_to_utc():
    read = UtcDateTime().process_result_value(
        datetime(2026, 1, 5, 9, 0, tzinfo=timezone(timedelta(hours=2))), postgresql.dialect()
    )
    assert read is not None and (read.hour, read.tzinfo) == (7, UTC)
