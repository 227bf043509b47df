"""The HTTP API's request and response bodies; request fields are normalised by the same rules as the repository."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING, Any, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationInfo, create_model, field_validator
from pydantic.config import JsonDict

from batch_runner import edge
from lead_explorer.errors import LeadValidationError
from lead_explorer.models import EnrichmentStatus
from lead_explorer.normalization import (
    MAX_DOMAIN_INPUT_LENGTH,
    MAX_EMAIL_LENGTH,
    normalize_domain,
    normalize_email,
    normalize_text,
)
from lead_explorer.records import LeadRecord


@dataclasses.dataclass(frozen=True)
class _BlankOr:
    """Schema of an email/domain field: a formatted value, blank text (stored as null), or null.

    Applied when the OpenAPI document is generated (pydantic calls it with the field's schema)."""

    max_length: int
    formatted: dict[str, Any]

    def __call__(self, schema: dict[str, Any]) -> None:
        """Replaces the field's schema with its three alternatives."""
        schema["anyOf"] = [
            {"type": "string", "maxLength": self.max_length, **self.formatted},
            {"type": "string", "maxLength": self.max_length, "pattern": r"^\s*$"},
            {"type": "null"},
        ]


_EMAIL = Field(
    default=None,
    max_length=MAX_EMAIL_LENGTH,
    json_schema_extra=_BlankOr(MAX_EMAIL_LENGTH, {"format": "email", **edge.NOT_SPECIAL_USE_SCHEMA}),
    examples=["jane.doe@acme-widgets.com"],
)
_DOMAIN = Field(
    default=None,
    max_length=MAX_DOMAIN_INPUT_LENGTH,
    json_schema_extra=_BlankOr(MAX_DOMAIN_INPUT_LENGTH, {"format": "hostname"}),
    examples=["acme-widgets.com"],
)
_TEXT: JsonDict = {"pattern": edge.TEXT_PATTERN}
_COMPANY = Field(default=None, max_length=200, examples=["Acme Widgets"], json_schema_extra=_TEXT)
_CONTACT = Field(default=None, max_length=200, examples=["Jane Doe"], json_schema_extra=_TEXT)
_SOURCE = Field(default=None, max_length=100, examples=["trade-show"], json_schema_extra=_TEXT)

# A new lead needs an email or a domain that is not blank: stated in the schema as well as checked.
_NEEDS_EMAIL_OR_DOMAIN: JsonDict = {
    "anyOf": [
        {"required": [name], "properties": {name: {"type": "string", "pattern": r"\S"}}} for name in ("email", "domain")
    ]
}


def _without_default(schema: dict[str, Any]) -> None:
    """For PATCH fields: absent means unchanged, so the schema names no default."""
    schema.pop("default", None)


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
        return _without_echo(normalize_email, value) if value is not None and value.strip() else None

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str | None) -> str | None:
        return _without_echo(normalize_domain, value) if value is not None and value.strip() else None

    @field_validator("company", "contact_name")
    @classmethod
    def _text(cls, value: str | None, info: ValidationInfo) -> str | None:
        return _without_echo(normalize_text, value, info.field_name)

    @field_validator("source")
    @classmethod
    def _source(cls, value: str | None) -> str | None:
        return _without_echo(normalize_text, value, "source", max_length=100)


def _without_echo(rule: Any, value: Any, *args: Any, **kwargs: Any) -> Any:
    """Applies a normalisation rule; its refusal reaches the 422 as the reason alone, never the value."""
    try:
        return rule(value, *args, **kwargs)
    except LeadValidationError as error:
        raise ValueError(error.reason) from None


class LeadCreate(_LeadFields):
    """Body of POST /leads: an email or a domain is required."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_NEEDS_EMAIL_OR_DOMAIN)

    is_manual: StrictBool = False


class QuickAddRequest(_LeadFields):
    """Body of POST /leads/quick-add: a lead typed in by a person, enriched in the background."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_NEEDS_EMAIL_OR_DOMAIN)

    source: str | None = Field(default="quick-add", max_length=100, json_schema_extra=_TEXT)


class LeadUpdate(_LeadFields):
    """Body of PATCH /leads/{id}: only the fields present change; null clears a field (not `is_manual`)."""

    is_manual: StrictBool = Field(default=None, json_schema_extra=_without_default)  # type: ignore[assignment]


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
    """409 body when a unique field's value already belongs to another lead (`existing_id`), or when a change
    would leave the lead with neither email nor domain (`existing_id` null)."""

    detail: str
    field: str
    existing_id: str | None
