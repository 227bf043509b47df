import json

import httpx
import pytest

from d0_gateway import (
    AuthenticationError,
    InvalidInput,
    InvalidRequest,
    ProviderResponseError,
    ProviderUnavailable,
    QuotaExhausted,
)


def message(gateway, **overrides):
    fields = {
        "to": [{"email": "owner@acme-plumbing.example", "name": "Ana Lopez"}],
        "sender": {"email": "audits@leadfactory.example", "name": "LeadFactory"},
        "subject": "Your website audit",
        "text": "Plain text body",
        "html": "<p>HTML body</p>",
        "custom_args": {"lead_id": "42"},
        "categories": ["audit"],
        "reply_to": {"email": "support@leadfactory.example"},
    }
    fields.update(overrides)
    return gateway.sendgrid.message(**fields)


async def test_send_posts_the_v3_payload_and_returns_the_message_id(gateway, sendgrid_mock):
    route = sendgrid_mock.accepted(message_id="msg-123")
    result = await gateway.sendgrid.send(message(gateway))
    assert (result.message_id, result.status_code) == ("msg-123", 202)
    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer test-key"
    payload = json.loads(request.content)
    assert payload["personalizations"] == [{"to": [{"email": "owner@acme-plumbing.example", "name": "Ana Lopez"}]}]
    assert payload["from"] == {"email": "audits@leadfactory.example", "name": "LeadFactory"}
    assert payload["content"] == [
        {"type": "text/plain", "value": "Plain text body"},
        {"type": "text/html", "value": "<p>HTML body</p>"},
    ]
    assert (payload["custom_args"], payload["categories"], payload["reply_to"]) == (
        {"lead_id": "42"},
        ["audit"],
        {"email": "support@leadfactory.example"},
    )


async def test_minimal_message_omits_optional_fields(gateway, sendgrid_mock):
    route = sendgrid_mock.accepted()
    await gateway.sendgrid.send(message(gateway, html=None, custom_args={}, categories=[], reply_to=None))
    assert set(json.loads(route.calls.last.request.content)) == {"personalizations", "from", "subject", "content"}


async def test_each_recipient_is_billed(gateway, sendgrid_mock):
    sendgrid_mock.accepted()
    recipients = [{"email": f"r{i}@example.com"} for i in range(3)]
    await gateway.sendgrid.send(message(gateway, to=recipients), campaign_id="c-7")
    assert gateway.ledger.total(campaign_id="c-7") == 3 * gateway.settings.provider("sendgrid").cost("send_mail")


async def test_a_failed_send_is_never_retried_because_it_could_send_twice(gateway, sendgrid_mock):
    route = sendgrid_mock.unavailable("POST", sendgrid_mock.MAIL_SEND)
    with pytest.raises(ProviderUnavailable):
        await gateway.sendgrid.send(message(gateway))
    assert route.call_count == 1


async def test_bad_request_names_the_field_sendgrid_rejected(gateway, sendgrid_mock):
    sendgrid_mock.error("POST", sendgrid_mock.MAIL_SEND, 400)
    with pytest.raises(InvalidRequest, match="from.email: The from email does not contain a valid address"):
        await gateway.sendgrid.send(message(gateway))


async def test_unauthorized_is_an_authentication_error(gateway, sendgrid_mock):
    sendgrid_mock.unauthorized("POST", sendgrid_mock.MAIL_SEND)
    with pytest.raises(AuthenticationError, match="authorization grant is invalid"):
        await gateway.sendgrid.send(message(gateway))


async def test_accepted_without_a_message_id_names_the_header(gateway, sendgrid_mock):
    sendgrid_mock.accepted_without_message_id()
    with pytest.raises(ProviderResponseError, match="sendgrid send_mail .*field 'X-Message-Id'"):
        await gateway.sendgrid.send(message(gateway))


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({"to": []}, "to: List should have at least 1 item after validation, not 0 (got [])"),
        (
            {"to": [{"email": "not-an-address"}]},
            "to.0.email: value is not a valid email address: An email address must have an @-sign. "
            "(got 'not-an-address')",
        ),
        ({"subject": ""}, "subject: String should have at least 1 character (got '')"),
    ],
)
def test_invalid_message_is_rejected_naming_the_field_the_rule_and_the_value(gateway, overrides, expected):
    with pytest.raises(InvalidInput) as caught:
        message(gateway, **overrides)
    assert str(caught.value) == f"sendgrid message: {expected}"


def test_message_without_a_body_is_rejected_as_a_whole(gateway):
    with pytest.raises(InvalidInput) as caught:
        message(gateway, text=None, html=None)
    assert str(caught.value).startswith(
        "sendgrid message: input: Value error, needs a text or an html body (got {'to': [{'email': "
    )


async def test_maximum_credits_exceeded_is_quota_exhausted_not_an_authentication_error(gateway, sendgrid_mock):
    sendgrid_mock.credits_exceeded()
    message = gateway.sendgrid.message(
        to=[{"email": "owner@example.com"}], sender={"email": "hi@example.com"}, subject="Hi", text="Hello"
    )
    with pytest.raises(QuotaExhausted, match="Maximum credits exceeded") as caught:
        await gateway.sendgrid.send(message)
    assert caught.value.status == 401


async def test_an_accepted_send_without_a_message_id_is_a_response_error_saying_so(gateway, sendgrid_mock):
    sendgrid_mock.route("POST", sendgrid_mock.MAIL_SEND).mock(return_value=httpx.Response(202))
    with pytest.raises(ProviderResponseError) as caught:
        await gateway.sendgrid.send(message(gateway))
    assert caught.value.field == "X-Message-Id"
    assert caught.value.problem == "expected 202 Accepted with a message id, got 202 and ''"


async def test_error_reason_lists_every_sendgrid_error_with_its_field_when_it_has_one(gateway, sendgrid_mock):
    errors = [
        {"field": "null", "message": "A"},
        {"field": "subject", "message": "B"},
        {"field": None, "message": "C"},
        {"field": "", "message": "D"},
        {"message": "E"},
    ]
    sendgrid_mock.error("POST", sendgrid_mock.MAIL_SEND, 400, {"errors": errors})
    with pytest.raises(InvalidRequest) as caught:
        await gateway.sendgrid.send(message(gateway))
    assert caught.value.reason == "A; subject: B; C; D; E"
