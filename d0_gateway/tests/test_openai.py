import json
from decimal import Decimal

import httpx
import pytest
from hypothesis import given, settings

from d0_gateway import (
    AuthenticationError,
    BudgetExceeded,
    BudgetLimits,
    ChatCompletion,
    InvalidInput,
    InvalidRequest,
    Outcome,
    QuotaExhausted,
    RateLimited,
)
from d0_gateway.providers.openai import MODEL_PRICES, TokenPrice, price_for
from testing.mocks.strategies import chat_completion_bodies

USER = [{"role": "user", "content": "Write a one-line subject for a website audit email."}]


async def test_chat_returns_the_reply_and_sends_model_messages_and_bearer_key(gateway, openai_mock):
    route = openai_mock.chat(content="Your site loads in 6 s")
    completion = await gateway.openai.chat(USER, model="gpt-4o-mini", max_tokens=50, temperature=0.2)
    assert completion.content == "Your site loads in 6 s"
    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer test-key"
    assert json.loads(request.content) == {
        "model": "gpt-4o-mini",
        "messages": USER,
        "max_tokens": 50,
        "temperature": 0.2,
    }


async def test_cost_is_computed_from_the_returned_token_usage(gateway, openai_mock):
    openai_mock.chat(model="gpt-4o-mini-2024-07-18", prompt_tokens=1_000_000, completion_tokens=500_000)
    await gateway.openai.chat(USER, campaign_id="c-1")
    [entry] = gateway.ledger.entries(campaign_id="c-1")
    price = MODEL_PRICES["gpt-4o-mini"]
    assert entry.cost == price.input_per_million + price.output_per_million / 2


async def test_an_unpriced_returned_model_is_priced_as_the_requested_one(gateway, openai_mock):
    openai_mock.chat(model="ft:gpt-4o-mini:acme::abc123", prompt_tokens=2_000_000, completion_tokens=0)
    await gateway.openai.chat(USER, model="gpt-4o")
    assert gateway.ledger.total(provider="openai") == 2 * MODEL_PRICES["gpt-4o"].input_per_million


async def test_timeouts_are_retried_because_a_completion_has_no_side_effects(gateway, openai_mock, fake_clock):
    route = openai_mock.sequence(
        "POST",
        openai_mock.CHAT,
        httpx.ReadTimeout("mocked read timeout"),
        httpx.Response(200, json=openai_mock.completion_body()),
    )
    await gateway.openai.chat(USER)
    assert route.call_count == 2


async def test_invalid_api_key_is_an_authentication_error_with_openais_message(gateway, openai_mock):
    openai_mock.unauthorized("POST", openai_mock.CHAT)
    with pytest.raises(AuthenticationError, match="Incorrect API key provided.*invalid_api_key"):
        await gateway.openai.chat(USER)


async def test_rate_limit_carries_retry_after(gateway, openai_mock):
    openai_mock.rate_limited("POST", openai_mock.CHAT, retry_after=20)
    with pytest.raises(RateLimited) as caught:
        await gateway.openai.chat(USER)
    assert caught.value.retry_after == 20


async def test_completion_without_usage_is_billed_at_the_pre_call_estimate_when_openai_omits_it(gateway, openai_mock):
    body = openai_mock.completion_body()
    del body["usage"]  # optional in OpenAI's published CreateChatCompletionResponse
    openai_mock.respond("POST", openai_mock.CHAT, body)
    completion = await gateway.openai.chat(USER, max_tokens=1000, campaign_id="c-usage")
    assert completion.usage is None
    # gpt-4o-mini: 1000 output tokens at $0.60/M plus the prompt estimate (54 characters -> 14 tokens at
    # $0.15/M), kept in whole micro-dollars by the ledger.
    assert gateway.ledger.total(campaign_id="c-usage") == Decimal("0.000602")


async def test_insufficient_quota_is_quota_exhausted_with_openais_message_and_not_retried_when_429(
    gateway, openai_mock
):
    route = openai_mock.insufficient_quota()
    with pytest.raises(QuotaExhausted, match=r"You exceeded your current quota.*\(insufficient_quota\)") as caught:
        await gateway.openai.chat(USER)
    assert (caught.value.status, route.call_count) == (429, 1)
    assert gateway.ledger.entries()[-1].outcome is Outcome.FAILED


@pytest.mark.parametrize(
    "messages, kwargs, problem",
    [
        ([], {}, "at least one message"),
        ([{"role": "robot", "content": "hi"}], {}, r"messages\[0\].role"),
        ([{"role": "user", "content": ""}], {}, r"messages\[0\].content"),
        (USER, {"model": "llama-3"}, "no price known for model 'llama-3'"),
        (USER, {"max_tokens": 0}, "max_tokens"),
        (USER, {"temperature": 3}, "temperature"),
    ],
)
async def test_bad_arguments_are_rejected_before_any_request(gateway, messages, kwargs, problem):
    with pytest.raises(InvalidInput, match=problem):
        await gateway.openai.chat(messages, **kwargs)


def test_dated_snapshot_is_priced_by_its_longest_family_prefix():
    assert price_for("gpt-4o-mini-2024-07-18") == MODEL_PRICES["gpt-4o-mini"]
    assert price_for("gpt-4.1-nano-2025-04-14") == MODEL_PRICES["gpt-4.1-nano"]


@settings(max_examples=30)
@given(body=chat_completion_bodies())
def test_cost_is_additive_and_proportional_in_usage_for_every_valid_completion(body):
    completion = ChatCompletion.model_validate(body)
    price = price_for(completion.model)
    assert completion.usage is not None
    prompt, output = completion.usage.prompt_tokens, completion.usage.completion_tokens
    total = price.cost(prompt, output)
    assert total == price.cost(prompt, 0) + price.cost(0, output)
    assert price.cost(2 * prompt, 2 * output) == 2 * total
    assert total >= 0


