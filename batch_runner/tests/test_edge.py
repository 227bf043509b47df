"""batch_runner.edge: the domain, email and text rules both APIs share, header decoding, the request guard,
the 422 body and the server limits."""

import argparse
import asyncio
import re
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import given
from hypothesis import strategies as st

from batch_runner import edge

# -- the domain and email rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("https://WWW.Acme.com/", "acme.com"),
        ("www.com", "www.com"),
        ("http://user@shop.example.co.uk:8443/cart", "shop.example.co.uk"),
        ("bücher.de", "xn--bcher-kva.de"),
        ("\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com", "example.com"),  # full-width letters, mapped by UTS 46
    ],
)
def test_domain_rule_reduces_urls_to_the_bare_ascii_host_when_given_loosely(raw, expected):
    assert edge.normalize_domain(raw) == expected


@pytest.mark.parametrize(
    "raw, reason",
    [
        ("localhost", "needs a top-level domain"),
        ("10.0.0.1", "is an IP address"),
        ("", "has no host name"),
        ("a\x00.com", "NUL character"),
        ("x" * 2049, "longer than 2048"),
        ("example.123", "all-numeric top-level domain"),
    ],
)
def test_domain_rule_refuses_what_is_not_a_domain_saying_why(raw, reason):
    with pytest.raises(edge.InvalidFieldError, match=reason):
        edge.normalize_domain(raw)


def test_email_rule_lowercases_and_encodes_the_domain_when_the_address_is_valid():
    assert edge.normalize_email(" Jane.Doe@Bücher.DE ") == "jane.doe@xn--bcher-kva.de"


@pytest.mark.parametrize(
    "raw, reason",
    [
        ("nope", "not a valid email"),
        ("a@b.test", "special-use"),
        (7, "not int"),
        ("a" * 250 + "@b.com", "^is longer than 254 characters$"),
    ],
)
def test_email_rule_refuses_invalid_and_special_use_addresses(raw, reason):
    with pytest.raises(edge.InvalidFieldError, match=reason):
        edge.normalize_email(raw)


def test_special_use_schema_clause_matches_the_addresses_the_email_rule_refuses():
    clause = edge.NOT_SPECIAL_USE_SCHEMA["not"]
    assert isinstance(clause, dict)
    pattern = clause["pattern"]
    assert isinstance(pattern, str)
    assert [bool(re.search(pattern, address)) for address in ("z@o.TEST", "a@x.onion", "a@acme.com")] == [
        True,
        True,
        False,
    ]


# -- the text rule and its pattern ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, reason",
    [
        ("Ac\u200bme", "U\\+200B at position 2"),
        ("\u202eevil", "U\\+202E at position 0"),
        ("tab\there", "U\\+0009"),
        ("a\ud800", "U\\+D800"),
        ("nul\x00", "NUL character"),
        ("x" * 11, "longer than 10 characters"),
    ],
)
def test_text_rule_refuses_control_invisible_and_overlong_text_naming_the_character(raw, reason):
    with pytest.raises(edge.InvalidFieldError, match=reason):
        edge.clean_text(raw, max_length=10)


@pytest.mark.parametrize(
    "raw, expected", [("  Acme  ", "Acme"), ("   ", None), (None, None), ("👩\u200d💻", "👩\u200d💻")]
)
def test_text_rule_trims_and_keeps_joiners_when_text_is_printable(raw, expected):
    assert edge.clean_text(raw) == expected


def test_text_rule_refuses_values_that_are_not_text():
    with pytest.raises(edge.InvalidFieldError, match="must be text, not bool"):
        edge.clean_text(True)


@given(st.text(st.characters(exclude_categories=["Cs"]), max_size=20))
def test_text_pattern_accepts_exactly_the_text_the_rule_accepts(text):
    try:
        edge.clean_text(text)
        accepted = True
    except edge.InvalidFieldError:
        accepted = False
    assert bool(re.fullmatch(edge.TEXT_PATTERN, text)) is accepted


@given(st.text(st.characters(exclude_categories=["Cs"]), max_size=20))
def test_required_text_pattern_accepts_exactly_the_text_the_rule_keeps(text):
    try:
        kept = edge.clean_text(text) is not None
    except edge.InvalidFieldError:
        kept = False
    assert bool(re.fullmatch(edge.REQUIRED_TEXT_PATTERN, text)) is kept


