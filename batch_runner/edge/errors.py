"""The edge's one error: a value a client sent breaks a field rule; `reason` says which, never echoing the value."""

from __future__ import annotations

from d0_gateway.errors import InvalidInput


class InvalidFieldError(InvalidInput):
    """A text, domain or header value breaks its rule; `reason` reads after the field's name ('is too long')."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
