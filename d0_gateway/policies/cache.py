"""Response cache: successful idempotent responses kept per provider for a TTL, in a bounded LRU backend."""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol, runtime_checkable
from urllib.parse import parse_qsl, urlsplit

import httpx

from d0_gateway.clock import Clock

CACHEABLE_METHODS = frozenset({"GET", "HEAD"})
# The cache stores decoded bodies, so headers describing the wire encoding no longer apply.
_WIRE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


@dataclass(frozen=True)
class CachedResponse:
    """What the cache keeps of a response: status, headers, body, and when it stops being fresh."""

    status_code: int
    headers: tuple[tuple[str, str], ...]
    content: bytes
    expires_at: float

    def to_response(self, request: httpx.Request) -> httpx.Response:
        """A fresh httpx.Response equal to the one cached, bound to `request`."""
        return httpx.Response(self.status_code, headers=list(self.headers), content=self.content, request=request)


@runtime_checkable
class CacheBackend(Protocol):
    """Where cached responses live; in memory by default, anything with these four methods otherwise."""

    def get(self, key: str) -> CachedResponse | None: ...

    def set(self, key: str, value: CachedResponse) -> None: ...

    def delete(self, key: str) -> None: ...

    def clear(self) -> None: ...


class InMemoryCacheBackend:
    """A least-recently-used dict holding at most `max_entries` responses."""

    def __init__(self, max_entries: int = 1024) -> None:
        if max_entries < 1:
            raise ValueError(f"cache max_entries must be at least 1, got {max_entries}")
        self.max_entries = max_entries
        self._entries: OrderedDict[str, CachedResponse] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> CachedResponse | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def set(self, key: str, value: CachedResponse) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def delete(self, key: str) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()


def cache_key(request: httpx.Request, namespace: str = "") -> str:
    """A digest of method + URL (without query) + query pairs in canonical order + canonical body.

    Two requests differing only in query-parameter order or JSON key order share a key.
    """
    url = urlsplit(str(request.url))
    query = sorted(parse_qsl(url.query, keep_blank_values=True))
    body = request.content
    if body and request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
        except ValueError:
            pass  # not valid JSON after all: the raw bytes are the canonical form
    digest = hashlib.sha256()
    for part in (namespace, request.method.upper(), f"{url.scheme}://{url.netloc}{url.path}", json.dumps(query)):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(body)
    return digest.hexdigest()


class ResponseCache:
    """One provider's cache: `ttl` seconds of freshness over a shared or private backend.

    Only 2xx responses to idempotent (GET/HEAD, or explicitly marked) requests are stored; an expired
    entry is never returned, and is dropped when found.
    """

    def __init__(self, ttl: float, clock: Clock, backend: CacheBackend | None = None, *, namespace: str = "") -> None:
        if ttl <= 0:
            raise ValueError(f"{namespace or 'cache'}: ttl must be positive seconds, got {ttl}")
        self.ttl = ttl
        self.namespace = namespace
        self.backend: CacheBackend = backend if backend is not None else InMemoryCacheBackend()
        self._clock = clock

    def get(self, request: httpx.Request) -> httpx.Response | None:
        """The cached response to `request` if one is still fresh."""
        key = cache_key(request, self.namespace)
        entry = self.backend.get(key)
        if entry is None:
            return None
        if self._clock.monotonic() >= entry.expires_at:
            self.backend.delete(key)
            return None
        return entry.to_response(request)

    def put(self, request: httpx.Request, response: httpx.Response, *, idempotent: bool | None = None) -> bool:
        """Stores `response` if it is a success to an idempotent request; returns whether it was stored."""
        allowed = request.method.upper() in CACHEABLE_METHODS if idempotent is None else idempotent
        if not allowed or not response.is_success:
            return False
        entry = CachedResponse(
            status_code=response.status_code,
            headers=tuple((k, v) for k, v in response.headers.multi_items() if k.lower() not in _WIRE_HEADERS),
            content=response.content,
            expires_at=self._clock.monotonic() + self.ttl,
        )
        self.backend.set(cache_key(request, self.namespace), entry)
        return True
