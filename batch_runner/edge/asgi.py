"""ASGI middleware in front of both LeadFactory APIs: bounded request bodies, a read timeout, and honest 405s.

`RequestGuard` reads each request body before the application sees it:

- a body over `max_body_bytes` (declared by Content-Length, or counted as it arrives) gets **413** at
  once, without being read further or echoed;
- a body that stops arriving for `read_timeout` seconds (a stalled or half-sent upload) gets **408**;
- both close the connection, since the rest of the body was never read.

With `router`, a method the path does not support gets **405** with an `Allow` header listing every
method of that path, and a literal path (`/leads/quick-add`) is never taken for a templated one
(`/leads/{lead_id}`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_MAX_BODY_BYTES = 1_048_576
"""1 MiB: the largest request body either API accepts."""
DEFAULT_READ_TIMEOUT = 30.0
"""Seconds a request body may stall between two chunks before the request gets 408."""

Timeout = Callable[[float], AbstractAsyncContextManager[object]]


@dataclass(frozen=True)
class GuardLimits:
    """How much a request may send and how long its body may stall."""

    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    read_timeout: float = DEFAULT_READ_TIMEOUT

    def __post_init__(self) -> None:
        if self.max_body_bytes < 0:
            raise ValueError(f"max_body_bytes must be >= 0, got {self.max_body_bytes}")
        if not self.read_timeout > 0:
            raise ValueError(f"read_timeout must be > 0 seconds, got {self.read_timeout}")


DEFAULT_GUARD_LIMITS = GuardLimits()


class RequestGuard:
    """Reads, bounds and times each request body, then hands it to `app` as one chunk."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limits: GuardLimits = DEFAULT_GUARD_LIMITS,
        routes: Callable[[], Iterable[BaseRoute]] | None = None,
        timeout: Timeout = asyncio.timeout,
    ) -> None:
        self.app = app
        self.limits = limits
        self._routes = routes
        self._timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        allowed = self._allowed_methods(scope)
        if allowed is not None:
            await _reply(send, 405, "Method Not Allowed", extra_headers=[(b"allow", ", ".join(allowed).encode())])
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limits.max_body_bytes:
            await _reply(send, 413, self._too_large(), close=True)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            try:
                async with self._timeout(self.limits.read_timeout):
                    message = await receive()
            except TimeoutError:
                detail = f"the request body stalled for more than {self.limits.read_timeout:g} seconds"
                await _reply(send, 408, detail, close=True)
                return
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limits.max_body_bytes:
                await _reply(send, 413, self._too_large(), close=True)
                return
            chunks.append(chunk)
            more = bool(message.get("more_body", False))
        await self.app(scope, _replay(b"".join(chunks), receive), send)

    def _too_large(self) -> str:
        return f"the request body is larger than the limit of {self.limits.max_body_bytes} bytes"

    def _allowed_methods(self, scope: Scope) -> list[str] | None:
        """The path's methods when `scope`'s method is not one of them (None: let the app answer)."""
        if self._routes is None:
            return None
        literal: dict[Match, list[Route]] = {Match.FULL: [], Match.PARTIAL: []}
        templated: dict[Match, list[Route]] = {Match.FULL: [], Match.PARTIAL: []}
        for route in self._routes():
            if isinstance(route, Route):
                match, _child = route.matches(scope)
                if match is not Match.NONE:
                    (templated if route.param_convertors else literal)[match].append(route)
        for matches in (literal, templated):  # a literal path shadows every template that also matches it
            if matches[Match.FULL]:
                return None
            if matches[Match.PARTIAL]:
                path = matches[Match.PARTIAL][0].path
                same_path = [route for route in matches[Match.PARTIAL] if route.path == path]
                return sorted({method for route in same_path for method in route.methods or ()})
        return None


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # e.g. http.disconnect, which streaming responses wait for

    return replay


async def _reply(
    send: Send,
    status: int,
    detail: str,
    *,
    close: bool = False,
    extra_headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if close:
        headers.append((b"connection", b"close"))
    headers.extend(extra_headers or [])
    start: dict[str, Any] = {"type": "http.response.start", "status": status, "headers": headers}
    await send(start)
    await send({"type": "http.response.body", "body": body, "more_body": False})
