from datetime import UTC, datetime

import httpx
import pytest
from pydantic import BaseModel

from d0_gateway import (
    AuthenticationError,
    InvalidRequest,
    NotFound,
    ProviderResponseError,
    ProviderUnavailable,
    QuotaExhausted,
    RateLimited,
)
from d0_gateway.responses import ErrorKind, build_error, error_for_status, json_body, parse_retry_after, validate_model

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


class Item(BaseModel):
    name: str


@pytest.mark.parametrize("length, shown", [(57, 60), (58, 60)])
def test_schema_error_shortens_a_wrong_value_to_sixty_characters_when_longer(length, shown):
    value = "y" * length
    with pytest.raises(ProviderResponseError) as caught:
        validate_model(Item, {"name": [value]}, "hunter", "email_finder")
    got = caught.value.problem.split("(got ", 1)[1][:-1]
    assert len(got) == shown and got.endswith("...") and got.startswith("['yyy")


def test_schema_error_keeps_a_short_wrong_value_whole_when_it_fits():
    value = "z" * 56  # repr of the list is 60 characters
    with pytest.raises(ProviderResponseError) as caught:
        validate_model(Item, {"name": [value]}, "hunter", "email_finder")
    assert caught.value.problem == f"Input should be a valid string (got {[value]!r})"


def test_schema_error_names_the_field_and_status_when_the_model_rejects_the_body():
    with pytest.raises(ProviderResponseError) as caught:
        validate_model(Item, {}, "hunter", "email_finder", status=200)
    assert (caught.value.field, caught.value.status) == ("name", 200)
    assert str(caught.value) == "hunter email_finder (HTTP 200): field 'name': Field required (got {})"


def test_non_json_body_error_shows_at_most_sixty_bytes_and_the_status():
    with pytest.raises(ProviderResponseError) as caught:
        json_body(httpx.Response(502, text="a" * 100), "semrush", "domain_overview")
    assert caught.value.status == 502
    assert caught.value.problem.endswith(": " + repr("a" * 60))


@pytest.mark.parametrize(
    "status, error",
    [
        (402, InvalidRequest),
        (405, InvalidRequest),
        (428, InvalidRequest),
        (499, InvalidRequest),
        (599, ProviderUnavailable),
    ],
)
def test_status_boundaries_map_to_their_typed_error(status, error):
    assert type(error_for_status(httpx.Response(status), "hunter", "email_finder", NOW)) is error


@pytest.mark.parametrize("status", [200, 201, 299])
def test_every_2xx_maps_to_no_error(status):
    assert error_for_status(httpx.Response(status), "hunter", "email_finder", NOW) is None


def test_a_status_just_outside_2xx_is_an_error():
    assert error_for_status(httpx.Response(300), "hunter", "email_finder", NOW) is not None


def test_retry_after_of_zero_seconds_means_retry_at_once():
    assert parse_retry_after("0", NOW) == 0.0


def test_retry_after_surrounded_by_spaces_is_read():
    assert parse_retry_after("  7 ", NOW) == 7.0


def test_rate_limited_response_keeps_the_retry_after_hint_and_the_providers_message():
    response = httpx.Response(429, headers={"Retry-After": "4"}, text="slow down")
    error = error_for_status(response, "hunter", "email_finder", NOW)
    assert isinstance(error, RateLimited)
    assert (error.retry_after, error.status, error.provider_message) == (4.0, 429, "slow down")
    assert str(error) == "hunter email_finder (HTTP 429): provider rate limit reached; retry after 4.000s: slow down"


def test_describer_message_wins_over_the_raw_body_when_it_reads_one():
    response = httpx.Response(400, json={"errors": [{"details": "domain is missing"}]})
    error = error_for_status(response, "hunter", "email_finder", NOW, lambda r: r.json()["errors"][0]["details"])
    assert error is not None and error.reason == "domain is missing"


def test_describer_returning_nothing_falls_back_to_the_raw_body():
    error = error_for_status(httpx.Response(400, text="raw words"), "hunter", "email_finder", NOW, lambda r: "")
    assert error is not None and error.reason == "raw words"


def test_raw_body_message_is_cut_at_two_hundred_bytes_and_stripped():
    error = error_for_status(httpx.Response(400, text=" " + "b" * 300), "hunter", "email_finder", NOW)
    assert error is not None and error.reason == "b" * 199


def test_classifier_verdict_wins_over_the_status_when_it_gives_one():
    error = error_for_status(httpx.Response(429), "openai", "chat", NOW, classify=lambda r: ErrorKind.QUOTA_EXHAUSTED)
    assert type(error) is QuotaExhausted


@pytest.mark.parametrize("failure", [ValueError, KeyError, TypeError, AttributeError, IndexError])
def test_a_classifier_that_cannot_read_the_body_leaves_the_status_to_decide(failure):
    def classify(response):
        raise failure("unreadable")

    assert type(error_for_status(httpx.Response(503), "openai", "chat", NOW, classify=classify)) is ProviderUnavailable


@pytest.mark.parametrize("failure", [ValueError, KeyError, TypeError, AttributeError, IndexError])
def test_a_describer_that_cannot_read_the_body_leaves_the_raw_body(failure):
    def describe(response):
        raise failure("unreadable")

    error = error_for_status(httpx.Response(400, text="raw"), "openai", "chat", NOW, describe)
    assert error is not None and error.reason == "raw"


@pytest.mark.parametrize(
    "kind, error",
    [
        (ErrorKind.AUTHENTICATION, AuthenticationError),
        (ErrorKind.NOT_FOUND, NotFound),
        (ErrorKind.INVALID_REQUEST, InvalidRequest),
        (ErrorKind.QUOTA_EXHAUSTED, QuotaExhausted),
    ],
)
def test_build_error_gives_each_kind_its_error_with_message_and_status(kind, error):
    built = build_error(kind, "semrush", "domain_overview", "said so", status=400)
    assert type(built) is error
    assert (built.provider, built.endpoint, built.reason, built.status) == (
        "semrush",
        "domain_overview",
        "said so",
        400,
    )


def test_build_error_keeps_the_retry_after_of_an_unavailable_provider():
    built = build_error(ErrorKind.UNAVAILABLE, "semrush", "domain_overview", "down", status=503, retry_after=3.0)
    assert isinstance(built, ProviderUnavailable) and (built.retry_after, built.status, built.reason) == (
        3.0,
        503,
        "down",
    )


def test_a_provider_rate_limit_without_a_hint_or_message_says_only_that():
    error = RateLimited("hunter", "email_finder", None, status=429, message="")
    assert str(error) == "hunter email_finder (HTTP 429): provider rate limit reached"
    assert (error.status, error.local, error.retry_after, error.provider_message) == (429, False, None, "")


def test_a_local_rate_limit_without_a_hint_names_our_own_limiter():
    assert (
        str(RateLimited("hunter", "email_finder", None, local=True))
        == "hunter email_finder: local rate limiter reached"
    )
