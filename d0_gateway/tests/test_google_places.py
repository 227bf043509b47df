import pytest
from hypothesis import given, settings

from d0_gateway import (
    AuthenticationError,
    FindPlaceResponse,
    InvalidInput,
    InvalidRequest,
    NotFound,
    ProviderResponseError,
    ProviderUnavailable,
    QuotaExhausted,
    RateLimited,
)
from d0_gateway.providers.google_places import DETAILS_FIELDS, FIND_PLACE_FIELDS, raise_for_places_status
from testing.mocks import GooglePlacesMock
from testing.mocks.strategies import find_place_bodies


async def test_find_place_parses_candidates_and_sends_query_fields_and_key(gateway, places):
    route = places.find_place(count=2)
    found = await gateway.google_places.find_place("Acme Plumbing Austin", location_bias="circle:2000@30.26,-97.74")
    sent = route.calls.last.request.url.params
    assert (sent["input"], sent["inputtype"], sent["key"]) == ("Acme Plumbing Austin", "textquery", "test-key")
    assert "place_id" in sent["fields"].split(",") and sent["locationbias"] == "circle:2000@30.26,-97.74"
    assert len(found.candidates) == 2


async def test_find_place_keeps_the_candidate_fields_google_sent(gateway, places):
    body = places.find_place_body(count=1)
    places.respond("GET", places.FIND_PLACE, body)
    [candidate] = (await gateway.google_places.find_place("Blue Door Bakery")).candidates
    sent = body["candidates"][0]
    assert (candidate.place_id, candidate.name, candidate.rating) == (sent["place_id"], sent["name"], sent["rating"])
    assert candidate.geometry.location.lat == sent["geometry"]["location"]["lat"]


async def test_zero_results_is_an_empty_answer_not_an_error(gateway, places):
    places.find_place(count=0)
    found = await gateway.google_places.find_place("Nothing Here")
    assert found.candidates == [] and found.status == "ZERO_RESULTS"


async def test_place_details_returns_contact_fields(gateway, places):
    route = places.place_details(website="https://acme.example.com/")
    details = await gateway.google_places.place_details("ChIJabc")
    assert details.website == "https://acme.example.com/"
    assert details.formatted_phone_number and details.address_components
    assert route.calls.last.request.url.params["place_id"] == "ChIJabc"


@pytest.mark.parametrize("register", ["unavailable", "timeout"])
async def test_place_details_is_retried_then_provider_unavailable_when_google_fails(gateway, places, register):
    route = getattr(places, register)("GET", places.DETAILS)
    with pytest.raises(ProviderUnavailable):
        await gateway.google_places.place_details("ChIJabc")
    assert route.call_count == 3


async def test_calls_are_billed_per_request_in_the_ledger(gateway, places):
    places.find_place()
    await gateway.google_places.find_place("Acme", campaign_id="c-1")
    assert gateway.ledger.total(provider="google_places", campaign_id="c-1") == gateway.settings.provider(
        "google_places"
    ).cost("find_place")


@pytest.mark.parametrize(
    "status, error",
    [
        ("REQUEST_DENIED", AuthenticationError),
        ("NOT_FOUND", NotFound),
        ("INVALID_REQUEST", InvalidRequest),
    ],
)
async def test_error_statuses_in_a_200_map_to_typed_errors(gateway, places, status, error):
    places.status_error(places.DETAILS, status)
    with pytest.raises(error, match="google_places place_details"):
        await gateway.google_places.place_details("ChIJabc")


async def test_over_query_limit_is_rate_limited_and_retried(gateway, places):
    route = places.status_error(places.FIND_PLACE, "OVER_QUERY_LIMIT")
    with pytest.raises(RateLimited):
        await gateway.google_places.find_place("Acme")
    assert route.call_count == gateway.settings.provider("google_places").retry.max_attempts


async def test_unknown_error_is_provider_unavailable(gateway, places):
    places.status_error(places.FIND_PLACE, "UNKNOWN_ERROR")
    with pytest.raises(ProviderUnavailable):
        await gateway.google_places.find_place("Acme")


