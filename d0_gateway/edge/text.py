"""The monorepo's one rule for free text that clients send (names, sources, actors) and for header text.

A text field is one line of printable text: it may not contain NUL, control characters (Unicode Cc,
tab and newline included), surrogates (Cs), line or paragraph separators (Zl, Zp), or invisible format
characters (Cf: zero-width space, word joiner, byte-order mark, soft hyphen, bidi marks, embeddings,
overrides and isolates, tags), except the two joiners U+200C and U+200D that Persian, Indic scripts and
emoji sequences need. Length is counted in code points on the value as sent (like JSON Schema's
`maxLength`); then outer spaces are trimmed and blank text becomes None. TEXT_PATTERN states the same
rule for OpenAPI documents, so what the schema allows is exactly what the servers accept.

Header values arrive as bytes that ASGI servers hand over as Latin-1 text; `decode_header_text` reads
them as UTF-8 when they are valid UTF-8 (`X-Actor: Jörg` sent as UTF-8 is "Jörg"), else as Latin-1.
"""

from __future__ import annotations

import sys
import unicodedata

from d0_gateway.edge.errors import InvalidFieldError

MAX_TEXT_LENGTH = 200
"""Default longest text field, in code points."""

ALLOWED_FORMAT_CHARACTERS = frozenset({"\u200c", "\u200d"})
"""Format (Cf) characters text may hold: zero-width non-joiner and joiner."""

_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp", "Cf"})


def is_refused_character(character: str) -> bool:
    """True for a character no text field may contain (see the module docstring)."""
    if character in ALLOWED_FORMAT_CHARACTERS:
        return False
    return unicodedata.category(character) in _REFUSED_CATEGORIES


def clean_text(value: object, *, max_length: int = MAX_TEXT_LENGTH) -> str | None:
    """`value` trimmed (None when blank), or InvalidFieldError naming the rule it breaks (never echoing it)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidFieldError(f"must be text, not {type(value).__name__}")
    if "\x00" in value:
        raise InvalidFieldError("contains a NUL character")
    if len(value) > max_length:
        raise InvalidFieldError(f"is longer than {max_length} characters")
    for position, character in enumerate(value):
        if is_refused_character(character):
            raise InvalidFieldError(
                f"contains control characters: U+{ord(character):04X} at position {position} "
                "(control, invisible format and line-separator characters are refused)"
            )
    return value.strip() or None


def decode_header_text(value: str) -> str:
    """A header value as the client wrote it: its bytes as UTF-8 when they are valid UTF-8, else as Latin-1."""
    raw = value.encode("latin-1", errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return value


def _refused_ranges() -> list[tuple[int, int]]:
    # Surrogates are left out: no JSON text or header can carry one, and regex engines refuse them.
    ranges: list[tuple[int, int]] = []
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF or not is_refused_character(chr(code)):
            continue
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return ranges


def _escape(code: int) -> str:
    return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"


_REFUSED_CLASS = "".join(
    _escape(low) if low == high else f"{_escape(low)}-{_escape(high)}" for low, high in _refused_ranges()
)

TEXT_PATTERN = f"^[^{_REFUSED_CLASS}]*$"
"""JSON Schema `pattern` of text that passes `clean_text` (length aside; Python regex escapes)."""
REQUIRED_TEXT_PATTERN = f"^[^{_REFUSED_CLASS}]*[^{_REFUSED_CLASS}\\s][^{_REFUSED_CLASS}]*$"
"""TEXT_PATTERN for text that must not be blank: at least one character that is not whitespace."""
