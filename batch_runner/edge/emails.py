"""The monorepo's one email rule: a syntactically valid address, lower-cased, with an IDNA (ASCII) domain.

Validated with email-validator, without DNS; reserved and special-use domains (RFC 6761: .test,
.invalid, .localhost, .local, .onion, .arpa, ...) are refused, as email-validator does.
NOT_SPECIAL_USE_SCHEMA states that refusal for OpenAPI documents.
"""

from __future__ import annotations

import re

import email_validator
from email_validator import EmailNotValidError, validate_email
from pydantic.config import JsonDict

from batch_runner.edge.errors import InvalidFieldError

MAX_EMAIL_LENGTH = 254

_SPECIAL_USE = "|".join(re.escape(name) for name in email_validator.SPECIAL_USE_DOMAIN_NAMES)
NOT_SPECIAL_USE_SCHEMA: JsonDict = {"not": {"pattern": f"(?i)[@.](?:{_SPECIAL_USE})\\.?\\s*$"}}
"""JSON Schema clause refusing addresses at special-use domains (add it next to `format: email`)."""


def normalize_email(value: str) -> str:
    """The lower-cased address with an ASCII domain; InvalidFieldError saying why `value` is not an address."""
    if not isinstance(value, str):
        raise InvalidFieldError(f"must be text, not {type(value).__name__}")
    if "\x00" in value:
        raise InvalidFieldError("contains a NUL character")
    text = value.strip()
    if len(text) > MAX_EMAIL_LENGTH:
        raise InvalidFieldError(f"is longer than {MAX_EMAIL_LENGTH} characters")
    try:
        parsed = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidFieldError(f"is not a valid email address: {error}") from None
    # email-validator also bounds the length after IDNA encoding.
    return f"{parsed.local_part.lower()}@{parsed.ascii_domain.lower()}"