@pytest.mark.parametrize(
    "register, error",
    [
        ("unauthorized", AuthenticationError),
        ("not_found", NotFound),
        ("unavailable", ProviderUnavailable),
        ("timeout", ProviderUnavailable),
    ],
)
async def test_http_errors_map_to_typed_errors(gateway, places, register, error):
    getattr(places, register)("GET", places.FIND_PLACE)
    with pytest.raises(error):
        await gateway.google_places.find_place("Acme")


async def test_http_error_message_is_googles_error_message(gateway, places):
    places.unauthorized("GET", places.FIND_PLACE)
    with pytest.raises(AuthenticationError, match="HTTP 401 from Google"):
        await gateway.google_places.find_place("Acme")


async def test_rate_limited_response_carries_retry_after(gateway, places):
    places.rate_limited("GET", places.FIND_PLACE, retry_after=2)
    with pytest.raises(RateLimited) as caught:
        await gateway.google_places.find_place("Acme")
    assert caught.value.retry_after == 2


async def test_schema_violation_names_provider_endpoint_and_field(gateway, places):
    body = places.find_place_body(count=1)
    body["candidates"][0]["rating"] = 7.5
    places.respond("GET", places.FIND_PLACE, body)
    with pytest.raises(ProviderResponseError) as caught:
        await gateway.google_places.find_place("Acme")
    assert caught.value.field == "candidates.0.rating"
    assert str(caught.value).startswith("google_places find_place (HTTP 200): field 'candidates.0.rating'")


async def test_unknown_status_names_the_status_field(gateway, places):
    body = places.find_place_body()
    body["status"] = "MAINTENANCE"
    places.respond("GET", places.FIND_PLACE, body)
    with pytest.raises(ProviderResponseError, match="field 'status'"):
        await gateway.google_places.find_place("Acme")


def test_non_object_body_is_a_response_error():
    with pytest.raises(ProviderResponseError, match="expected a JSON object"):
        raise_for_places_status([], "find_place", 200)


@pytest.mark.parametrize("query", ["", "   ", None])
async def test_blank_query_is_rejected_before_any_request(gateway, query):
    with pytest.raises(InvalidInput, match="query must be non-empty text"):
        await gateway.google_places.find_place(query)


@settings(max_examples=30)
@given(body=find_place_bodies())
def test_every_valid_find_place_body_parses_with_its_candidates(body):
    parsed = FindPlaceResponse.model_validate(body)
    assert [c.place_id for c in parsed.candidates] == [c.get("place_id") for c in body["candidates"]]


def test_mock_factory_is_deterministic_for_a_seed(router):
    assert GooglePlacesMock(router, seed="s").candidate() == GooglePlacesMock(router, seed="s").candidate()


async def test_http_error_reason_is_exactly_googles_error_message_when_the_body_has_one(gateway, places):
    places.unauthorized("GET", places.FIND_PLACE)
    with pytest.raises(AuthenticationError) as caught:
        await gateway.google_places.find_place("Acme")
    assert caught.value.reason == "HTTP 401 from Google (mocked)"


async def test_http_error_reason_is_the_google_api_error_message_when_the_body_uses_that_format(gateway, places):
    body = {"error": {"code": 403, "message": "The provided API key is invalid.", "status": "PERMISSION_DENIED"}}
    places.error("GET", places.FIND_PLACE, 403, body)
    with pytest.raises(AuthenticationError) as caught:
        await gateway.google_places.find_place("Acme")
    assert caught.value.reason == "The provided API key is invalid."


async def test_http_429_naming_a_daily_quota_is_quota_exhausted_when_google_api_format(gateway, places):
    message = "Quota exceeded for quota metric 'Requests' and limit 'Requests per day' of service 'places'"
    body = {"error": {"code": 429, "message": message, "status": "RESOURCE_EXHAUSTED"}}
    route = places.error("GET", places.FIND_PLACE, 429, body)
    with pytest.raises(QuotaExhausted, match="Requests per day"):
        await gateway.google_places.find_place("Acme")
    assert route.call_count == 1


