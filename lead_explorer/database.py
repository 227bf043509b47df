"""Engines and sessions: SQLite (file or in-memory) with serialised writers, or any PostgreSQL-compatible URL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from lead_explorer.errors import DatabaseConfigurationError
from lead_explorer.models import Base

# Execution option a repository sets on a session's connection before its first statement when it will
# write. On SQLite the transaction then starts with BEGIN IMMEDIATE (takes the write lock up front), so
# check-then-insert sequences never interleave; other databases rely on unique constraints and retries.
WRITE_TRANSACTION = "leadfactory_write_transaction"

_SQLITE_BUSY_TIMEOUT_SECONDS = 30


def create_database_engine(url: str | URL) -> Engine:
    """An Engine for `url`; SQLite gets foreign keys, WAL on files, and one shared connection in memory."""
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise DatabaseConfigurationError(f"database URL {str(url)!r} is not a valid SQLAlchemy URL: {error}") from None
    if parsed.get_backend_name() != "sqlite":
        try:
            return create_engine(parsed, pool_pre_ping=True)
        except (ImportError, ArgumentError) as error:
            shown = parsed.render_as_string(hide_password=True)
            raise DatabaseConfigurationError(f"cannot use database {shown}: {type(error).__name__}: {error}") from None
    options: dict[str, Any] = {
        "connect_args": {"check_same_thread": False, "timeout": _SQLITE_BUSY_TIMEOUT_SECONDS},
    }
    in_memory = is_in_memory_sqlite(parsed)
    if in_memory:
        # One connection holds the whole database; the pool lends it to one session at a time.
        options.update(poolclass=QueuePool, pool_size=1, max_overflow=0, pool_timeout=_SQLITE_BUSY_TIMEOUT_SECONDS)
    engine = create_engine(parsed, **options)
    _configure_sqlite(engine, wal=not in_memory)
    return engine


def is_in_memory_sqlite(url: URL) -> bool:
    """True for `sqlite://`, `sqlite:///:memory:` and shared-cache `mode=memory` URLs."""
    return url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"


def create_schema(engine: Engine) -> None:
    """Creates every lead_explorer table and index that does not exist yet (safe to run on each start)."""
    Base.metadata.create_all(engine)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (records are copied out before the session closes)."""
    return sessionmaker(engine, expire_on_commit=False)


def _configure_sqlite(engine: Engine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (see the "begin" hook).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if wal:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        writes = connection.get_execution_options().get(WRITE_TRANSACTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")
