"""The edge rules every LeadFactory server shares: one domain rule, one text rule, header decoding, bounded and
timed request bodies, honest 405s, one 422 body without echoes, and the uvicorn limits (see d0_gateway/README.md).

batch_runner and lead_explorer both sit above d0_gateway, so this is the lowest layer both can import.
"""

from batch_runner.edge.asgi import (
    DEFAULT_GUARD_LIMITS,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_READ_TIMEOUT,
    GuardLimits,
    RequestGuard,
)
from batch_runner.edge.domains import MAX_DOMAIN_INPUT_LENGTH, normalize_domain
from batch_runner.edge.emails import MAX_EMAIL_LENGTH, NOT_SPECIAL_USE_SCHEMA, normalize_email
from batch_runner.edge.errors import InvalidFieldError
from batch_runner.edge.openapi import BODY_STATUSES, EDGE_ERROR_SCHEMA, document_edge_responses
from batch_runner.edge.serving import (
    DEFAULT_KEEP_ALIVE_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
    MAX_HEADER_BYTES,
    HeaderDeadlineProtocol,
    ServerLimits,
    add_limit_arguments,
    limits_from,
    uvicorn_options,
)
from batch_runner.edge.text import (
    ALLOWED_FORMAT_CHARACTERS,
    MAX_TEXT_LENGTH,
    REQUIRED_TEXT_PATTERN,
    TEXT_PATTERN,
    clean_text,
    decode_header_text,
    is_refused_character,
)
from batch_runner.edge.validation import (
    install_validation_handler,
    printable_message,
    validation_error_body,
    validation_item,
)

__all__ = [
    "ALLOWED_FORMAT_CHARACTERS",
    "BODY_STATUSES",
    "DEFAULT_GUARD_LIMITS",
    "DEFAULT_KEEP_ALIVE_TIMEOUT",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_READ_TIMEOUT",
    "EDGE_ERROR_SCHEMA",
    "MAX_DOMAIN_INPUT_LENGTH",
    "MAX_EMAIL_LENGTH",
    "MAX_HEADER_BYTES",
    "NOT_SPECIAL_USE_SCHEMA",
    "MAX_TEXT_LENGTH",
    "REQUIRED_TEXT_PATTERN",
    "TEXT_PATTERN",
    "GuardLimits",
    "HeaderDeadlineProtocol",
    "InvalidFieldError",
    "RequestGuard",
    "ServerLimits",
    "add_limit_arguments",
    "clean_text",
    "decode_header_text",
    "document_edge_responses",
    "install_validation_handler",
    "is_refused_character",
    "limits_from",
    "normalize_domain",
    "normalize_email",
    "printable_message",
    "uvicorn_options",
    "validation_error_body",
    "validation_item",
]
