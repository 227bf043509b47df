"""`bazel run //lead_explorer:server`: serves the API with uvicorn on 127.0.0.1:8000 over SQLite (or any URL).

The database is, in order: `--database PATH`, then $LEADFACTORY_DATABASE_URL, then the file
lead_explorer.sqlite3 in the data directory ($LEADFACTORY_DATA_DIR, else $XDG_DATA_HOME/leadfactory, else
~/.local/share/leadfactory). The schema is created on first start; `--demo` loads a seeded demo data set.

Quick-add enrichment runs through batch_runner on d0_gateway's offline stubs (`--live` calls the real
Hunter API); its checkpoints go to a SQLite file next to a SQLite lead database (in the data directory
for other databases, in memory with an in-memory one), or `--checkpoints PATH`. `--enricher offline`
(or $LEADFACTORY_ENRICHER=offline) enriches in-process instead, with no provider at all.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from batch_runner import CheckpointStore, edge
from d0_gateway import ConfigurationError
from lead_explorer.api import create_app
from lead_explorer.batch_enrichment import GatewayEnrichment
from lead_explorer.database import create_database_engine, create_schema, is_in_memory_sqlite, session_factory
from lead_explorer.demo_data import load_demo_leads
from lead_explorer.enrichment import Enricher, OfflineEnricher
from lead_explorer.errors import DatabaseConfigurationError
from lead_explorer.repository import LeadRepository

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DATABASE_URL_ENV = "LEADFACTORY_DATABASE_URL"
DATA_DIR_ENV = "LEADFACTORY_DATA_DIR"
ENRICHER_ENV = "LEADFACTORY_ENRICHER"
DATABASE_FILE_NAME = "lead_explorer.sqlite3"
CHECKPOINT_SUFFIX = ".batches.sqlite3"
ENRICHERS = ("batch", "offline")

Serve = Callable[..., Any]


@dataclass(frozen=True)
class ServerConfig:
    """Where to listen, which database to use (and why), and whether to load the demo data set."""

    host: str
    port: int
    database_url: URL
    database_origin: str
    demo: bool
    demo_count: int
    enricher: str = "batch"
    checkpoints: Path | None = None
    live: bool = False
    limits: edge.ServerLimits = edge.ServerLimits()


def default_database_path(environ: Mapping[str, str]) -> Path:
    """The SQLite file used when nothing else is configured (outside the source tree, kept between runs)."""
    if environ.get(DATA_DIR_ENV):
        directory = Path(environ[DATA_DIR_ENV])
    elif environ.get("XDG_DATA_HOME"):
        directory = Path(environ["XDG_DATA_HOME"]) / "leadfactory"
    else:
        directory = Path(environ.get("HOME") or Path.home()) / ".local" / "share" / "leadfactory"
    return directory / DATABASE_FILE_NAME


def default_checkpoint_path(database_url: URL, environ: Mapping[str, str]) -> Path | None:
    """Where batch_runner checkpoints quick-add enrichments: next to a SQLite lead database file
    (`leads.db` -> `leads.batches.sqlite3`), in the data directory for other databases, None (in
    memory) when the lead database is in memory too.
    """
    if database_url.get_backend_name() == "sqlite":
        if is_in_memory_sqlite(database_url):
            return None
        database = Path(str(database_url.database))
        return database.with_name(database.stem + CHECKPOINT_SUFFIX)
    return default_database_path(environ).with_name(Path(DATABASE_FILE_NAME).stem + CHECKPOINT_SUFFIX)


def parse_server_config(argv: Sequence[str], environ: Mapping[str, str]) -> ServerConfig:
    """Reads the command line and environment; relative paths are taken from where `bazel run` was typed."""
    parser = argparse.ArgumentParser(prog="lead_explorer-server", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"interface to listen on (default {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--database", metavar="PATH", help="SQLite file to use instead of the default")
    parser.add_argument("--demo", action="store_true", help="load the demo data set (seeded, idempotent)")
    parser.add_argument("--demo-count", type=int, default=25, metavar="N", help="demo leads to load (default 25)")
    parser.add_argument(
        "--enricher",
        choices=ENRICHERS,
        default=environ.get(ENRICHER_ENV) or "batch",
        help=f"quick-add enrichment: batch (batch_runner on d0_gateway, default) or offline; ${ENRICHER_ENV}",
    )
    parser.add_argument("--checkpoints", metavar="PATH", help="SQLite file for batch_runner's enrichment checkpoints")
    parser.add_argument(
        "--live", action="store_true", help="call the real Hunter API (needs HUNTER_API_KEY); default: stubs"
    )
    edge.add_limit_arguments(parser, environ)
    args = parser.parse_args(list(argv))
    if args.enricher not in ENRICHERS:
        parser.error(f"${ENRICHER_ENV} must be one of {', '.join(ENRICHERS)}, got {args.enricher!r}")
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be between 0 and 65535, got {args.port}")
    if args.demo_count < 0:
        parser.error(f"--demo-count must not be negative, got {args.demo_count}")
    if args.database:
        url, origin = URL.create("sqlite", database=str(_user_path(args.database, environ))), "--database"
    elif environ.get(DATABASE_URL_ENV):
        url, origin = _parse_url(environ[DATABASE_URL_ENV]), f"${DATABASE_URL_ENV}"
    else:
        url, origin = URL.create("sqlite", database=str(default_database_path(environ))), "default"
    checkpoints = _user_path(args.checkpoints, environ) if args.checkpoints else default_checkpoint_path(url, environ)
    return ServerConfig(
        args.host,
        args.port,
        url,
        origin,
        args.demo,
        args.demo_count,
        args.enricher,
        checkpoints,
        args.live,
        edge.limits_from(args),
    )


def build_repository(config: ServerConfig) -> LeadRepository:
    """Opens the database (creating the SQLite file's folder and the schema if needed) and returns its repository."""
    if config.database_url.get_backend_name() == "sqlite" and not is_in_memory_sqlite(config.database_url):
        _make_folder(Path(str(config.database_url.database)).parent, "database")
    engine = create_database_engine(config.database_url)
    create_schema(engine)
    return LeadRepository(session_factory(engine))


def build_enrichment(config: ServerConfig, environ: Mapping[str, str]) -> tuple[Enricher, GatewayEnrichment | None]:
    """The quick-add enricher the config asks for, and the batch enrichment that owns resources (None offline).

    Raises DatabaseConfigurationError when the checkpoint file cannot be opened, and d0_gateway's
    ConfigurationError when `--live` lacks the provider's API key.
    """
    if config.enricher == "offline":
        return OfflineEnricher(), None
    if config.checkpoints is None:
        store = CheckpointStore.in_memory()
    else:
        _make_folder(config.checkpoints.parent, "checkpoint")
        try:
            store = CheckpointStore.open(config.checkpoints)
        except SQLAlchemyError as error:
            reason = getattr(error, "orig", None) or error
            raise DatabaseConfigurationError(
                f"cannot open the checkpoint file {config.checkpoints}: {reason}"
            ) from None
    try:
        # Gaps the provider leaves (the offline stubs know no organisation) are filled by the offline rules.
        enrichment = GatewayEnrichment(store, live=config.live, environ=environ, fallback=OfflineEnricher())
    except ConfigurationError:
        store.close()
        raise
    return enrichment.enricher, enrichment


def main(
    argv: Sequence[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    serve: Serve | None = None,
    out: TextIO | None = None,
) -> int:
    """Prepares the database, prints where it is, and serves the API until stopped; returns an exit code."""
    environ = os.environ if environ is None else environ
    out = out or sys.stdout
    try:
        config = parse_server_config(sys.argv[1:] if argv is None else argv, environ)
        repository = build_repository(config)
        enricher, enrichment = build_enrichment(config, environ)
    except (DatabaseConfigurationError, ConfigurationError) as error:
        print(f"lead_explorer: {error}", file=sys.stderr)
        return 2
    except SQLAlchemyError as error:
        print(f"lead_explorer: cannot open the database: {error}", file=sys.stderr)
        return 1
    print(f"Lead Explorer database ({config.database_origin}): {_describe(config.database_url)}", file=out)
    if enrichment is None:
        print("Quick-add enrichment: offline, in-process (company from the domain, contact from the mailbox)", file=out)
    else:
        where = "in memory (lost on exit)" if config.checkpoints is None else f"SQLite file {config.checkpoints}"
        print(f"Quick-add enrichment: {enrichment.describe()}; checkpoints {where}", file=out)
    resumed = repository.requeue_unfinished_enrichments(actor="server-start")
    if resumed:
        print(
            f"Resuming {len(resumed)} unfinished enrichment task(s) from an earlier run "
            "(a task whose batch already completed adopts its result; none is paid twice)",
            file=out,
        )
    if config.demo:
        created = load_demo_leads(repository, config.demo_count)
        print(f"Demo data: {created} new lead(s) loaded ({config.demo_count - created} already present)", file=out)
    print(f"Serving on http://{config.host}:{config.port} (API docs at /docs, OpenAPI at /openapi.json)", file=out)
    out.flush()
    if serve is None:
        import uvicorn

        serve = uvicorn.run
    closers = [] if enrichment is None else [enrichment.aclose]
    app = create_app(
        repository, enricher=enricher, on_shutdown=closers, resume_tasks=resumed, limits=config.limits.guard
    )
    serve(app, host=config.host, port=config.port, **edge.uvicorn_options(config.limits))
    return 0


def _user_path(value: str, environ: Mapping[str, str]) -> Path:
    """`value` as the user meant it: relative to where `bazel run` was typed (else the current directory)."""
    return Path(environ.get("BUILD_WORKING_DIRECTORY") or os.getcwd()) / Path(value).expanduser()


def _make_folder(folder: Path, what: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DatabaseConfigurationError(f"cannot create the {what} folder {folder}: {error.strerror}") from None


def _parse_url(value: str) -> URL:
    try:
        return make_url(value)
    except Exception as error:  # noqa: BLE001 - SQLAlchemy raises ArgumentError or ValueError here
        raise DatabaseConfigurationError(f"{DATABASE_URL_ENV}={value!r} is not a database URL: {error}") from None


def _describe(url: URL) -> str:
    if url.get_backend_name() == "sqlite":
        return "in-memory SQLite (lost on exit)" if is_in_memory_sqlite(url) else f"SQLite file {url.database}"
    return url.render_as_string(hide_password=True)


if __name__ == "__main__":
    sys.exit(main())
