import json

import httpx
import pytest

from d0_gateway import (
    AuthenticationError,
    BusinessIdentifiers,
    InvalidInput,
    InvalidRequest,
    ProviderResponseError,
    ProviderUnavailable,
)

ACME = BusinessIdentifiers(name="Acme Plumbing", street="100 Main St", city="Austin", state="TX", postal_code="78701")


async def test_match_returns_the_record_and_posts_identifiers_with_the_token(gateway, data_axle_mock):
    route = data_axle_mock.business_match(name="Acme Plumbing LLC", employee_count=12)
    match = await gateway.data_axle.business_match(ACME)
    assert (match.document.attributes.name, match.document.attributes.employee_count) == ("Acme Plumbing LLC", 12)
    request = route.calls.last.request
    assert request.headers["X-AuthToken"] == "test-key"
    assert json.loads(request.content) == {"identifiers": ACME.model_dump(exclude_none=True)}


async def test_no_match_is_an_empty_document_and_free(gateway, data_axle_mock):
    data_axle_mock.business_match(matched=False)
    assert (await gateway.data_axle.business_match(ACME, campaign_id="c-1")).document is None
    assert gateway.ledger.total(campaign_id="c-1") == 0


async def test_a_match_is_billed(gateway, data_axle_mock):
    data_axle_mock.business_match()
    await gateway.data_axle.business_match(ACME, campaign_id="c-2")
    assert gateway.ledger.total(campaign_id="c-2") == gateway.settings.provider("data_axle").cost("business_match")


async def test_the_lookup_is_cached_and_retried_like_a_read_although_it_is_a_post(gateway, data_axle_mock):
    route = data_axle_mock.sequence(
        "POST",
        data_axle_mock.MATCH,
        httpx.Response(503, json=data_axle_mock.error_body(503)),
        httpx.Response(200, json=data_axle_mock.match_body()),
    )
    first = await gateway.data_axle.business_match(ACME)
    assert await gateway.data_axle.business_match(ACME) == first
    assert route.call_count == 2


async def test_invalid_token_is_an_authentication_error_with_data_axles_message(gateway, data_axle_mock):
    data_axle_mock.unauthorized("POST", data_axle_mock.MATCH)
    with pytest.raises(AuthenticationError, match="Invalid or missing X-AuthToken"):
        await gateway.data_axle.business_match(ACME)


async def test_persistent_outage_is_provider_unavailable(gateway, data_axle_mock):
    data_axle_mock.unavailable("POST", data_axle_mock.MATCH)
    with pytest.raises(ProviderUnavailable, match="Internal server error"):
        await gateway.data_axle.business_match(ACME)


async def test_record_without_an_id_names_the_field(gateway, data_axle_mock):
    body = data_axle_mock.match_body()
    del body["document"]["infogroup_id"]
    data_axle_mock.respond("POST", data_axle_mock.MATCH, body)
    with pytest.raises(ProviderResponseError, match="data_axle business_match .*field 'document.infogroup_id'"):
        await gateway.data_axle.business_match(ACME)


async def test_a_name_alone_is_not_enough_to_match(gateway):
    with pytest.raises(InvalidInput, match="street, postal_code or phone"):
        await gateway.data_axle.business_match(BusinessIdentifiers(name="Acme"))


async def test_error_carries_exactly_data_axles_message_when_the_body_has_one(gateway, data_axle_mock):
    data_axle_mock.unauthorized("POST", data_axle_mock.MATCH)
    with pytest.raises(AuthenticationError) as caught:
        await gateway.data_axle.business_match(ACME)
    assert caught.value.reason == "Invalid or missing X-AuthToken"
    assert str(caught.value) == "data_axle business_match (HTTP 401): Invalid or missing X-AuthToken"


async def test_error_carries_data_axles_error_field_when_the_body_has_no_message(gateway, data_axle_mock):
    data_axle_mock.error("POST", data_axle_mock.MATCH, 400, {"error": "identifiers must include name"})
    with pytest.raises(InvalidRequest) as caught:
        await gateway.data_axle.business_match(ACME)
    assert caught.value.reason == "identifiers must include name"


async def test_a_name_alone_is_refused_with_the_whole_reason(gateway):
    with pytest.raises(
        InvalidInput, match=r"^data_axle business_match: give a street, postal_code or phone besides the name$"
    ):
        await gateway.data_axle.business_match(BusinessIdentifiers(name="Acme"))


@pytest.mark.parametrize("identifier", [{"street": "1 Main St"}, {"postal_code": "78701"}, {"phone": "5125550100"}])
async def test_a_name_with_any_one_locating_identifier_is_enough_to_match(gateway, data_axle_mock, identifier):
    data_axle_mock.business_match()
    assert (await gateway.data_axle.business_match(BusinessIdentifiers(name="Acme", **identifier))).document