@pytest.mark.parametrize(
    "sent, expected",
    [("Jörg".encode().decode("latin-1"), "Jörg"), ("J\xf6rg", "J\xf6rg"), ("plain", "plain")],
)
def test_header_text_is_read_as_utf8_when_it_is_utf8_else_as_latin1(sent, expected):
    assert edge.decode_header_text(sent) == expected


def test_header_text_never_fails_when_a_character_is_beyond_latin1():
    assert edge.decode_header_text("J\u20acrg") == "J?rg"


# -- the 422 body --------------------------------------------------------------------------------------


def test_validation_body_keeps_type_loc_and_message_but_never_the_input():
    errors = [{"type": "bool_type", "loc": ("body", "is_manual"), "msg": "bad", "input": float("nan"), "ctx": {}}]
    assert edge.validation_error_body(errors) == {
        "detail": [{"type": "bool_type", "loc": ["body", "is_manual"], "msg": "is_manual: bad"}]
    }


def test_validation_body_escapes_and_bounds_each_location_part():
    errors = [{"type": "extra_forbidden", "loc": ("body", "a\ud800", "k" * 150), "msg": "bad"}]
    (item,) = edge.validation_error_body(errors)["detail"]
    assert item["loc"][:2] == ["body", "a\\ud800"]
    assert item["loc"][2] == "k" * 99 + "…"


def test_validation_body_keeps_the_message_unprefixed_when_no_location_part_names_a_field():
    errors = [{"type": "list_type", "loc": (0,), "msg": "bad"}]
    assert edge.validation_error_body(errors) == {"detail": [{"type": "list_type", "loc": [0], "msg": "bad"}]}


def test_validation_body_says_invalid_value_when_the_error_has_no_message_or_type():
    assert edge.validation_error_body([{"loc": ("body", "name")}]) == {
        "detail": [{"type": "value_error", "loc": ["body", "name"], "msg": "name: invalid value"}]
    }


def test_validation_item_is_a_value_error_keeping_row_numbers_as_integers():
    assert edge.validation_item(["body", "leads", 3, "domain"], "domain: bad") == {
        "type": "value_error",
        "loc": ["body", "leads", 3, "domain"],
        "msg": "domain: bad",
    }


def test_printable_message_escapes_lone_surrogates_and_is_bounded():
    message = edge.printable_message("a\ud800" + "x" * 500)
    assert message.startswith("a\\ud800") and len(message) == edge.validation.MAX_MESSAGE_LENGTH
    message.encode("utf-8")


# -- the request guard ---------------------------------------------------------------------------------


def _app(limits=None, **guard):
    app = FastAPI()
    edge.install_validation_handler(app)

    @app.post("/echo")
    async def echo(body: dict) -> dict:
        return body

    @app.post("/items/new")
    async def new_item() -> dict:
        return {}

    @app.get("/items/{item_id}")
    async def get_item(item_id: int) -> dict:
        return {"id": item_id}

    @app.delete("/items/{item_id}")
    async def delete_item(item_id: int) -> dict:
        return {"id": item_id}

    limits = limits or edge.GuardLimits(max_body_bytes=10)
    app.add_middleware(edge.RequestGuard, limits=limits, routes=lambda: app.router.routes, **guard)
    return app


async def _send(app, method, path, **kwargs):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://edge.test") as client:
        return await client.request(method, path, **kwargs)


async def test_guard_passes_a_body_within_the_limit_to_the_app():
    response = await _send(_app(), "POST", "/echo", json={"a": 1})
    assert (response.status_code, response.json()) == (200, {"a": 1})


async def test_guard_answers_413_and_closes_when_the_declared_body_is_over_the_limit():
    response = await _send(_app(), "POST", "/echo", content=b'{"a": "0123456789"}')
    assert (response.status_code, response.headers["connection"]) == (413, "close")
    assert response.json() == {"detail": "the request body is larger than the limit of 10 bytes"}


async def test_guard_answers_413_as_json_with_its_exact_length_when_the_body_is_over_the_limit():
    response = await _send(_app(), "POST", "/echo", content=b'{"a": "0123456789"}')
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-length"] == str(len(response.content))


async def test_guard_keeps_the_connection_open_when_it_answers_405():
    response = await _send(_app(), "PUT", "/items/3")
    assert "connection" not in response.headers


async def test_guard_answers_413_when_an_undeclared_body_grows_over_the_limit():
    async def chunks():
        yield b'{"a":'
        yield b'"0123456789"}'

    response = await _send(_app(), "POST", "/echo", content=chunks())
    assert (response.status_code, response.json()) == (
        413,
        {"detail": "the request body is larger than the limit of 10 bytes"},
    )


