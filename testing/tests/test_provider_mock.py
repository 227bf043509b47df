import httpx
import pytest
import respx

from testing import ProviderMock


class ExampleMock(ProviderMock):
    name = "example"
    base_url = "https://api.example.invalid/v1/"


@pytest.fixture
def router():
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as mocked:
        yield mocked


@pytest.fixture
def example(router):
    return ExampleMock(router, seed="provider-mock-tests")


def test_respond_serves_json_on_the_provider_url(example):
    example.respond("GET", "/items", {"items": [1, 2]})
    response = httpx.get("https://api.example.invalid/v1/items")
    assert response.status_code == 200
    assert response.json() == {"items": [1, 2]}


def test_rate_limited_sends_429_with_retry_after(example):
    example.rate_limited("POST", "send", retry_after=2.5)
    response = httpx.post("https://api.example.invalid/v1/send")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "2.5"


@pytest.mark.parametrize("register, status", [("unauthorized", 401), ("not_found", 404), ("unavailable", 503)])
def test_error_helpers_send_their_status_with_an_error_body(example, register, status):
    getattr(example, register)("GET", "thing")
    response = httpx.get("https://api.example.invalid/v1/thing")
    assert response.status_code == status
    assert response.json()["error"]["code"] == status


def test_error_rejects_a_success_status(example):
    with pytest.raises(ValueError, match="4xx/5xx"):
        example.error("GET", "thing", 200)


@pytest.mark.parametrize(
    "register, exception", [("timeout", httpx.ReadTimeout), ("connection_error", httpx.ConnectError)]
)
def test_transport_failures_raise_httpx_errors(example, register, exception):
    getattr(example, register)("GET", "slow")
    with pytest.raises(exception):
        httpx.get("https://api.example.invalid/v1/slow")


def test_malformed_sends_a_non_json_body(example):
    example.malformed("GET", "broken")
    response = httpx.get("https://api.example.invalid/v1/broken")
    with pytest.raises(ValueError):
        response.json()


def test_sequence_answers_successive_calls_in_order(example):
    example.sequence("GET", "flaky", httpx.Response(503), httpx.Response(200, json={"ok": True}))
    assert httpx.get("https://api.example.invalid/v1/flaky").status_code == 503
    assert httpx.get("https://api.example.invalid/v1/flaky").json() == {"ok": True}


def test_same_seed_gives_same_fake_data(router):
    first = ExampleMock(router, seed="same").fake.company()
    assert ExampleMock(router, seed="same").fake.company() == first
