"""lead_explorer: how a person sees and curates leads: a lead CRUD API over a SQLAlchemy repository with a
tamper-evident audit trail and quick-add with background enrichment (through batch_runner by default,
see batch_enrichment.py). See lead_explorer/README.md.
"""

from lead_explorer.api import create_app
from lead_explorer.audit import (
    GENESIS_CHECKSUM,
    AuditAction,
    AuditChainReport,
    canonical_json,
    entry_checksum,
    verify_audit_chain,
)
from lead_explorer.batch_enrichment import (
    DEFAULT_TASK_BUDGET,
    BatchRunnerEnricher,
    GatewayEnrichment,
    batch_lead,
    enrichment_batch_id,
    gateway_enrichment_pipeline,
)
from lead_explorer.database import create_database_engine, create_schema, session_factory
from lead_explorer.demo_data import DemoLead, demo_leads, load_demo_leads
from lead_explorer.enrichment import Enricher, EnrichmentResult, EnrichmentRunner, OfflineEnricher
from lead_explorer.errors import (
    BatchEnrichmentError,
    DatabaseConfigurationError,
    DuplicateLeadError,
    EnrichmentBatchFailedError,
    EnrichmentBatchIncompleteError,
    EnrichmentTaskNotFoundError,
    EnrichmentTransitionError,
    LeadExplorerError,
    LeadIdentityError,
    LeadNotEnrichableError,
    LeadNotFoundError,
    LeadValidationError,
    WriteConflictError,
)
from lead_explorer.models import AuditEntry, Base, EnrichmentStatus, Lead
from lead_explorer.normalization import normalize_domain, normalize_email, normalize_text
from lead_explorer.records import AuditRecord, LeadPage, LeadRecord
from lead_explorer.repository import Clock, LeadFilters, LeadRepository, SystemClock

__all__ = [
    "DEFAULT_TASK_BUDGET",
    "GENESIS_CHECKSUM",
    "AuditAction",
    "AuditChainReport",
    "AuditEntry",
    "AuditRecord",
    "Base",
    "BatchEnrichmentError",
    "BatchRunnerEnricher",
    "Clock",
    "DatabaseConfigurationError",
    "DemoLead",
    "DuplicateLeadError",
    "Enricher",
    "EnrichmentBatchFailedError",
    "EnrichmentBatchIncompleteError",
    "EnrichmentResult",
    "EnrichmentRunner",
    "EnrichmentStatus",
    "EnrichmentTaskNotFoundError",
    "EnrichmentTransitionError",
    "GatewayEnrichment",
    "Lead",
    "LeadExplorerError",
    "LeadFilters",
    "LeadNotEnrichableError",
    "LeadIdentityError",
    "LeadNotFoundError",
    "LeadPage",
    "LeadRecord",
    "LeadRepository",
    "LeadValidationError",
    "OfflineEnricher",
    "SystemClock",
    "WriteConflictError",
    "batch_lead",
    "canonical_json",
    "create_app",
    "create_database_engine",
    "create_schema",
    "demo_leads",
    "enrichment_batch_id",
    "entry_checksum",
    "gateway_enrichment_pipeline",
    "load_demo_leads",
    "normalize_domain",
    "normalize_email",
    "normalize_text",
    "session_factory",
    "verify_audit_chain",
]