async def test_a_dated_snapshot_of_another_family_is_priced_by_the_model_openai_used(gateway, openai_mock):
    openai_mock.chat(model="gpt-4.1-mini-2025-04-14", prompt_tokens=1_000_000, completion_tokens=0)
    await gateway.openai.chat(USER, model="gpt-4.1")
    assert gateway.ledger.total(provider="openai") == MODEL_PRICES["gpt-4.1-mini"].input_per_million


async def test_a_clients_own_price_table_prices_the_model_openai_reports(gateway, openai_mock):
    gateway.openai.prices = {"acme-llm": TokenPrice(Decimal(1), Decimal(2))}
    openai_mock.chat(model="acme-llm-2026-01-01", prompt_tokens=1_000_000, completion_tokens=1_000_000)
    await gateway.openai.chat(USER, model="acme-llm")
    assert gateway.ledger.total(provider="openai") == Decimal(3)


@pytest.mark.parametrize(
    "messages, kwargs, message",
    [
        ([], {}, "openai chat: messages must contain at least one message"),
        (
            [{"role": "tool", "content": "x"}],
            {},
            "openai chat: messages[0].role must be one of system, developer, user, assistant, got 'tool'",
        ),
        ([{"role": "user", "content": ""}], {}, "openai chat: messages[0].content must be non-empty text, got ''"),
        (USER, {"max_tokens": 0}, "openai chat: max_tokens must be a positive integer, got 0"),
        (USER, {"temperature": 2.5}, "openai chat: temperature must be between 0 and 2, got 2.5"),
        (
            USER,
            {"model": "gpt-9"},
            "openai: no price known for model 'gpt-9'; "
            "priced: gpt-4.1, gpt-4.1-mini, gpt-4.1-nano, gpt-4o, gpt-4o-mini",
        ),
    ],
)
async def test_bad_arguments_are_refused_with_the_whole_reason(gateway, messages, kwargs, message):
    with pytest.raises(InvalidInput) as caught:
        await gateway.openai.chat(messages, **kwargs)
    assert str(caught.value) == message


@pytest.mark.parametrize("kwargs", [{"max_tokens": 1}, {"temperature": 0}, {"temperature": 2}])
async def test_arguments_at_their_bounds_are_sent(gateway, openai_mock, kwargs):
    route = openai_mock.chat()
    await gateway.openai.chat(USER, **kwargs)
    sent = json.loads(route.calls.last.request.content)
    assert {key: sent[key] for key in kwargs} == kwargs


async def test_error_reason_is_openais_message_with_its_code_when_it_has_one(gateway, openai_mock):
    openai_mock.unauthorized("POST", openai_mock.CHAT)
    with pytest.raises(AuthenticationError) as caught:
        await gateway.openai.chat(USER)
    assert caught.value.reason == "Incorrect API key provided: test-key. (invalid_api_key)"


async def test_error_reason_is_openais_bare_message_when_the_code_is_null(gateway, openai_mock):
    body = {"error": {"message": "The server had an error.", "type": "server_error", "param": None, "code": None}}
    openai_mock.error("POST", openai_mock.CHAT, 400, body)
    with pytest.raises(InvalidRequest) as caught:
        await gateway.openai.chat(USER)
    assert caught.value.reason == "The server had an error."


async def test_insufficient_quota_named_only_as_the_type_is_quota_exhausted(gateway, openai_mock):
    body = {"error": {"message": "You exceeded your current quota.", "type": "insufficient_quota", "code": None}}
    route = openai_mock.error("POST", openai_mock.CHAT, 429, body)
    with pytest.raises(QuotaExhausted):
        await gateway.openai.chat(USER)
    assert route.call_count == 1


async def test_insufficient_quota_named_only_as_the_code_is_quota_exhausted(gateway, openai_mock):
    body = {
        "error": {
            "message": "You exceeded your current quota.",
            "type": "invalid_request_error",
            "code": "insufficient_quota",
        }
    }
    openai_mock.error("POST", openai_mock.CHAT, 429, body)
    with pytest.raises(QuotaExhausted):
        await gateway.openai.chat(USER)


async def test_the_budget_estimate_counts_four_characters_a_token_and_the_whole_max_tokens(gateway, openai_mock):
    gateway.budget.provider_limits["openai"] = BudgetLimits(daily=Decimal(0))
    with pytest.raises(BudgetExceeded) as caught:
        await gateway.openai.chat([{"role": "user", "content": "x" * 40}], model="gpt-4o", max_tokens=100)
    price = MODEL_PRICES["gpt-4o"]
    assert caught.value.estimate == price.cost(11, 100)


async def test_the_request_body_carries_model_messages_max_tokens_and_temperature(gateway, openai_mock):
    route = openai_mock.chat()
    await gateway.openai.chat([{"role": "system", "content": "Be brief.", "name": "x"}], temperature=0.5)
    assert json.loads(route.calls.last.request.content) == {
        "model": "gpt-4o-mini",
        "messages": [{"role": "system", "content": "Be brief."}],
        "max_tokens": 512,
        "temperature": 0.5,
    }


def test_token_price_is_per_million_tokens_of_each_kind():
    assert TokenPrice(Decimal("0.15"), Decimal("0.60")).cost(2_000_000, 500_000) == Decimal("0.6")


def test_an_exact_model_name_is_priced_as_listed():
    assert price_for("gpt-4.1") is MODEL_PRICES["gpt-4.1"]
