"""How both LeadFactory servers run under uvicorn: limits on size, time and connections, from flags or env.

| flag | environment | default | effect |
|---|---|---|---|
| `--max-body-bytes N` | `LEADFACTORY_MAX_BODY_BYTES` | 1048576 | larger request bodies get 413 |
| `--read-timeout S` | `LEADFACTORY_READ_TIMEOUT` | 30 | a stalled body gets 408, stalled headers are cut off |
| `--keep-alive-timeout S` | `LEADFACTORY_KEEP_ALIVE_TIMEOUT` | 5 | an idle keep-alive connection is closed |
| `--max-connections N` | `LEADFACTORY_MAX_CONNECTIONS` | 200 | connections and requests beyond it get 503 |

Request headers are capped at MAX_HEADER_BYTES (h11's incomplete-event limit); beyond it, 400.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from batch_runner.edge.asgi import DEFAULT_MAX_BODY_BYTES, DEFAULT_READ_TIMEOUT, GuardLimits

DEFAULT_KEEP_ALIVE_TIMEOUT = 5
DEFAULT_MAX_CONNECTIONS = 200
MAX_HEADER_BYTES = 16_384

_ENV = {
    "max_body_bytes": "LEADFACTORY_MAX_BODY_BYTES",
    "read_timeout": "LEADFACTORY_READ_TIMEOUT",
    "keep_alive_timeout": "LEADFACTORY_KEEP_ALIVE_TIMEOUT",
    "max_connections": "LEADFACTORY_MAX_CONNECTIONS",
}


@dataclass(frozen=True)
class ServerLimits:
    """Size, time and connection limits of one server process."""

    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    read_timeout: float = DEFAULT_READ_TIMEOUT
    keep_alive_timeout: int = DEFAULT_KEEP_ALIVE_TIMEOUT
    max_connections: int = DEFAULT_MAX_CONNECTIONS

    @property
    def guard(self) -> GuardLimits:
        """What RequestGuard enforces in the application."""
        return GuardLimits(self.max_body_bytes, self.read_timeout)


_LIMIT_FLAGS: tuple[tuple[str, type[int] | type[float], int | float, str, str], ...] = (
    ("max_body_bytes", int, DEFAULT_MAX_BODY_BYTES, "N", "largest request body; larger gets 413"),
    ("read_timeout", float, DEFAULT_READ_TIMEOUT, "SECONDS", "stalled headers or body are cut off"),
    ("keep_alive_timeout", int, DEFAULT_KEEP_ALIVE_TIMEOUT, "SECONDS", "idle connections close"),
    ("max_connections", int, DEFAULT_MAX_CONNECTIONS, "N", "concurrent connections before 503"),
)
"""Each limit flag: its key in ServerLimits and _ENV, its number type, default, metavar and what it bounds."""


def add_limit_arguments(parser: argparse.ArgumentParser, environ: Mapping[str, str]) -> None:
    """Adds the limit flags (see the module docstring), each defaulting to its environment variable."""
    group = parser.add_argument_group("limits")
    for key, kind, default, metavar, bounds in _LIMIT_FLAGS:
        shown = f"{default:g}" if kind is float else str(default)
        group.add_argument(
            "--" + key.replace("_", "-"),
            type=_positive(kind),
            default=environ.get(_ENV[key]) or str(default),
            metavar=metavar,
            help=f"{bounds} (default {shown}; ${_ENV[key]})",
        )


def limits_from(args: argparse.Namespace) -> ServerLimits:
    """The limits parsed by `add_limit_arguments`."""
    return ServerLimits(args.max_body_bytes, args.read_timeout, args.keep_alive_timeout, args.max_connections)


def uvicorn_options(limits: ServerLimits) -> dict[str, Any]:
    """uvicorn.run keyword arguments enforcing `limits` on connections, headers and idle time."""
    protocol = type("GuardedH11Protocol", (HeaderDeadlineProtocol,), {"header_timeout": limits.read_timeout})
    return {
        "http": protocol,
        "timeout_keep_alive": limits.keep_alive_timeout,
        "limit_concurrency": limits.max_connections,
        "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
    }


class HeaderDeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request's headers (uvicorn has none: a client that
    sends half a request line is otherwise held forever). The connection is closed when it passes."""

    header_timeout: float = DEFAULT_READ_TIMEOUT

    def connection_made(self, transport: Any) -> None:  # noqa: D102 - uvicorn's hook
        super().connection_made(transport)
        self._header_deadline: Any = None
        self._arm_header_deadline()

    def handle_events(self) -> None:  # noqa: D102 - uvicorn's hook
        super().handle_events()
        if self.conn.their_state is not h11.IDLE:
            self._disarm_header_deadline()

    def on_response_complete(self) -> None:  # noqa: D102 - uvicorn's hook
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:  # noqa: D102 - uvicorn's hook
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def _arm_header_deadline(self) -> None:
        self._disarm_header_deadline()
        self._header_deadline = self.loop.call_later(self.header_timeout, self._headers_stalled)

    def _disarm_header_deadline(self) -> None:
        deadline = getattr(self, "_header_deadline", None)
        if deadline is not None:
            deadline.cancel()
            self._header_deadline = None

    def _headers_stalled(self) -> None:
        self._header_deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def _positive(kind: type) -> Any:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be > 0, got {text!r}")
        return value

    return parse
