"""Normalises lead fields at the edge (email, domain, free text) so stored values compare and dedupe reliably."""

from __future__ import annotations

import ipaddress
import re
import unicodedata

import idna
from email_validator import EmailNotValidError, validate_email

from lead_explorer.errors import LeadValidationError

MAX_EMAIL_LENGTH = 254
MAX_DOMAIN_INPUT_LENGTH = 2048  # a pasted URL; the host name itself is checked against DNS's 253
MAX_TEXT_LENGTH = 200

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


def normalize_email(value: str, field: str = "email") -> str:
    """The lower-cased address with an IDNA (ASCII) domain; raises LeadValidationError if it is not an address."""
    text = _require_text(value, field).strip()
    if len(text) > MAX_EMAIL_LENGTH:
        raise LeadValidationError(field, value, f"is longer than {MAX_EMAIL_LENGTH} characters")
    try:
        parsed = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        raise LeadValidationError(field, value, f"is not a valid email address: {error}") from None
    # email-validator also bounds the length after IDNA encoding, so the result fits the column.
    return f"{parsed.local_part.lower()}@{parsed.ascii_domain.lower()}"


def normalize_domain(value: str, field: str = "domain") -> str:
    """The bare ASCII host name of a domain or URL ("https://www.Example.com/x" -> "example.com")."""
    text = _require_text(value, field).strip().lower()
    if len(text) > MAX_DOMAIN_INPUT_LENGTH:
        raise LeadValidationError(field, value, f"is longer than {MAX_DOMAIN_INPUT_LENGTH} characters")
    text = _SCHEME.sub("", text)
    text = re.split(r"[/?#]", text, maxsplit=1)[0]
    text = text.rsplit("@", 1)[-1]
    text = re.sub(r":\d*$", "", text).rstrip(".")
    if text.startswith("www.") and "." in text[len("www.") :]:
        text = text[len("www.") :]  # "www.example.com" -> "example.com", but "www.com" is itself a domain
    if not text:
        raise LeadValidationError(field, value, "has no host name")
    if _is_ip_address(text):
        raise LeadValidationError(field, value, "is an IP address, not a domain name")
    try:
        ascii_name = idna.encode(text, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as error:
        raise LeadValidationError(field, value, f"is not a valid domain name: {error}") from None
    _check_host_name(ascii_name, field, value)
    return ascii_name


def normalize_text(value: str | None, field: str, max_length: int = MAX_TEXT_LENGTH) -> str | None:
    """Free text with outer whitespace removed; blank becomes None; control characters and overlong text rejected."""
    if value is None:
        return None
    text = _require_text(value, field).strip()
    if not text:
        return None
    if len(text) > max_length:
        raise LeadValidationError(field, value, f"is longer than {max_length} characters")
    if any(unicodedata.category(character) in ("Cc", "Cs") for character in text):
        raise LeadValidationError(field, value, "contains control characters")
    return text


def _require_text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise LeadValidationError(field, value, f"must be text, not {type(value).__name__}")
    if "\x00" in value:
        raise LeadValidationError(field, value, "contains a NUL character")
    return value


def _is_ip_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


def _check_host_name(name: str, field: str, original: str) -> None:
    # idna has already checked each label's characters, hyphens and length, and the total length.
    labels = name.split(".")
    if len(labels) < 2:
        raise LeadValidationError(field, original, "needs a top-level domain, like example.com")
    if labels[-1].isdigit():
        raise LeadValidationError(field, original, f"has an all-numeric top-level domain {labels[-1]!r}")
