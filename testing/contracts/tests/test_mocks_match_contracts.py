"""Every body a mock factory in testing/mocks produces, and every payload a Hypothesis strategy in
testing/mocks/strategies.py draws, validates against the provider's shipped contract: a mock can no longer
drift from what the provider publishes (the failure names the provider, the schema and the field)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import respx
from hypothesis import given, settings
from hypothesis import strategies as st

from testing.contracts import contract
from testing.mocks import (
    DataAxleMock,
    GooglePlacesMock,
    HunterMock,
    OpenAIMock,
    PageSpeedMock,
    ScreenshotOneMock,
    SemrushMock,
    SendGridMock,
    StripeMock,
    strategies,
)
from testing.mocks.google_places import ERROR_STATUSES

ERROR_STATUSES_HTTP = (400, 401, 403, 404, 429, 500, 503)
Producer = Callable[[respx.MockRouter], Any]


def _errors(mock: type, statuses: tuple[int, ...] = ERROR_STATUSES_HTTP) -> list[tuple[str, Producer]]:
    def body(status: int) -> Producer:
        return lambda router: mock(router, seed=status).error_body(status)

    return [(f"error_body({status})", body(status)) for status in statuses]


# (provider, schema definition, what the mock produced, producer)
MOCK_OUTPUTS: list[tuple[str, str, str, Producer]] = [
    (
        "google_places",
        "PlacesFindPlaceFromTextResponse",
        "find_place_body(3)",
        lambda r: GooglePlacesMock(r).find_place_body(3),
    ),
    (
        "google_places",
        "PlacesFindPlaceFromTextResponse",
        "find_place_body(0)",
        lambda r: GooglePlacesMock(r).find_place_body(0),
    ),
    ("google_places", "PlacesDetailsResponse", "details_body()", lambda r: GooglePlacesMock(r).details_body()),
    *[
        (
            "google_places",
            "PlacesFindPlaceFromTextResponse",
            f"status_body({s!r})",
            lambda r, s=s: GooglePlacesMock(r).status_body(s),
        )
        for s in ERROR_STATUSES
        if s != "NOT_FOUND"  # a Place Details status only
    ],
    *[
        (
            "google_places",
            "PlacesDetailsResponse",
            f"status_body({s!r}, details=True)",
            lambda r, s=s: GooglePlacesMock(r).status_body(s, details=True),
        )
        for s in ERROR_STATUSES
    ],
    ("pagespeed", "PagespeedApiPagespeedResponseV5", "result_body()", lambda r: PageSpeedMock(r).result_body()),
    *[("pagespeed", "GoogleApiError", name, p) for name, p in _errors(PageSpeedMock)],
    ("openai", "CreateChatCompletionResponse", "completion_body()", lambda r: OpenAIMock(r).completion_body()),
    *[("openai", "ErrorResponse", name, p) for name, p in _errors(OpenAIMock)],
    ("openai", "ErrorResponse", "insufficient_quota_body()", lambda r: OpenAIMock(r).insufficient_quota_body()),
    *[("sendgrid", "ErrorResponse", name, p) for name, p in _errors(SendGridMock)],
    ("stripe", "checkout.session", "checkout_session_body()", lambda r: StripeMock(r).checkout_session_body()),
    ("stripe", "event", "event_payload()", lambda r: json.loads(StripeMock(r).event_payload())),
    *[("stripe", "error", name, p) for name, p in _errors(StripeMock)],
    ("hunter", "EmailFinderResponse", "email_finder_body()", lambda r: HunterMock(r).email_finder_body()),
    (
        "hunter",
        "EmailFinderResponse",
        "email_finder_body(found=False)",
        lambda r: HunterMock(r).email_finder_body(found=False),
    ),
    ("hunter", "DomainSearchResponse", "domain_search_body()", lambda r: HunterMock(r).domain_search_body()),
    *[("hunter", "ErrorResponse", name, p) for name, p in _errors(HunterMock)],
    ("data_axle", "MatchResponse", "match_body()", lambda r: DataAxleMock(r).match_body()),
    ("data_axle", "MatchResponse", "match_body(matched=False)", lambda r: DataAxleMock(r).match_body(matched=False)),
    ("semrush", "DomainRanksRow", "overview_values()", lambda r: SemrushMock(r).overview_values()),
    *[("screenshotone", "ErrorResponse", name, p) for name, p in _errors(ScreenshotOneMock)],
]


@pytest.mark.parametrize(
    "provider, definition, produced, producer",
    MOCK_OUTPUTS,
    ids=[f"{provider}:{produced}" for provider, _, produced, _ in MOCK_OUTPUTS],
)
def test_mock_factory_output_conforms_to_the_providers_contract(provider, definition, produced, producer):
    contract(provider).check(definition, producer(respx.MockRouter()))


def test_every_mock_factory_is_checked_against_its_contract():
    checked = {provider for provider, *_ in MOCK_OUTPUTS}
    assert checked == {
        "google_places",
        "pagespeed",
        "openai",
        "sendgrid",
        "stripe",
        "hunter",
        "data_axle",
        "semrush",
        "screenshotone",
    }


# (provider, schema definition, strategy): the Hypothesis strategies draw only what the contract allows.
STRATEGIES: list[tuple[str, str, st.SearchStrategy[Any]]] = [
    ("google_places", "Place", strategies.place_candidates()),
    ("google_places", "PlacesFindPlaceFromTextResponse", strategies.find_place_bodies()),
    ("openai", "CreateChatCompletionResponse", strategies.chat_completion_bodies()),
    ("stripe", "checkout.session", strategies.checkout_session_bodies()),
    ("stripe", "event", strategies.webhook_events().map(json.loads)),
    ("hunter", "EmailFinderResponse", strategies.hunter_email_finder_bodies()),
    ("data_axle", "MatchResponse", strategies.data_axle_match_bodies()),
    ("semrush", "DomainRanksRow", strategies.semrush_overview_values()),
]


@pytest.mark.parametrize("provider, definition, strategy", STRATEGIES, ids=[f"{p}:{d}" for p, d, _ in STRATEGIES])
@settings(max_examples=40)
@given(data=st.data())
def test_strategy_draws_only_payloads_the_contract_allows(provider, definition, strategy, data):
    contract(provider).check(definition, data.draw(strategy))
