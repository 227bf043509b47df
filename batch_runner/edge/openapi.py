"""Declares in an app's OpenAPI document the statuses the edge itself answers, so the document is exact.

Every operation that takes a JSON body may get 400 (a body that is not JSON text, e.g. invalid UTF-8),
408 (the body stalled, see RequestGuard), 413 (the body is over the size limit) and 422 (validation).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

EDGE_ERROR_SCHEMA = "EdgeError"
_EDGE_ERROR = {
    "title": EDGE_ERROR_SCHEMA,
    "description": "An error about the request as a whole (too large, stalled, unreadable).",
    "type": "object",
    "properties": {"detail": {"type": "string", "title": "Detail"}},
    "required": ["detail"],
}
BODY_STATUSES: dict[str, str] = {
    "400": "The body is not readable JSON text",
    "408": "The request body stalled for longer than the read timeout",
    "413": "The request body is larger than the size limit",
}


def document_edge_responses(app: FastAPI, *, customize: Callable[[dict[str, Any]], None] | None = None) -> None:
    """Replaces `app.openapi` with one that adds the edge's statuses (and `customize`'s changes) once."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                description=app.description,
                routes=app.routes,
            )
            document.setdefault("components", {}).setdefault("schemas", {})[EDGE_ERROR_SCHEMA] = _EDGE_ERROR
            reference = {"$ref": f"#/components/schemas/{EDGE_ERROR_SCHEMA}"}
            for operations in document.get("paths", {}).values():
                for operation in operations.values():
                    if "requestBody" not in operation:
                        continue
                    for status, description in BODY_STATUSES.items():
                        operation["responses"].setdefault(
                            status, {"description": description, "content": {"application/json": {"schema": reference}}}
                        )
            if customize is not None:
                customize(document)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
