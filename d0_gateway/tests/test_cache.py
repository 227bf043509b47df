import gzip
import re

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from d0_gateway import InMemoryCacheBackend, ResponseCache, cache_key
from testing import FakeClock


def get(url, **kwargs):
    return httpx.Request("GET", url, **kwargs)


def ok(body=b'{"ok": true}', status=200):
    return httpx.Response(status, content=body, headers={"Content-Type": "application/json"})


def test_returns_a_stored_success_while_fresh(fake_clock):
    cache = ResponseCache(60, fake_clock)
    request = get("https://api.example.com/v1/items?a=1")
    cache.put(request, ok())
    fake_clock.advance(59)
    cached = cache.get(request)
    assert cached is not None and cached.json() == {"ok": True}


def test_never_returns_an_entry_once_its_ttl_has_passed(fake_clock):
    backend = InMemoryCacheBackend()
    cache = ResponseCache(60, fake_clock, backend)
    request = get("https://api.example.com/v1/items")
    cache.put(request, ok())
    fake_clock.advance(60)
    assert cache.get(request) is None
    assert len(backend) == 0


@pytest.mark.parametrize("status", [404, 429, 500, 503])
def test_does_not_store_error_responses(fake_clock, status):
    cache = ResponseCache(60, fake_clock)
    request = get("https://api.example.com/v1/items")
    assert cache.put(request, ok(status=status)) is False
    assert cache.get(request) is None


def test_does_not_store_non_idempotent_requests_unless_marked(fake_clock):
    cache = ResponseCache(60, fake_clock)
    post = httpx.Request("POST", "https://api.example.com/v1/match", json={"name": "Acme"})
    assert cache.put(post, ok()) is False
    assert cache.put(post, ok(), idempotent=True) is True
    assert cache.get(post) is not None


def test_query_order_and_json_key_order_do_not_change_the_key():
    first = httpx.Request("POST", "https://api.example.com/m?a=1&b=2", json={"x": 1, "y": [1, 2]})
    second = httpx.Request(
        "POST",
        "https://api.example.com/m?b=2&a=1",
        content=b'{"y": [1, 2], "x": 1}',
        headers={"Content-Type": "application/json"},
    )
    assert cache_key(first) == cache_key(second)


@pytest.mark.parametrize(
    "other",
    [
        httpx.Request("GET", "https://api.example.com/m?a=2"),
        httpx.Request("HEAD", "https://api.example.com/m?a=1"),
        httpx.Request("GET", "https://api.example.com/n?a=1"),
        httpx.Request("GET", "https://api.example.com/m?a=1", content=b"body"),
    ],
)
def test_method_url_query_and_body_all_change_the_key(other):
    assert cache_key(httpx.Request("GET", "https://api.example.com/m?a=1")) != cache_key(other)


def test_invalid_json_body_is_keyed_by_its_raw_bytes():
    broken = {"Content-Type": "application/json"}
    first = httpx.Request("POST", "https://api.example.com/m", content=b"{not json", headers=broken)
    second = httpx.Request("POST", "https://api.example.com/m", content=b"{not json!", headers=broken)
    assert cache_key(first) != cache_key(second)


def test_namespaces_keep_providers_apart_in_a_shared_backend(fake_clock):
    backend = InMemoryCacheBackend()
    hunter, semrush = (
        ResponseCache(60, fake_clock, backend, namespace="hunter"),
        ResponseCache(60, fake_clock, backend, namespace="semrush"),
    )
    request = get("https://api.example.com/v1/items")
    hunter.put(request, ok())
    assert semrush.get(request) is None


def test_backend_evicts_the_least_recently_used_entry_when_full(fake_clock):
    cache = ResponseCache(60, fake_clock, InMemoryCacheBackend(max_entries=2))
    a, b, c = (get(f"https://api.example.com/{name}") for name in "abc")
    cache.put(a, ok())
    cache.put(b, ok())
    cache.get(a)
    cache.put(c, ok())
    assert cache.get(a) is not None and cache.get(c) is not None
    assert cache.get(b) is None


def test_cached_body_is_returned_decoded_even_if_it_came_gzipped(fake_clock):
    cache = ResponseCache(60, fake_clock)
    request = get("https://api.example.com/z")
    wire = httpx.Response(200, content=gzip.compress(b'{"z": 1}'), headers={"Content-Encoding": "gzip"})
    wire.read()
    cache.put(request, wire)
    cached = cache.get(request)
    assert cached is not None and cached.json() == {"z": 1}


def test_clear_and_delete_remove_entries(fake_clock):
    backend = InMemoryCacheBackend()
    cache = ResponseCache(60, fake_clock, backend)
    cache.put(get("https://api.example.com/a"), ok())
    cache.put(get("https://api.example.com/b"), ok())
    backend.delete(cache_key(get("https://api.example.com/a")))
    assert len(backend) == 1
    backend.clear()
    assert len(backend) == 0


@pytest.mark.parametrize("build", [lambda c: ResponseCache(0, c), lambda c: InMemoryCacheBackend(max_entries=0)])
def test_invalid_ttl_or_size_is_rejected(fake_clock, build):
    with pytest.raises(ValueError):
        build(fake_clock)


operations = st.lists(
    st.one_of(
        st.tuples(st.just("put"), st.integers(0, 4), st.sampled_from([200, 201, 204, 400, 404, 429, 500, 503])),
        st.tuples(st.just("get"), st.integers(0, 4)),
        st.tuples(st.just("advance"), st.floats(0, 40)),
    ),
    max_size=30,
)


