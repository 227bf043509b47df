"""The HTTP API's request and response bodies; request fields are normalised by the same rules as the repository."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING, Any, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, create_model, field_validator

from lead_explorer.models import EnrichmentStatus
from lead_explorer.normalization import (
    MAX_DOMAIN_INPUT_LENGTH,
    MAX_EMAIL_LENGTH,
    normalize_domain,
    normalize_email,
    normalize_text,
)
from lead_explorer.records import LeadRecord

_EMAIL = Field(
    default=None,
    max_length=MAX_EMAIL_LENGTH,
    json_schema_extra={"format": "email"},
    examples=["jane.doe@acme-widgets.com"],
)
_DOMAIN = Field(
    default=None,
    max_length=MAX_DOMAIN_INPUT_LENGTH,
    json_schema_extra={"format": "hostname"},
    examples=["acme-widgets.com"],
)
_COMPANY = Field(default=None, max_length=200, examples=["Acme Widgets"])
_CONTACT = Field(default=None, max_length=200, examples=["Jane Doe"])
_SOURCE = Field(default=None, max_length=100, examples=["trade-show"])


class _LeadFields(BaseModel):
    """Fields a client may set on a lead; each is normalised (or rejected with a 422 naming it) on arrival."""

    model_config = ConfigDict(extra="forbid")

    email: str | None = _EMAIL
    domain: str | None = _DOMAIN
    company: str | None = _COMPANY
    contact_name: str | None = _CONTACT
    source: str | None = _SOURCE

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return normalize_email(value) if value is not None and value.strip() else None

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str | None) -> str | None:
        return normalize_domain(value) if value is not None and value.strip() else None

    @field_validator("company", "contact_name")
    @classmethod
    def _text(cls, value: str | None, info: ValidationInfo) -> str | None:
        return normalize_text(value, str(info.field_name))

    @field_validator("source")
    @classmethod
    def _source(cls, value: str | None) -> str | None:
        return normalize_text(value, "source", max_length=100)


class LeadCreate(_LeadFields):
    """Body of POST /leads: an email or a domain is required."""

    is_manual: bool = False


class QuickAddRequest(_LeadFields):
    """Body of POST /leads/quick-add: a lead typed in by a person, enriched in the background."""

    source: str | None = Field(default="quick-add", max_length=100)


class LeadUpdate(_LeadFields):
    """Body of PATCH /leads/{id}: only the fields present change; null clears a field."""

    is_manual: bool | None = None


def _required_fields_of(record: type[Any]) -> dict[str, Any]:
    """A dataclass's fields as pydantic field definitions, in declaration order, each required."""
    hints = get_type_hints(record)
    return {field.name: (hints[field.name], ...) for field in dataclasses.fields(record)}


# LeadOut has exactly LeadRecord's fields: the record is the one definition of what a stored lead holds.
if TYPE_CHECKING:
    _StoredLeadFields = BaseModel
else:
    _StoredLeadFields = create_model("_StoredLeadFields", **_required_fields_of(LeadRecord))


class LeadOut(_StoredLeadFields):
    """A stored lead."""

    model_config = ConfigDict(from_attributes=True)


class LeadPageOut(BaseModel):
    """A page of leads and the number of matches across all pages."""

    model_config = ConfigDict(from_attributes=True)

    items: list[LeadOut]
    total: int
    limit: int
    offset: int


class AuditEntryOut(BaseModel):
    """One entry of a lead's audit trail."""

    model_config = ConfigDict(from_attributes=True)

    sequence: int
    lead_id: str
    action: str
    actor: str
    occurred_at: datetime
    changed_fields: list[str]
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    previous_checksum: str
    checksum: str


class EnrichmentTaskOut(BaseModel):
    """Progress of one enrichment task."""

    task_id: str
    lead_id: str
    status: EnrichmentStatus
    error: str | None
    enriched_at: datetime | None
    updated_at: datetime


class QuickAddOut(BaseModel):
    """The lead created by quick-add and where to follow its enrichment."""

    lead: LeadOut
    task_id: str
    status_url: str


class AuditChainOut(BaseModel):
    """Result of verifying the audit log's checksum chain."""

    model_config = ConfigDict(from_attributes=True)

    valid: bool
    entries_checked: int
    head_checksum: str
    broken_at_sequence: int | None
    reason: str | None


class HealthOut(BaseModel):
    """Liveness of the service and its database."""

    status: str
    database: str


class ErrorOut(BaseModel):
    """An error that concerns the request as a whole (unknown id, conflicting state)."""

    detail: str


class DuplicateOut(BaseModel):
    """409 body when a unique field's value already belongs to another lead."""

    detail: str
    field: str
    existing_id: str
