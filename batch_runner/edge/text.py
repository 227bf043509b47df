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

from batch_runner.edge.errors import InvalidFieldError

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


def refused_ranges() -> list[tuple[int, int]]:
    """The code point ranges `is_refused_character` refuses, surrogates aside (no JSON text or header can
    carry one, and regex engines refuse them). Scans all of Unicode: ~1 s, so tests run it, imports don't."""
    ranges: list[tuple[int, int]] = []
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF or not is_refused_character(chr(code)):
            continue
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return ranges


def regex_class_of(ranges: list[tuple[int, int]]) -> str:
    """`ranges` as the body of a regex character class, in escapes Python's `re` reads."""
    return "".join(_escape(low) if low == high else f"{_escape(low)}-{_escape(high)}" for low, high in ranges)


def _escape(code: int) -> str:
    return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"


# regex_class_of(refused_ranges()) for Unicode 14.0.0 (Python 3.11), precomputed to keep imports fast;
# another Python's tables are scanned at import instead (edge_test checks that both agree).
_UNICODE_VERSION = "14.0.0"
_REFUSED_CLASS_14 = (
    "\\u0000-\\u001F\\u007F-\\u009F\\u00AD\\u0600-\\u0605\\u061C\\u06DD\\u070F\\u0890-\\u0891\\u08E2\\u180E"
    "\\u200B\\u200E-\\u200F\\u2028-\\u202E\\u2060-\\u2064\\u2066-\\u206F\\uFEFF\\uFFF9-\\uFFFB\\U000110BD"
    "\\U000110CD\\U00013430-\\U00013438\\U0001BCA0-\\U0001BCA3\\U0001D173-\\U0001D17A\\U000E0001"
    "\\U000E0020-\\U000E007F"
)
_REFUSED_CLASS = (
    _REFUSED_CLASS_14 if unicodedata.unidata_version == _UNICODE_VERSION else regex_class_of(refused_ranges())
)

TEXT_PATTERN = f"^[^{_REFUSED_CLASS}]*$"
"""JSON Schema `pattern` of text that passes `clean_text` (length aside; Python regex escapes)."""
REQUIRED_TEXT_PATTERN = f"^[^{_REFUSED_CLASS}]*[^{_REFUSED_CLASS}\\s][^{_REFUSED_CLASS}]*$"
"""TEXT_PATTERN for text that must not be blank: at least one character that is not whitespace."""
