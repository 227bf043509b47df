"""The monorepo's one domain rule: a domain or URL reduced to the bare ASCII host name that leads are keyed by.

"https://user@WWW.Bücher.de:8443/shop?x#y" -> "xn--bcher-kva.de". In order: outer whitespace and case are
dropped; then a scheme, a path/query/fragment, userinfo, a port and trailing dots; then a leading "www."
only when a domain remains ("www.example.com" -> "example.com", but "www.com" is itself a domain); then
IDNA 2008 with UTS 46 mapping. IP addresses, single-label names and all-numeric top-level domains are
refused. batch_runner (CSV and API leads) and lead_explorer (the lead API) both use it, so one lead has
one domain everywhere.
"""

from __future__ import annotations

import ipaddress
import re

import idna

from batch_runner.edge.errors import InvalidFieldError

MAX_DOMAIN_INPUT_LENGTH = 2048
"""Longest accepted input (a pasted URL); the host name itself is checked against DNS's 253."""

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


def normalize_domain(value: str) -> str:
    """The bare ASCII host name of a domain or URL; raises InvalidFieldError saying why it is not one."""
    if not isinstance(value, str):
        raise InvalidFieldError(f"must be text, not {type(value).__name__}")
    if "\x00" in value:
        raise InvalidFieldError("contains a NUL character")
    if len(value) > MAX_DOMAIN_INPUT_LENGTH:
        raise InvalidFieldError(f"is longer than {MAX_DOMAIN_INPUT_LENGTH} characters")
    text = _SCHEME.sub("", value.strip().lower())
    text = re.split(r"[/?#]", text, maxsplit=1)[0]
    text = text.rsplit("@", 1)[-1]
    text = re.sub(r":\d*$", "", text).rstrip(".")
    if text.startswith("www.") and "." in text[len("www.") :]:
        text = text[len("www.") :]
    if not text:
        raise InvalidFieldError("has no host name")
    if _is_ip_address(text):
        raise InvalidFieldError("is an IP address, not a domain name")
    try:
        ascii_name = idna.encode(text, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as error:
        raise InvalidFieldError(f"is not a valid domain name: {error}") from None
    labels = ascii_name.split(".")
    if len(labels) < 2:
        raise InvalidFieldError("needs a top-level domain, like example.com")
    if labels[-1].isdigit():
        raise InvalidFieldError(f"has an all-numeric top-level domain {labels[-1]!r}")
    return ascii_name


def _is_ip_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True