async def test_guard_answers_408_when_the_body_stalls_for_the_read_timeout():
    @asynccontextmanager
    async def expired(_seconds):
        raise TimeoutError
        yield

    app = _app(edge.GuardLimits(max_body_bytes=10, read_timeout=2.5), timeout=expired)
    response = await _send(app, "POST", "/echo", json={})
    assert (response.status_code, response.json()["detail"]) == (
        408,
        "the request body stalled for more than 2.5 seconds",
    )


async def test_guard_closes_the_connection_when_it_answers_408():
    @asynccontextmanager
    async def expired(_seconds):
        raise TimeoutError
        yield

    response = await _send(_app(timeout=expired), "POST", "/echo", json={})
    assert (response.status_code, response.headers["connection"]) == (408, "close")


async def test_guard_passes_an_empty_body_when_the_request_message_has_none():
    seen = []

    async def app(scope, receive, send):
        seen.append(await receive())

    async def receive():
        return {"type": "http.request"}

    async def send(message):
        raise AssertionError(f"the app sent nothing, yet the guard sent {message!r}")

    guard = edge.RequestGuard(app)
    await guard({"type": "http", "method": "POST", "path": "/echo", "headers": []}, receive, send)
    assert seen == [{"type": "http.request", "body": b"", "more_body": False}]


async def test_guard_stops_waiting_for_a_body_that_never_arrives_after_the_read_timeout():
    guard = edge.RequestGuard(_app(), limits=edge.GuardLimits(read_timeout=0.001))
    sent = []

    async def never():
        await asyncio.Event().wait()

    async def send(message):
        sent.append(message)

    await guard({"type": "http", "method": "POST", "path": "/echo", "headers": []}, never, send)
    assert sent[0]["status"] == 408


async def test_guard_answers_405_listing_every_method_of_a_templated_path():
    response = await _send(_app(), "PUT", "/items/3")
    assert (response.status_code, response.headers["allow"]) == (405, "DELETE, GET")


async def test_guard_answers_405_when_a_method_of_a_templated_path_hits_a_literal_one():
    response = await _send(_app(), "DELETE", "/items/new")
    assert (response.status_code, response.headers["allow"]) == (405, "POST")


async def test_guard_leaves_unknown_paths_to_the_app():
    assert (await _send(_app(), "GET", "/nowhere")).status_code == 404


def test_guard_limits_refuse_negative_sizes_and_non_positive_timeouts():
    with pytest.raises(ValueError, match="max_body_bytes"):
        edge.GuardLimits(max_body_bytes=-1)
    with pytest.raises(ValueError, match="read_timeout"):
        edge.GuardLimits(read_timeout=0)


# -- server limits -------------------------------------------------------------------------------------


def _parse(argv, environ):
    parser = argparse.ArgumentParser()
    edge.add_limit_arguments(parser, environ)
    return edge.limits_from(parser.parse_args(argv))


def test_server_limits_default_to_one_mebibyte_thirty_seconds_five_seconds_and_two_hundred_connections():
    assert _parse([], {}) == edge.ServerLimits(1_048_576, 30.0, 5, 200)


def test_server_limits_come_from_the_environment_and_flags_override_it():
    environ = {"LEADFACTORY_MAX_BODY_BYTES": "4096", "LEADFACTORY_READ_TIMEOUT": "3"}
    assert _parse(["--read-timeout", "1.5"], environ) == edge.ServerLimits(4096, 1.5, 5, 200)


@pytest.mark.parametrize("argv", [["--max-body-bytes", "0"], ["--read-timeout", "soon"]])
def test_server_limits_refuse_non_positive_or_non_numeric_values(argv):
    with pytest.raises(SystemExit):
        _parse(argv, {})


def test_uvicorn_options_bound_headers_idle_time_connections_and_header_stalls():
    options = edge.uvicorn_options(edge.ServerLimits(read_timeout=2.0, keep_alive_timeout=4, max_connections=9))
    assert (options["timeout_keep_alive"], options["limit_concurrency"], options["h11_max_incomplete_event_size"]) == (
        4,
        9,
        edge.MAX_HEADER_BYTES,
    )
    assert issubclass(options["http"], edge.HeaderDeadlineProtocol) and options["http"].header_timeout == 2.0


