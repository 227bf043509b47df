from datetime import UTC, datetime

import httpx
import pytest

from d0_gateway import (
    AuthenticationError,
    InvalidRequest,
    NotFound,
    ProviderResponseError,
    ProviderUnavailable,
    RateLimited,
)
from d0_gateway.responses import error_for_status, json_body, parse_retry_after

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "header, seconds",
    [
        ("120", 120.0),
        ("0.5", 0.5),
        ("Mon, 05 Jan 2026 09:00:30 GMT", 30.0),
        ("Mon, 05 Jan 2026 08:59:00 GMT", 0.0),
        (None, None),
        ("soon", None),
        ("-3", None),
    ],
)
def test_retry_after_accepts_delta_seconds_and_http_dates(header, seconds):
    assert parse_retry_after(header, NOW) == seconds


def test_retry_after_date_without_zone_is_read_as_utc():
    assert parse_retry_after("Mon, 05 Jan 2026 09:01:00 -0000", NOW) == 60.0


@pytest.mark.parametrize(
    "status, error",
    [
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, NotFound),
        (400, InvalidRequest),
        (422, InvalidRequest),
        (429, RateLimited),
        (500, ProviderUnavailable),
        (503, ProviderUnavailable),
    ],
)
def test_status_maps_to_its_typed_error(status, error):
    assert isinstance(error_for_status(httpx.Response(status), "hunter", "email_finder", NOW), error)


def test_success_status_maps_to_no_error():
    assert error_for_status(httpx.Response(204), "hunter", "email_finder", NOW) is None


def test_unavailable_keeps_the_providers_retry_after_hint():
    error = error_for_status(httpx.Response(503, headers={"Retry-After": "9"}), "hunter", "email_finder", NOW)
    assert isinstance(error, ProviderUnavailable) and error.retry_after == 9.0 and error.status == 503


def test_message_falls_back_to_the_raw_body_when_the_describer_cannot_read_it():
    response = httpx.Response(500, text="upstream exploded")
    error = error_for_status(response, "hunter", "email_finder", NOW, lambda r: r.json()["errors"][0]["details"])
    assert str(error) == "hunter email_finder (HTTP 500): upstream exploded"


def test_message_falls_back_to_the_reason_phrase_for_an_empty_body():
    assert "Bad Gateway" in str(error_for_status(httpx.Response(502), "hunter", "email_finder", NOW))


def test_non_json_body_names_the_body_field_and_shows_its_start():
    with pytest.raises(ProviderResponseError) as caught:
        json_body(httpx.Response(200, text="<html>oops</html>"), "semrush", "domain_overview")
    assert caught.value.field == "body" and "<html>oops" in str(caught.value)
