"""respx factory for OpenAI Chat Completions, with token usage and OpenAI's error body."""

from __future__ import annotations

from typing import Any

import respx

from testing.mocks.provider_mock import ProviderMock


class OpenAIMock(ProviderMock):
    name = "openai"
    base_url = "https://api.openai.com"
    CHAT = "/v1/chat/completions"
    operations = {"chat": ("POST", CHAT)}

    def completion_body(
        self,
        *,
        model: str = "gpt-4o-mini-2024-07-18",
        prompt_tokens: int | None = None,
        completion_tokens: int | None = None,
        content: str | None = None,
    ) -> dict[str, Any]:
        """A chat.completion object with one assistant choice and its usage."""
        fake = self.fake
        prompt = fake.random_int(5, 2000) if prompt_tokens is None else prompt_tokens
        completion = fake.random_int(1, 800) if completion_tokens is None else completion_tokens
        return {
            "id": "chatcmpl-" + fake.lexify("?" * 29),
            "object": "chat.completion",
            "created": int(fake.unix_time(start_datetime="-1y")),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": content or fake.paragraph(),
                        "refusal": None,
                        "annotations": [],
                    },
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
            },
            "service_tier": "default",
            "system_fingerprint": "fp_" + fake.hexify("^" * 10),
        }

    def chat(self, **body: Any) -> respx.Route:
        return self.respond("POST", self.CHAT, self.completion_body(**body))

    def error_body(self, status: int) -> Any:
        kinds = {
            401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided: test-key."),
            404: (
                "invalid_request_error",
                "model_not_found",
                "The model `gpt-9` does not exist or you do not have access to it.",
            ),
            429: (
                "requests",
                "rate_limit_exceeded",
                "Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 500.",
            ),
        }
        kind, code, message = kinds.get(
            status, ("server_error", None, "The server had an error while processing your request.")
        )
        return {"error": {"message": message, "type": kind, "param": None, "code": code}}

    def insufficient_quota_body(self) -> dict[str, Any]:
        """OpenAI's 429 body when the account's credit is spent (its documented `insufficient_quota`)."""
        return {
            "error": {
                "message": "You exceeded your current quota, please check your plan and billing details.",
                "type": "insufficient_quota",
                "param": None,
                "code": "insufficient_quota",
            }
        }

    def insufficient_quota(self) -> respx.Route:
        """429 insufficient_quota: the account's credit is spent."""
        return self.error("POST", self.CHAT, 429, self.insufficient_quota_body())
