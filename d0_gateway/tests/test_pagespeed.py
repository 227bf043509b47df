from dataclasses import replace

import pytest

from d0_gateway import (
    InvalidInput,
    InvalidRequest,
    ProviderResponseError,
    ProviderUnavailable,
    QuotaExhausted,
    RateLimited,
    build_gateway,
)
from d0_gateway.providers.google_api_errors import google_api_error_kind
from d0_gateway.responses import ErrorKind


async def test_run_returns_category_scores_and_audits(gateway, pagespeed_mock):
    route = pagespeed_mock.run("https://acme.example/", performance=0.42, seo=None)
    result = await gateway.pagespeed.run("https://acme.example/", strategy="desktop")
    assert result.scores["performance"] == 42 and result.scores["seo"] is None
    assert result.lighthouse_result.audits["first-contentful-paint"].numeric_value > 0
    params = route.calls.last.request.url.params
    assert params.get_list("category") == ["PERFORMANCE", "ACCESSIBILITY", "BEST_PRACTICES", "SEO"]
    assert (params["url"], params["strategy"], params["key"]) == ("https://acme.example/", "desktop", "test-key")


async def test_runs_are_free(gateway, pagespeed_mock):
    pagespeed_mock.run()
    await gateway.pagespeed.run("https://acme.example/", campaign_id="c-1")
    assert gateway.ledger.total(campaign_id="c-1") == 0


async def test_lighthouse_failure_is_an_invalid_request_with_googles_message(gateway, pagespeed_mock):
    pagespeed_mock.error("GET", pagespeed_mock.RUN, 400)
    with pytest.raises(InvalidRequest, match="FAILED_DOCUMENT_REQUEST"):
        await gateway.pagespeed.run("https://down.example/")


async def test_quota_exhaustion_is_rate_limited(gateway, pagespeed_mock):
    pagespeed_mock.rate_limited("GET", pagespeed_mock.RUN, retry_after=0.5)
    with pytest.raises(RateLimited):
        await gateway.pagespeed.run("https://acme.example/")


async def test_outage_is_provider_unavailable(gateway, pagespeed_mock):
    pagespeed_mock.unavailable("GET", pagespeed_mock.RUN, status=500)
    with pytest.raises(ProviderUnavailable):
        await gateway.pagespeed.run("https://acme.example/")


async def test_score_out_of_range_names_the_field(gateway, pagespeed_mock):
    body = pagespeed_mock.result_body(performance=1.7)
    pagespeed_mock.respond("GET", pagespeed_mock.RUN, body)
    with pytest.raises(
        ProviderResponseError, match="pagespeed run .*field 'lighthouseResult.categories.performance.score'"
    ):
        await gateway.pagespeed.run("https://acme.example/")


@pytest.mark.parametrize(
    "url, strategy, problem",
    [("acme.example", "mobile", "absolute http"), ("https://acme.example", "tablet", "strategy")],
)
async def test_bad_arguments_are_rejected_before_any_request(gateway, url, strategy, problem):
    with pytest.raises(InvalidInput, match=problem):
        await gateway.pagespeed.run(url, strategy=strategy)


async def test_error_carries_exactly_googles_error_message(gateway, pagespeed_mock):
    pagespeed_mock.error("GET", pagespeed_mock.RUN, 400)
    with pytest.raises(InvalidRequest) as caught:
        await gateway.pagespeed.run("https://acme.example/")
    assert caught.value.reason == "Lighthouse returned error: FAILED_DOCUMENT_REQUEST."


@pytest.mark.parametrize(
    "url, kwargs, message",
    [
        ("acme.example", {}, "pagespeed run: url must be an absolute http(s) URL, got 'acme.example'"),
        (
            "https://acme.example/",
            {"strategy": "tablet"},
            "pagespeed run: strategy must be 'mobile' or 'desktop', got 'tablet'",
        ),
        (" ", {}, "pagespeed run: url must be non-empty text, got ' '"),
    ],
)
async def test_bad_arguments_are_refused_with_the_whole_reason(gateway, url, kwargs, message):
    with pytest.raises(InvalidInput) as caught:
        await gateway.pagespeed.run(url, **kwargs)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    "reason, error",
    [
        ("dailyLimitExceeded", QuotaExhausted),
        ("quotaExceeded", QuotaExhausted),
        ("dailyLimitExceededUnreg", QuotaExhausted),
        ("rateLimitExceeded", RateLimited),
        ("userRateLimitExceeded", RateLimited),
    ],
)
async def test_a_legacy_google_error_reason_decides_quota_or_rate_limit(gateway, pagespeed_mock, reason, error):
    body = {"error": {"code": 403, "message": "Limit reached", "errors": [{"domain": "usageLimits", "reason": reason}]}}
    pagespeed_mock.error("GET", pagespeed_mock.RUN, 403, body)
    with pytest.raises(error):
        await gateway.pagespeed.run("https://acme.example/")


def test_a_google_error_without_a_known_reason_or_status_leaves_the_status_to_decide():
    assert google_api_error_kind({"error": {"code": 403, "errors": None, "message": "Forbidden"}}) is None
    assert google_api_error_kind({"error": {"code": 403, "errors": ["text"], "status": "PERMISSION_DENIED"}}) is None


def test_a_per_minute_resource_exhausted_is_a_passing_rate_limit():
    body = {
        "error": {"code": 429, "message": "Quota exceeded for 'Queries per minute'", "status": "RESOURCE_EXHAUSTED"}
    }
    assert google_api_error_kind(body) is ErrorKind.RATE_LIMITED


def test_a_per_day_resource_exhausted_is_an_exhausted_quota_whatever_the_case():
    body = {"error": {"code": 429, "message": "Quota exceeded for 'Queries Per Day'", "status": "RESOURCE_EXHAUSTED"}}
    assert google_api_error_kind(body) is ErrorKind.QUOTA_EXHAUSTED


async def test_run_asks_for_mobile_and_every_category_by_default(gateway, pagespeed_mock):
    route = pagespeed_mock.run("https://acme.example/")
    await gateway.pagespeed.run(" https://acme.example/ ")
    params = route.calls.last.request.url.params
    assert (params["url"], params["strategy"]) == ("https://acme.example/", "mobile")
    assert params.get_list("category") == ["PERFORMANCE", "ACCESSIBILITY", "BEST_PRACTICES", "SEO"]


async def test_run_without_an_api_key_sends_no_key(settings, transport, fake_clock, pagespeed_mock):
    keyless = replace(settings.provider("pagespeed"), credentials={})
    route = pagespeed_mock.run("https://acme.example/")
    async with build_gateway(
        replace(settings, providers={**settings.providers, "pagespeed": keyless}), transport=transport, clock=fake_clock
    ) as gateway:
        await gateway.pagespeed.run("http://acme.example/")
    assert "key" not in route.calls.last.request.url.params


async def test_scores_are_rounded_to_whole_percent(gateway, pagespeed_mock):
    pagespeed_mock.run("https://acme.example/", performance=0.875, seo=0.004)
    result = await gateway.pagespeed.run("https://acme.example/")
    assert (result.scores["performance"], result.scores["seo"]) == (88, 0)
