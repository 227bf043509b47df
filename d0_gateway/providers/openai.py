"""OpenAI Chat Completions: the cost of each call comes from the token usage OpenAI returns.

Docs: https://platform.openai.com/docs/api-reference/chat/create
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field

from d0_gateway.errors import InvalidInput
from d0_gateway.policies.budget import Priority
from d0_gateway.providers.base import ProviderClient
from d0_gateway.responses import ErrorKind, parse_model

CHAT_COMPLETIONS_PATH = "/v1/chat/completions"
ROLES = ("system", "developer", "user", "assistant")
_PER_MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class TokenPrice:
    """USD per million input (prompt) and output (completion) tokens."""

    input_per_million: Decimal
    output_per_million: Decimal

    def cost(self, prompt_tokens: int, completion_tokens: int) -> Decimal:
        return (prompt_tokens * self.input_per_million + completion_tokens * self.output_per_million) / _PER_MILLION


# Standard-tier list prices. Dated snapshots (gpt-4o-mini-2024-07-18) are priced by their family prefix.
MODEL_PRICES: Mapping[str, TokenPrice] = {
    "gpt-4o-mini": TokenPrice(Decimal("0.15"), Decimal("0.60")),
    "gpt-4o": TokenPrice(Decimal("2.50"), Decimal("10.00")),
    "gpt-4.1-nano": TokenPrice(Decimal("0.10"), Decimal("0.40")),
    "gpt-4.1-mini": TokenPrice(Decimal("0.40"), Decimal("1.60")),
    "gpt-4.1": TokenPrice(Decimal("2.00"), Decimal("8.00")),
}


def price_for(model: str, prices: Mapping[str, TokenPrice] = MODEL_PRICES) -> TokenPrice:
    """The price of `model`: an exact entry, else the longest family prefix; InvalidInput if unpriced."""
    if model in prices:
        return prices[model]
    families = [name for name in prices if model.startswith(name + "-")]
    if not families:
        raise InvalidInput(f"openai: no price known for model {model!r}; priced: {', '.join(sorted(prices))}")
    return prices[max(families, key=len)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class AssistantMessage(_Model):
    role: Literal["assistant"]
    content: str | None = None
    refusal: str | None = None


class Choice(_Model):
    index: int = Field(ge=0)
    message: AssistantMessage
    finish_reason: Literal["stop", "length", "content_filter", "tool_calls", "function_call"] | None = None


class Usage(_Model):
    prompt_tokens: int = Field(ge=0)
    completion_tokens: int = Field(ge=0)
    total_tokens: int = Field(ge=0)


class ChatCompletion(_Model):
    """A chat.completion object; `content` is the first choice's text."""

    id: str
    object: Literal["chat.completion"]
    created: int
    model: str
    choices: list[Choice] = Field(min_length=1)
    usage: Usage | None = None  # optional in OpenAI's published schema (CreateChatCompletionResponse)
    system_fingerprint: str | None = None

    @property
    def content(self) -> str | None:
        return self.choices[0].message.content


class OpenAIClient(ProviderClient):
    """Chat completions, priced from the returned token usage (no side effects, so retried like a read)."""

    name = "openai"
    prices: Mapping[str, TokenPrice] = MODEL_PRICES

    @staticmethod
    def describe_error(response: httpx.Response) -> str:
        """OpenAI's `error.message` (with its `error.code` when present)."""
        error = response.json()["error"]
        return f"{error['message']} ({error['code']})" if error.get("code") else error["message"]

    @staticmethod
    def classify_error(response: httpx.Response) -> ErrorKind | None:
        """`insufficient_quota` (as code or type) is an exhausted quota, whatever status it comes with."""
        error = response.json()["error"]
        if "insufficient_quota" in (error.get("code"), error.get("type")):
            return ErrorKind.QUOTA_EXHAUSTED
        return None

    async def chat(
        self,
        messages: Sequence[Mapping[str, str]],
        *,
        model: str = "gpt-4o-mini",
        max_tokens: int = 512,
        temperature: float | None = None,
        campaign_id: str | None = None,
        priority: Priority = Priority.NORMAL,
    ) -> ChatCompletion:
        """The model's reply to `messages` ([{"role": "user", "content": "..."}, ...])."""
        checked = self._messages(messages)
        price = price_for(model, self.prices)
        if not isinstance(max_tokens, int) or max_tokens < 1:
            raise InvalidInput(f"openai chat: max_tokens must be a positive integer, got {max_tokens!r}")
        body: dict[str, object] = {"model": model, "messages": checked, "max_tokens": max_tokens}
        if temperature is not None:
            if not 0 <= temperature <= 2:
                raise InvalidInput(f"openai chat: temperature must be between 0 and 2, got {temperature}")
            body["temperature"] = temperature
        # Budget estimate before sending: ~4 characters a token for the prompt, and the whole max_tokens.
        prompt_estimate = sum(len(m["content"]) for m in checked) // 4 + 1
        call = self._call(
            "chat",
            "POST",
            CHAT_COMPLETIONS_PATH,
            json=body,
            headers={"Authorization": f"Bearer {self.settings.credential('api_key')}"},
            retry_safe=True,
            estimated_cost=price.cost(prompt_estimate, max_tokens),
            campaign_id=campaign_id,
            priority=priority,
        )
        result = await self.client.execute(
            call,
            lambda r: parse_model(ChatCompletion, r, self.name, "chat"),
            lambda completion: self._usage_cost(completion, price, call.estimated_cost),
        )
        return result.value

    def _usage_cost(self, completion: ChatCompletion, requested: TokenPrice, estimate: Decimal) -> Decimal:
        """Priced by the model OpenAI says it used (e.g. a dated snapshot), else by the one requested;
        the pre-call estimate (whole max_tokens) when OpenAI reports no usage."""
        if completion.usage is None:
            return estimate
        price = price_for(completion.model, self.prices) if _priced(completion.model, self.prices) else requested
        return price.cost(completion.usage.prompt_tokens, completion.usage.completion_tokens)

    def _messages(self, messages: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
        if not messages:
            raise InvalidInput("openai chat: messages must contain at least one message")
        checked = []
        for index, message in enumerate(messages):
            role, content = message.get("role"), message.get("content")
            if role not in ROLES:
                raise InvalidInput(
                    f"openai chat: messages[{index}].role must be one of {', '.join(ROLES)}, got {role!r}"
                )
            if not isinstance(content, str) or not content:
                raise InvalidInput(f"openai chat: messages[{index}].content must be non-empty text, got {content!r}")
            checked.append({"role": role, "content": content})
        return checked


def _priced(model: str, prices: Mapping[str, TokenPrice]) -> bool:
    return model in prices or any(model.startswith(name + "-") for name in prices)
