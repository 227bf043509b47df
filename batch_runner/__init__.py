"""batch_runner: runs batches of leads through paid provider steps on asyncio, crash-safe and resumable.

A batch is validated (leads.py), priced (cost.py), checkpointed (checkpoint.py), approved when over
budget, then run (runner.py) with bounded concurrency, retries and progress events (progress.py). The
CLI (cli.py) and the HTTP API (api.py) drive the same BatchRunner. Steps reach providers through
small protocols (providers.py); gateway_providers.py serves them with d0_gateway's clients.
"""

from batch_runner.checkpoint import BatchSnapshot, CheckpointStore, LeadResult, batch_fingerprint
from batch_runner.cost import (
    DEFAULT_PRICE_BOOK,
    MAX_AMOUNT_USD,
    CostPreview,
    PriceBook,
    ProviderCost,
    ProviderPrice,
    VolumeTier,
    check_amount,
    preview_cost,
)
from batch_runner.errors import (
    ApprovalTooLowError,
    BatchConflictError,
    BatchNotFoundError,
    BatchRunnerError,
    BudgetApprovalRequiredError,
    DuplicateLeadsError,
    InvalidAmountError,
    InvalidBatchError,
    LeadInputError,
    LeadProblem,
    LeadTimeoutError,
    PermanentStepError,
    RetryableStepError,
    StaleRunError,
    StepError,
    StepFailedError,
    UnknownProviderError,
)
from batch_runner.gateway_providers import (
    HunterEnrichmentProvider,
    PageSpeedAssessmentProvider,
    gateway_pipeline,
    gateway_price_book,
    step_error,
)
from batch_runner.leads import REQUIRED_COLUMNS, Lead, load_leads_csv, normalize_domain, parse_leads_csv, validate_leads
from batch_runner.money import format_usd, to_money
from batch_runner.progress import ProgressBus, ProgressEvent, ProgressSubscription, ProgressTracker
from batch_runner.providers import AssessmentProvider, EnrichmentProvider
from batch_runner.retry import RetryPolicy, is_retryable
from batch_runner.runner import BatchRunner, RunSettings
from batch_runner.steps import EnrichmentStep, Pipeline, PipelineStep, WebsiteAssessmentStep, standard_pipeline
from d0_gateway import Clock, SystemClock

__all__ = [
    "DEFAULT_PRICE_BOOK",
    "MAX_AMOUNT_USD",
    "REQUIRED_COLUMNS",
    "ApprovalTooLowError",
    "AssessmentProvider",
    "BatchConflictError",
    "BatchNotFoundError",
    "BatchRunner",
    "BatchRunnerError",
    "BatchSnapshot",
    "BudgetApprovalRequiredError",
    "DuplicateLeadsError",
    "InvalidAmountError",
    "CheckpointStore",
    "Clock",
    "CostPreview",
    "EnrichmentProvider",
    "EnrichmentStep",
    "HunterEnrichmentProvider",
    "InvalidBatchError",
    "Lead",
    "LeadInputError",
    "LeadProblem",
    "LeadResult",
    "LeadTimeoutError",
    "PermanentStepError",
    "PageSpeedAssessmentProvider",
    "Pipeline",
    "PipelineStep",
    "PriceBook",
    "ProgressBus",
    "ProgressEvent",
    "ProgressSubscription",
    "ProgressTracker",
    "ProviderCost",
    "ProviderPrice",
    "RetryPolicy",
    "RetryableStepError",
    "RunSettings",
    "StaleRunError",
    "StepError",
    "StepFailedError",
    "SystemClock",
    "UnknownProviderError",
    "VolumeTier",
    "WebsiteAssessmentStep",
    "batch_fingerprint",
    "check_amount",
    "format_usd",
    "gateway_pipeline",
    "gateway_price_book",
    "is_retryable",
    "load_leads_csv",
    "normalize_domain",
    "parse_leads_csv",
    "preview_cost",
    "standard_pipeline",
    "step_error",
    "to_money",
    "validate_leads",
]
