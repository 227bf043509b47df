"""Base of the typed provider clients: each wraps one GatewayClient and that provider's settings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from d0_gateway.client import GatewayClient, ProviderCall
from d0_gateway.errors import InvalidInput
from d0_gateway.policies.budget import Priority
from d0_gateway.responses import ErrorKind
from d0_gateway.settings import ProviderSettings

M = TypeVar("M", bound=BaseModel)


def validated_input(model: type[M], fields: dict[str, Any], what: str) -> M:
    """`fields` as a `model`, or InvalidInput naming `what` and the first wrong field."""
    try:
        return model.model_validate(fields)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "input"
        raise InvalidInput(f"{what}: {where}: {first['msg']} (got {first.get('input')!r})") from error


class ProviderClient:
    """A typed client for one provider; subclasses add one async method per operation."""

    name: ClassVar[str] = "provider"

    @staticmethod
    def describe_error(response: httpx.Response) -> str:
        """The provider's own error message in an error response ('' to fall back to the raw body)."""
        return ""

    @staticmethod
    def classify_error(response: httpx.Response) -> ErrorKind | None:
        """The kind the provider documents for this error body (None: the HTTP status decides)."""
        return None

    def __init__(self, client: GatewayClient, settings: ProviderSettings) -> None:
        self.client = client
        self.settings = settings

    async def aclose(self) -> None:
        await self.client.aclose()

    def _call(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        campaign_id: str | None = None,
        priority: Priority = Priority.NORMAL,
        estimated_cost: Decimal | None = None,
        **request: Any,
    ) -> ProviderCall:
        """A ProviderCall for `operation`, priced from settings unless an estimate is given."""
        cost = self.settings.cost(operation) if estimated_cost is None else estimated_cost
        return ProviderCall(
            operation, method, path, campaign_id=campaign_id, priority=priority, estimated_cost=cost, **request
        )

    def _require_text(self, operation: str, argument: str, value: str) -> str:
        """`value` stripped, or InvalidInput naming the argument when it is blank or not text."""
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput(f"{self.name} {operation}: {argument} must be non-empty text, got {value!r}")
        return value.strip()
