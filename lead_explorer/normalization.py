"""Normalises lead fields at the edge (email, domain, free text) so stored values compare and dedupe reliably."""

from __future__ import annotations

from batch_runner import edge
from lead_explorer.errors import LeadValidationError

MAX_EMAIL_LENGTH = edge.MAX_EMAIL_LENGTH
MAX_DOMAIN_INPUT_LENGTH = edge.MAX_DOMAIN_INPUT_LENGTH  # a pasted URL; the host itself is checked against DNS's 253
MAX_TEXT_LENGTH = edge.MAX_TEXT_LENGTH


def normalize_email(value: str, field: str = "email") -> str:
    """The lower-cased address with an IDNA (ASCII) domain (the shared rule, batch_runner.edge.normalize_email)."""
    try:
        return edge.normalize_email(_require_text(value, field))
    except edge.InvalidFieldError as error:
        raise LeadValidationError(field, value, error.reason) from None


def normalize_domain(value: str, field: str = "domain") -> str:
    """The bare ASCII host name of a domain or URL ("https://www.Example.com/x" -> "example.com").

    The monorepo's one domain rule, batch_runner.edge.normalize_domain; batch_runner uses it too.
    """
    try:
        return edge.normalize_domain(_require_text(value, field))
    except edge.InvalidFieldError as error:
        raise LeadValidationError(field, value, error.reason) from None


def normalize_text(value: str | None, field: str, max_length: int = MAX_TEXT_LENGTH) -> str | None:
    """Free text by the shared text rule (batch_runner.edge.clean_text): trimmed, blank becomes None; control,
    invisible format and separator characters and text over `max_length` are refused."""
    try:
        return edge.clean_text(value, max_length=max_length)
    except edge.InvalidFieldError as error:
        raise LeadValidationError(field, value, error.reason) from None


def _require_text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise LeadValidationError(field, value, f"must be text, not {type(value).__name__}")
    if "\x00" in value:
        raise LeadValidationError(field, value, "contains a NUL character")
    return value
