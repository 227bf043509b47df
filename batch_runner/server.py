"""`bazel run //batch_runner:server`: serves the batch API with uvicorn on 127.0.0.1:8001.

Steps call d0_gateway (Hunter domain search, then PageSpeed) in its offline stub mode unless `--live`
is given, exactly as `bazel run //batch_runner:cli` does; checkpoints go to the CLI's default SQLite file
(`leadfactory-batches.sqlite` in the temp directory) unless `--db PATH` names another, so the CLI and the
server see the same batches. Size, time and connection limits: see batch_runner/edge/serving.py.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from fastapi import FastAPI
from sqlalchemy.exc import OperationalError

from batch_runner import edge
from batch_runner.api import create_app
from batch_runner.checkpoint import CheckpointStore
from batch_runner.cli import default_db_path, user_path
from batch_runner.gateway_providers import gateway_pipeline, gateway_price_book
from batch_runner.retry import RetryPolicy
from batch_runner.runner import BatchRunner, RunSettings
from d0_gateway import ConfigurationError, build_gateway

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001

Serve = Callable[..., Any]


@dataclass(frozen=True)
class BatchServerConfig:
    """Where to listen, where checkpoints go, how batches run and the server's limits."""

    host: str
    port: int
    db: Path
    live: bool
    settings: RunSettings
    limits: edge.ServerLimits


def parse_server_config(argv: Sequence[str], environ: Mapping[str, str]) -> BatchServerConfig:
    """Reads the command line (and the limits' environment variables); exits 2 on a bad option."""
    parser = argparse.ArgumentParser(prog="batch_runner-server", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"interface to listen on (default {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument(
        "--db", metavar="PATH", help="SQLite checkpoint file (default: the CLI's, in the temp directory)"
    )
    parser.add_argument("--live", action="store_true", help="call the real providers (needs their API keys)")
    parser.add_argument("--concurrency", type=int, default=4, help="leads in flight per batch (default 4)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per lead, retries included (default 60)")
    parser.add_argument("--retries", type=int, default=3, help="attempts per step for retryable errors (default 3)")
    edge.add_limit_arguments(parser, environ)
    args = parser.parse_args(list(argv))
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be between 0 and 65535, got {args.port}")
    if args.concurrency < 1 or args.timeout <= 0 or args.retries < 1:
        parser.error("--concurrency and --retries must be >= 1 and --timeout > 0")
    db = user_path(args.db, environ) if args.db else default_db_path(environ)
    settings = RunSettings(args.concurrency, args.timeout, RetryPolicy(max_attempts=args.retries))
    return BatchServerConfig(args.host, args.port, db, args.live, settings, edge.limits_from(args))


def build_app(config: BatchServerConfig, environ: Mapping[str, str]) -> FastAPI:
    """The batch API over d0_gateway and the checkpoint file; the gateway and store close with the app.

    Raises d0_gateway's ConfigurationError when `--live` lacks an API key, OperationalError when the
    checkpoint file cannot be opened.
    """
    config.db.parent.mkdir(parents=True, exist_ok=True)
    store = CheckpointStore.open(config.db)
    gateway = build_gateway(stub=not config.live, environ=environ)
    try:
        gateway.client("hunter")  # fails now, not on the first batch, when credentials are missing
        gateway.client("pagespeed")
    except ConfigurationError:
        store.close()
        raise
    runner = BatchRunner(
        store, gateway_pipeline(gateway), price_book=gateway_price_book(gateway), settings=config.settings
    )
    app = create_app(runner, limits=config.limits.guard)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            try:
                await gateway.aclose()
            finally:
                store.close()

    app.router.lifespan_context = lifespan
    return app


def main(
    argv: Sequence[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    serve: Serve | None = None,
    out: TextIO | None = None,
) -> int:
    """Opens the checkpoints, prints where they are, and serves the API until stopped; returns an exit code."""
    environ = os.environ if environ is None else environ
    out = out or sys.stdout
    config = parse_server_config(sys.argv[1:] if argv is None else argv, environ)
    try:
        app = build_app(config, environ)
    except ConfigurationError as error:
        print(f"batch_runner: {error}", file=sys.stderr)
        return 2
    except (OperationalError, OSError) as error:
        print(f"batch_runner: cannot open the checkpoint file {config.db}: {error}", file=sys.stderr)
        return 2
    providers = "live providers" if config.live else "d0_gateway offline stubs"
    print(f"Batch runner: {providers}; checkpoints in SQLite file {config.db}", file=out)
    print(f"Serving on http://{config.host}:{config.port} (API docs at /docs, OpenAPI at /openapi.json)", file=out)
    out.flush()
    if serve is None:
        import uvicorn

        serve = uvicorn.run
    serve(app, host=config.host, port=config.port, **edge.uvicorn_options(config.limits))
    return 0


if __name__ == "__main__":
    sys.exit(main())
