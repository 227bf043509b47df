"""Test builders for lead_explorer and any lead-shaped API: seeded lead payloads, predictable ids, and
Hypothesis strategies that generate requests (valid and invalid) from an OpenAPI document.
"""

from testing.leads.builders import LEAD_SOURCES, SequentialIds, lead_payload, lead_payloads
from testing.leads.openapi_strategies import (
    OpenApiRequest,
    Operation,
    Parameter,
    SchemaValues,
    UnsupportedSchemaError,
    json_values,
    openapi_requests,
    operations,
)

__all__ = [
    "LEAD_SOURCES",
    "OpenApiRequest",
    "Operation",
    "Parameter",
    "SchemaValues",
    "SequentialIds",
    "UnsupportedSchemaError",
    "json_values",
    "lead_payload",
    "lead_payloads",
    "openapi_requests",
    "operations",
]