def test_text_pattern_lists_exactly_the_characters_the_rule_refuses_in_this_pythons_unicode_tables():
    refused = edge.text.regex_class_of(edge.text.refused_ranges())
    assert edge.TEXT_PATTERN == f"^[^{refused}]*$"


# -- the header deadline (uvicorn's h11 protocol, driven by hand on a loop that only records timers) -----


class _Timer:
    def __init__(self, delay, callback):
        self.delay, self.callback, self.cancelled = delay, callback, False

    def cancel(self):
        self.cancelled = True


class _RecordingLoop:
    """The two loop calls the protocol makes: timers (recorded, fired by the test) and request tasks (dropped)."""

    def __init__(self):
        self.timers = []

    def call_later(self, delay, callback):
        self.timers.append(_Timer(delay, callback))
        return self.timers[-1]

    def create_task(self, coroutine, **_options):
        coroutine.close()
        return _DroppedTask()


class _DroppedTask:
    def add_done_callback(self, _callback):
        pass


class _Transport:
    def __init__(self):
        self.closed = False

    def get_extra_info(self, _name, default=None):
        return default

    def is_closing(self):
        return self.closed

    def close(self):
        self.closed = True

    def write(self, _data):
        pass

    def pause_reading(self):
        pass

    def resume_reading(self):
        pass


def _connected_protocol(read_timeout=2.5):
    from uvicorn.config import Config
    from uvicorn.server import ServerState

    protocol_class = edge.uvicorn_options(edge.ServerLimits(read_timeout=read_timeout))["http"]
    loop, transport = _RecordingLoop(), _Transport()
    protocol = protocol_class(Config(app=FastAPI()), ServerState(), {}, _loop=loop)
    protocol.connection_made(transport)
    return protocol, loop, transport


def _header_deadlines(loop):
    return [timer for timer in loop.timers if timer.delay == 2.5]


def test_header_deadline_is_armed_for_the_read_timeout_when_a_connection_opens():
    _protocol, loop, _transport = _connected_protocol()
    assert [(timer.delay, timer.cancelled) for timer in loop.timers] == [(2.5, False)]


def test_header_deadline_closes_the_connection_when_the_request_headers_stall():
    protocol, loop, transport = _connected_protocol()
    protocol.data_received(b"GET /batches HTTP/1.1\r\nHost: b")
    deadline = loop.timers[0]
    assert not deadline.cancelled
    deadline.callback()
    protocol.connection_lost(None)  # what closing the transport leads to
    assert transport.closed


def test_header_deadline_is_cancelled_when_the_request_headers_arrive_in_time():
    protocol, loop, transport = _connected_protocol()
    protocol.data_received(b"GET /batches HTTP/1.1\r\nHost: b.test\r\n\r\n")
    assert loop.timers[0].cancelled and not transport.closed


def test_header_deadline_leaves_the_connection_open_when_it_fires_after_the_headers_arrived():
    protocol, loop, transport = _connected_protocol()
    protocol.data_received(b"GET /batches HTTP/1.1\r\nHost: b.test\r\n\r\n")
    loop.timers[0].callback()
    assert not transport.closed


def test_header_deadline_is_armed_again_for_the_next_request_when_a_response_completes():
    protocol, loop, _transport = _connected_protocol()
    protocol.data_received(b"GET /batches HTTP/1.1\r\nHost: b.test\r\n\r\n")
    protocol.on_response_complete()
    assert [timer.cancelled for timer in _header_deadlines(loop)] == [True, False]


def test_header_deadline_is_not_armed_again_when_the_connection_is_closing_after_a_response():
    protocol, loop, transport = _connected_protocol()
    transport.close()
    protocol.on_response_complete()
    assert len(_header_deadlines(loop)) == 1


def test_header_deadline_is_cancelled_when_the_connection_is_lost():
    protocol, loop, _transport = _connected_protocol()
    protocol.connection_lost(None)
    assert loop.timers[0].cancelled


def test_lost_connection_passes_its_error_to_uvicorn_which_leaves_the_transport_to_asyncio():
    protocol, _loop, transport = _connected_protocol()
    protocol.connection_lost(ConnectionResetError())
    assert not transport.closed


def test_header_deadline_does_not_close_a_connection_that_is_already_closing():
    protocol, loop, transport = _connected_protocol()
    closes = []
    transport.is_closing = lambda: True
    transport.close = lambda: closes.append(True)
    loop.timers[0].callback()
    assert closes == []