@pytest.mark.parametrize(
    "body, error, reason",
    [
        (
            {"status": "REQUEST_DENIED", "error_message": "The provided API key is invalid."},
            AuthenticationError,
            "The provided API key is invalid. (REQUEST_DENIED)",
        ),
        ({"status": "NOT_FOUND"}, NotFound, "status NOT_FOUND"),
        ({"status": "INVALID_REQUEST", "error_message": None}, InvalidRequest, "status INVALID_REQUEST"),
        (
            {"status": "OVER_DAILY_LIMIT", "error_message": "Billing is off"},
            QuotaExhausted,
            "Billing is off (OVER_DAILY_LIMIT)",
        ),
        (
            {"status": "OVER_QUERY_LIMIT", "error_message": "You have exceeded your daily request QUOTA"},
            QuotaExhausted,
            "You have exceeded your daily request QUOTA (OVER_QUERY_LIMIT)",
        ),
        (
            {"status": "OVER_QUERY_LIMIT", "error_message": "Enable Billing on your project"},
            QuotaExhausted,
            "Enable Billing on your project (OVER_QUERY_LIMIT)",
        ),
        (
            {"status": "OVER_QUERY_LIMIT", "error_message": "No credit left"},
            QuotaExhausted,
            "No credit left (OVER_QUERY_LIMIT)",
        ),
        (
            {"status": "OVER_QUERY_LIMIT", "error_message": "Too many queries per second"},
            RateLimited,
            "provider rate limit reached: Too many queries per second (OVER_QUERY_LIMIT)",
        ),
        ({"status": "UNKNOWN_ERROR"}, ProviderUnavailable, "status UNKNOWN_ERROR"),
    ],
)
def test_a_status_sent_with_http_200_becomes_its_error_with_googles_message(body, error, reason):
    with pytest.raises(error) as caught:
        raise_for_places_status(body, "find_place", 200)
    assert (caught.value.reason, caught.value.status, caught.value.endpoint) == (reason, 200, "find_place")


@pytest.mark.parametrize("status", ["OK", "ZERO_RESULTS"])
def test_ok_and_zero_results_are_not_errors(status):
    assert raise_for_places_status({"status": status}, "find_place", 200) is None  # type: ignore[func-returns-value]


def test_an_unknown_status_names_it_with_the_http_status():
    with pytest.raises(ProviderResponseError) as caught:
        raise_for_places_status({"status": "MAINTENANCE"}, "place_details", 200)
    assert (caught.value.field, caught.value.problem, caught.value.status) == (
        "status",
        "unknown status 'MAINTENANCE'",
        200,
    )


def test_a_body_that_is_not_an_object_names_its_type():
    with pytest.raises(ProviderResponseError) as caught:
        raise_for_places_status(["OK"], "find_place", 200)
    assert (caught.value.field, caught.value.problem) == ("body", "expected a JSON object, got list")
    assert caught.value.endpoint == "find_place" and caught.value.provider == "google_places"


async def test_find_place_sends_the_location_bias_and_chosen_fields_when_given(gateway, places):
    route = places.find_place()
    await gateway.google_places.find_place(" Acme ", fields=["place_id", "name"], location_bias="circle:500@30.2,-97.7")
    params = route.calls.last.request.url.params
    assert (params["input"], params["inputtype"], params["fields"], params["locationbias"], params["key"]) == (
        "Acme",
        "textquery",
        "place_id,name",
        "circle:500@30.2,-97.7",
        "test-key",
    )


async def test_find_place_sends_no_location_bias_when_none_is_given(gateway, places):
    route = places.find_place()
    await gateway.google_places.find_place("Acme")
    assert "locationbias" not in route.calls.last.request.url.params
    assert route.calls.last.request.url.params["fields"] == ",".join(FIND_PLACE_FIELDS)


async def test_place_details_asks_for_the_contact_fields_of_the_place(gateway, places):
    route = places.place_details()
    await gateway.google_places.place_details(" ChIJabc ")
    params = route.calls.last.request.url.params
    assert (params["place_id"], params["fields"], params["key"]) == ("ChIJabc", ",".join(DETAILS_FIELDS), "test-key")


async def test_a_blank_place_id_is_refused_naming_the_argument(gateway):
    with pytest.raises(InvalidInput) as caught:
        await gateway.google_places.place_details(" ")
    assert str(caught.value) == "google_places place_details: place_id must be non-empty text, got ' '"


async def test_a_blank_query_is_refused_naming_the_argument(gateway):
    with pytest.raises(InvalidInput) as caught:
        await gateway.google_places.find_place("")
    assert str(caught.value) == "google_places find_place: query must be non-empty text, got ''"