@settings(max_examples=30)
@given(operations=operations, ttl=st.floats(1, 30), size=st.integers(1, 5))
def test_never_returns_an_expired_or_error_response(operations, ttl, size):
    clock = FakeClock()
    cache = ResponseCache(ttl, clock, InMemoryCacheBackend(max_entries=size))
    stored_at: dict[int, float] = {}
    for operation in operations:
        if operation[0] == "advance":
            clock.advance(operation[1])
        elif operation[0] == "put":
            _, item, status = operation
            if cache.put(get(f"https://api.example.com/{item}"), ok(str(item).encode(), status)):
                stored_at[item] = clock.monotonic()
        else:
            item = operation[1]
            response = cache.get(get(f"https://api.example.com/{item}"))
            if response is not None:
                assert response.is_success
                assert response.content == str(item).encode()
                assert clock.monotonic() - stored_at[item] < ttl


def test_default_backend_holds_1024_entries_when_not_sized(fake_clock):
    backend = InMemoryCacheBackend()
    cache = ResponseCache(60, fake_clock, backend)
    requests = [get(f"https://api.example.com/{i}") for i in range(1025)]
    for request in requests:
        cache.put(request, ok())
    assert len(backend) == 1024
    assert cache.get(requests[0]) is None and cache.get(requests[1]) is not None


def test_storing_an_existing_key_again_makes_it_the_most_recent(fake_clock):
    cache = ResponseCache(60, fake_clock, InMemoryCacheBackend(max_entries=2))
    a, b, c = (get(f"https://api.example.com/{name}") for name in "abc")
    cache.put(a, ok())
    cache.put(b, ok())
    cache.put(a, ok())
    cache.put(c, ok())
    assert cache.get(a) is not None and cache.get(b) is None


def test_a_one_entry_backend_keeps_the_latest_response(fake_clock):
    cache = ResponseCache(60, fake_clock, InMemoryCacheBackend(max_entries=1))
    a, b = get("https://api.example.com/a"), get("https://api.example.com/b")
    cache.put(a, ok())
    cache.put(b, ok())
    assert cache.get(a) is None and cache.get(b) is not None


def test_an_entry_is_fresh_until_the_last_instant_of_its_ttl(fake_clock):
    cache = ResponseCache(60, fake_clock)
    request = get("https://api.example.com/v1/items")
    cache.put(request, ok())
    fake_clock.advance(59.999)
    assert cache.get(request) is not None


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda c: ResponseCache(0, c, namespace="hunter"), r"^hunter: ttl must be positive seconds, got 0$"),
        (lambda c: ResponseCache(-1, c), r"^cache: ttl must be positive seconds, got -1$"),
        (lambda c: InMemoryCacheBackend(max_entries=0), r"^cache max_entries must be at least 1, got 0$"),
    ],
)
def test_invalid_ttl_or_size_is_refused_naming_the_value(fake_clock, build, message):
    with pytest.raises(ValueError, match=message):
        build(fake_clock)


def test_a_head_request_is_cached_like_a_get(fake_clock):
    cache = ResponseCache(60, fake_clock)
    head = httpx.Request("HEAD", "https://api.example.com/v1/items")
    assert cache.put(head, ok()) is True


def test_a_get_marked_not_idempotent_is_not_cached(fake_clock):
    cache = ResponseCache(60, fake_clock)
    assert cache.put(get("https://api.example.com/v1/items"), ok(), idempotent=False) is False


def test_a_cached_answer_keeps_its_status_and_headers_but_not_the_wire_encoding(fake_clock):
    cache = ResponseCache(60, fake_clock)
    request = get("https://api.example.com/z")
    wire = httpx.Response(
        201,
        content=gzip.compress(b'{"z": 1}'),
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json", "X-Request-Id": "r-1"},
    )
    wire.read()
    cache.put(request, wire)
    cached = cache.get(request)
    assert cached is not None and cached.status_code == 201
    assert cached.headers["X-Request-Id"] == "r-1" and "content-encoding" not in cached.headers
    assert cached.headers["content-length"] == str(len(b'{"z": 1}'))
    assert cached.request is request


def test_a_json_body_with_a_charset_is_keyed_canonically():
    first = httpx.Request("POST", "https://api.example.com/m", json={"x": 1, "y": 2})
    second = httpx.Request(
        "POST",
        "https://api.example.com/m",
        content=b'{"y": 2, "x": 1}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert cache_key(first) == cache_key(second)


def test_a_non_json_body_is_keyed_by_its_exact_bytes():
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    first = httpx.Request("POST", "https://api.example.com/m", content=b'{"x": 1, "y": 2}', headers=form)
    second = httpx.Request("POST", "https://api.example.com/m", content=b'{"y": 2, "x": 1}', headers=form)
    assert cache_key(first) != cache_key(second)


def test_a_blank_query_value_is_part_of_the_key():
    assert cache_key(get("https://api.example.com/m?a=")) != cache_key(get("https://api.example.com/m"))


def test_the_namespace_is_part_of_the_key():
    request = get("https://api.example.com/m")
    assert cache_key(request, "hunter") != cache_key(request, "semrush") != cache_key(request)


def test_the_key_is_a_sha256_hex_digest():
    assert re.fullmatch(r"[0-9a-f]{64}", cache_key(get("https://api.example.com/m")))
