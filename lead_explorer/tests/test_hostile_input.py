"""End to end: Lead Explorer served as `bazel run //lead_explorer:server` serves it, under hostile input
(issue 13): unserialisable JSON, oversized and stalled requests, undeclared methods, header encodings."""

import json
import socket

import httpx
import pytest

from testing.servers import running_server

READ_TIMEOUT = 0.5  # seconds; the server's --read-timeout for these tests
SOCKET_BOUND = 10.0  # seconds a raw socket waits for the server before the test fails (never reached when it works)
MAX_BODY = 65_536


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    database = tmp_path_factory.mktemp("hostile") / "leads.sqlite3"
    args = ["--database", str(database), "--enricher", "offline"]
    args += ["--read-timeout", str(READ_TIMEOUT), "--max-body-bytes", str(MAX_BODY)]
    with running_server("lead_explorer.server", *args) as running:
        yield running


@pytest.fixture
def http(server):
    with httpx.Client(base_url=server.url, limits=httpx.Limits(max_connections=1), timeout=SOCKET_BOUND) as client:
        yield client


def _raw_json(http, method, path, text, **headers):
    return http.request(
        method,
        path,
        content=text.encode("utf-8", "surrogatepass"),
        headers={"content-type": "application/json", **headers},
    )


@pytest.mark.parametrize(
    "method, path, text, field",
    [
        ("POST", "/leads", '{"domain": "nan.com", "is_manual": NaN}', "is_manual"),
        ("POST", "/leads", '{"domain": "inf.com", "company": Infinity}', "company"),
        ("POST", "/leads/quick-add", '{"domain": "inf.com", "source": -Infinity}', "source"),
        ("POST", "/leads", '{"email": "a\\ud800@x.com"}', "email"),
        ("POST", "/leads", '{"domain": "yes.com", "is_manual": "yes"}', "is_manual"),
        ("POST", "/leads", '{"domain": "zw.com", "company": "Ac\\u200bme"}', "company"),
        ("POST", "/leads", '{"domain": "bidi.com", "company": "\\u202eemca"}', "company"),
    ],
)
def test_unserialisable_or_invalid_json_gets_422_naming_the_field_and_the_connection_stays_usable(
    http, method, path, text, field
):
    response = _raw_json(http, method, path, text)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][-1] == field
    assert "input" not in response.json()["detail"][0]
    assert http.get("/health").status_code == 200  # same keep-alive connection


def test_patch_with_nan_or_null_is_manual_gets_422_naming_it(http):
    lead = http.post("/leads", json={"domain": "patch-me.com"}).json()
    for text in ('{"is_manual": NaN}', '{"is_manual": null}'):
        response = _raw_json(http, "PATCH", f"/leads/{lead['id']}", text)
        assert (response.status_code, response.json()["detail"][0]["loc"]) == (422, ["body", "is_manual"])


def test_empty_body_gets_422_naming_email(http):
    response = http.post("/leads", json={})
    assert (response.status_code, response.json()["detail"][0]["loc"]) == (422, ["body", "email"])


def test_body_over_the_size_limit_gets_413_without_an_echo(http):
    response = http.post(
        "/leads", content=b'{"company": "' + b"x" * (4 * MAX_BODY) + b'"}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert len(response.content) < 200


def test_utf8_actor_header_is_stored_as_written(http):
    lead = http.post("/leads", json={"domain": "joerg.com"}, headers={"X-Actor": "Jörg".encode()}).json()
    (entry,) = http.get(f"/leads/{lead['id']}/audit").json()
    assert entry["actor"] == "Jörg"


def test_actor_header_with_an_invisible_character_gets_422_naming_the_header(http):
    response = http.post("/leads", json={"domain": "zw-actor.com"}, headers={"X-Actor": "A\u200bB".encode()})
    assert (response.status_code, response.json()["detail"][0]["loc"]) == (422, ["header", "X-Actor"])


@pytest.mark.parametrize(
    "method, path, allow",
    [
        ("PATCH", "/leads/quick-add", "POST"),
        ("OPTIONS", "/leads", "GET, POST"),
        ("PUT", "/leads/x", "DELETE, GET, PATCH"),
    ],
)
def test_undeclared_method_gets_405_listing_the_paths_methods(http, method, path, allow):
    response = http.request(method, path)
    assert (response.status_code, response.headers["allow"]) == (405, allow)


def _connect(server):
    connection = socket.create_connection(("127.0.0.1", server.port), timeout=SOCKET_BOUND)
    return connection


def _read_all(connection):
    chunks = []
    while chunk := connection.recv(65_536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_a_body_that_stalls_gets_408_and_the_connection_is_closed(server):
    with _connect(server) as connection:
        connection.sendall(
            b'POST /leads HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"do'
        )
        answer = _read_all(connection)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1]) == {
        "detail": "the request body stalled for more than 0.5 seconds"
    }


def test_headers_that_stall_are_cut_off_while_other_clients_are_served(server, http):
    with _connect(server) as connection:
        connection.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\n")
        assert http.get("/health").status_code == 200
        assert _read_all(connection) == b""  # closed by the server after --read-timeout
