import hashlib
import hmac
from dataclasses import replace
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from d0_gateway import (
    AuthenticationError,
    InvalidInput,
    InvalidRequest,
    ProviderResponseError,
    ProviderUnavailable,
    QuotaExhausted,
    RateLimited,
    build_gateway,
)
from d0_gateway.providers.screenshotone import ScreenshotOneClient, signed_query
from testing.mocks import png_bytes


def options(gateway, **overrides):
    return gateway.screenshotone.options(url="https://acme-plumbing.example/", **overrides)


def test_signed_url_carries_an_hmac_of_its_query_keyed_with_the_secret(gateway):
    url = gateway.screenshotone.signed_url(options(gateway, full_page=True))
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://api.screenshotone.com/take"
    unsigned, _, signature = parts.query.rpartition("&signature=")
    assert signature == hmac.new(b"test-key", unsigned.encode(), hashlib.sha256).hexdigest()
    params = dict(parse_qsl(unsigned))
    assert (params["access_key"], params["url"], params["full_page"], params["format"]) == (
        "test-key",
        "https://acme-plumbing.example/",
        "true",
        "png",
    )


async def test_capture_returns_the_image_bytes_and_is_billed(gateway, screenshotone_mock):
    image = png_bytes(3, 2)
    route = screenshotone_mock.capture(content=image)
    shot = await gateway.screenshotone.capture(options(gateway), campaign_id="c-1")
    assert shot.content == image and shot.content_type == "image/png"
    assert "signature" in route.calls.last.request.url.params
    assert gateway.ledger.total(campaign_id="c-1") == gateway.settings.provider("screenshotone").cost("capture")


async def test_a_body_that_is_not_the_requested_image_names_the_content_type(gateway, screenshotone_mock):
    screenshotone_mock.capture(content_type="text/html")
    with pytest.raises(
        ProviderResponseError, match="screenshotone capture .*field 'Content-Type'.*expected image/jpeg"
    ):
        await gateway.screenshotone.capture(options(gateway, format="jpeg"))


async def test_an_empty_image_is_a_response_error(gateway, screenshotone_mock):
    screenshotone_mock.capture(content=b"")
    with pytest.raises(ProviderResponseError, match="image is empty"):
        await gateway.screenshotone.capture(options(gateway))


@pytest.mark.parametrize(
    "status, error, code",
    [
        (400, InvalidRequest, "request_not_valid"),
        (401, AuthenticationError, "access_key_invalid"),
        (403, AuthenticationError, "signature_is_not_valid"),
    ],
)
async def test_errors_carry_screenshotones_code(gateway, screenshotone_mock, status, error, code):
    screenshotone_mock.error("GET", screenshotone_mock.TAKE, status)
    with pytest.raises(error, match=code):
        await gateway.screenshotone.capture(options(gateway))


@pytest.mark.parametrize("register", ["unavailable", "timeout"])
async def test_capture_is_retried_then_provider_unavailable_when_screenshotone_fails(
    gateway, screenshotone_mock, register
):
    route = getattr(screenshotone_mock, register)("GET", screenshotone_mock.TAKE)
    with pytest.raises(ProviderUnavailable):
        await gateway.screenshotone.capture(options(gateway))
    assert route.call_count == 3


async def test_concurrency_limit_is_rate_limited(gateway, screenshotone_mock):
    screenshotone_mock.rate_limited("GET", screenshotone_mock.TAKE, retry_after=1)
    with pytest.raises(RateLimited):
        await gateway.screenshotone.capture(options(gateway))


@pytest.mark.parametrize(
    "overrides, field",
    [({"url": "ftp://x"}, "url"), ({"viewport_width": 10}, "viewport_width"), ({"format": "gif"}, "format")],
)
def test_invalid_options_are_rejected_naming_the_option(gateway, overrides, field):
    with pytest.raises(InvalidInput, match=f"screenshotone options: {field}"):
        gateway.screenshotone.options(**{"url": "https://acme.example/", **overrides})


async def test_monthly_screenshot_limit_is_quota_exhausted_although_screenshotone_answers_400(
    gateway, screenshotone_mock
):
    route = screenshotone_mock.error_code("screenshots_limit_reached")
    with pytest.raises(QuotaExhausted, match=r"monthly screenshot limit.*\(screenshots_limit_reached\)"):
        await gateway.screenshotone.capture(gateway.screenshotone.options(url="https://example.com/"))
    assert route.call_count == 1


async def test_signed_url_has_a_single_slash_before_take_when_the_base_url_ends_with_one(settings, fake_clock):
    slashed = replace(settings.provider("screenshotone"), base_url="https://api.screenshotone.com/")
    configured = replace(settings, providers={**settings.providers, "screenshotone": slashed})
    async with build_gateway(configured, clock=fake_clock) as gateway:
        url = gateway.screenshotone.signed_url(options(gateway))
    assert url.startswith("https://api.screenshotone.com/take?access_key=test-key&")


async def test_a_content_type_with_parameters_is_read_by_its_media_type(gateway, screenshotone_mock):
    screenshotone_mock.capture(content_type="image/png; charset=binary", content=png_bytes(1, 1))
    shot = await gateway.screenshotone.capture(options(gateway))
    assert shot.content_type == "image/png"


async def test_a_response_without_a_content_type_is_reported_as_none(gateway, screenshotone_mock):
    screenshotone_mock.route("GET", screenshotone_mock.TAKE).mock(return_value=httpx.Response(200, content=b"\x89PNG"))
    with pytest.raises(ProviderResponseError) as caught:
        await gateway.screenshotone.capture(options(gateway))
    assert caught.value.field == "Content-Type"
    assert caught.value.problem == "expected image/png, got 'none'"


async def test_an_empty_image_names_the_body_capture_and_status(gateway, screenshotone_mock):
    screenshotone_mock.capture(content=b"")
    with pytest.raises(ProviderResponseError) as caught:
        await gateway.screenshotone.capture(options(gateway))
    assert str(caught.value) == "screenshotone capture (HTTP 200): field 'body': image is empty"
    assert (caught.value.field, caught.value.status) == ("body", 200)


def test_options_default_to_a_1280_by_800_png_without_ads_or_cookie_banners():
    query = dict(ScreenshotOneClient.options(url="https://acme.example/").query())
    assert query == {
        "url": "https://acme.example/",
        "format": "png",
        "viewport_width": "1280",
        "viewport_height": "800",
        "full_page": "false",
        "block_ads": "true",
        "block_cookie_banners": "true",
    }


def test_an_unsigned_query_starts_with_the_access_key_and_has_no_signature():
    options = ScreenshotOneClient.options(url="https://acme.example/")
    query = signed_query(options, "ak", None)
    assert query.startswith("access_key=ak&url=https%3A%2F%2Facme.example%2F&format=png")
    assert "signature=" not in query


def test_a_signed_query_ends_with_the_hmac_of_everything_before_it():
    options = ScreenshotOneClient.options(url="https://acme.example/")
    unsigned = signed_query(options, "ak", None)
    assert signed_query(options, "ak", "sk") == (
        unsigned + "&signature=" + hmac.new(b"sk", unsigned.encode(), hashlib.sha256).hexdigest()
    )


async def test_capture_sends_the_signed_query_to_take(gateway, screenshotone_mock):
    route = screenshotone_mock.capture()
    await gateway.screenshotone.capture(options(gateway))
    request = route.calls.last.request
    assert request.url.path == "/take"
    unsigned, _, signature = request.url.query.decode().rpartition("&signature=")
    assert signature == hmac.new(b"test-key", unsigned.encode(), hashlib.sha256).hexdigest()
