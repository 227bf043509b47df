"""Engines and sessions for the targeting tables: SQLite by default, in-memory for tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from d1_targeting.models import Base

DEFAULT_DATABASE_URL = "sqlite:///leadfactory_targeting.db"


def make_engine(url: str = DEFAULT_DATABASE_URL) -> Engine:
    """An engine for `url` with the tables created; "sqlite://" is one shared in-memory database.

    SQLite gets foreign keys switched on, write-ahead logging, a busy timeout, and `BEGIN IMMEDIATE` transactions: a
    transaction takes the write lock when it starts, so two writers queue instead of deadlocking on a
    read-then-write upgrade (and SAVEPOINTs work, which pysqlite's own transaction handling breaks).
    """
    options: dict[str, Any] = {}
    sqlite = make_url(url).get_backend_name() == "sqlite"
    if sqlite:
        options["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if make_url(url).database in (None, "", ":memory:"):
            options["poolclass"] = StaticPool
    engine = create_engine(url, **options)
    if sqlite:
        event.listen(engine, "connect", _configure_sqlite_connection)
        event.listen(engine, "begin", _begin_immediate)
    Base.metadata.create_all(engine)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (callers get plain values back)."""
    return sessionmaker(engine, expire_on_commit=False)


def _configure_sqlite_connection(connection: Any, _record: Any) -> None:
    connection.isolation_level = None  # SQLAlchemy's "begin" event now emits BEGIN itself
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Write-ahead logging: readers never block the writer, and commits need no fsync of the main file
    # (an in-memory database ignores both).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_immediate(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")
