"""Budget guardrails: daily and monthly spend limits, global and per provider, checked before each call."""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal

from d0_gateway.clock import Clock
from d0_gateway.errors import BudgetExceeded
from d0_gateway.policies.cost_ledger import CostLedger

logger = logging.getLogger(__name__)


class Priority(enum.StrEnum):
    """How much a call matters; only CRITICAL may go past a budget limit, and only when asked explicitly."""

    NORMAL = "normal"
    CRITICAL = "critical"


@dataclass(frozen=True)
class BudgetLimits:
    """Spend limits in dollars; None means no limit for that period."""

    daily: Decimal | None = None
    monthly: Decimal | None = None

    def __post_init__(self) -> None:
        for period, limit in (("daily", self.daily), ("monthly", self.monthly)):
            if limit is not None and Decimal(limit) < 0:
                raise ValueError(f"{period} budget limit must be >= 0, got {limit}")


@dataclass(frozen=True)
class BudgetWarning:
    """Spend (including the call about to be made) reached `threshold` of a limit."""

    provider: str
    scope: str
    period: str
    limit: Decimal
    spent: Decimal
    estimate: Decimal
    threshold: float
    bypassed: bool = False


WarningListener = Callable[[BudgetWarning], None]


class BudgetGuard:
    """Blocks a call with BudgetExceeded when it would pass a limit; reports warnings near a limit.

    Spend is read from the cost ledger: the current UTC day and calendar month, for the provider
    (per-provider limits) and for all providers together (global limits).
    """

    def __init__(
        self,
        ledger: CostLedger,
        clock: Clock,
        *,
        global_limits: BudgetLimits | None = None,
        provider_limits: Mapping[str, BudgetLimits] | None = None,
        warning_threshold: float = 0.8,
        on_warning: WarningListener | None = None,
    ) -> None:
        if not 0 < warning_threshold <= 1:
            raise ValueError(f"budget warning_threshold must be in (0, 1], got {warning_threshold}")
        self.ledger = ledger
        self.global_limits = global_limits or BudgetLimits()
        self.provider_limits = dict(provider_limits or {})
        self.warning_threshold = warning_threshold
        self._clock = clock
        self._on_warning = on_warning

    def check(
        self, provider: str, estimate: Decimal = Decimal(0), priority: Priority = Priority.NORMAL
    ) -> list[BudgetWarning]:
        """Raises BudgetExceeded if the call may not go ahead; returns the warnings it triggered."""
        estimate = Decimal(estimate)
        warnings: list[BudgetWarning] = []
        for scope, period, limit in self._applicable(provider):
            spent = self._spent(provider if scope == "provider" else None, period)
            over = spent >= limit or spent + estimate > limit
            if over and priority is not Priority.CRITICAL:
                raise BudgetExceeded(provider, scope, period, limit, spent, estimate)
            if over or spent + estimate >= limit * Decimal(str(self.warning_threshold)):
                warnings.append(
                    BudgetWarning(
                        provider, scope, period, limit, spent, estimate, self.warning_threshold, bypassed=over
                    )
                )
        for warning in warnings:
            logger.warning(
                "%s: %s %s budget at $%s of $%s%s",
                warning.provider,
                warning.period,
                warning.scope,
                warning.spent + warning.estimate,
                warning.limit,
                " (bypassed by a critical call)" if warning.bypassed else "",
            )
            if self._on_warning is not None:
                self._on_warning(warning)
        return warnings

    def _applicable(self, provider: str) -> list[tuple[str, str, Decimal]]:
        found = []
        for scope, limits in (("provider", self.provider_limits.get(provider)), ("global", self.global_limits)):
            if limits is None:
                continue
            for period, limit in (("daily", limits.daily), ("monthly", limits.monthly)):
                if limit is not None:
                    found.append((scope, period, Decimal(limit)))
        return found

    def _spent(self, provider: str | None, period: str) -> Decimal:
        today = self._clock.now().astimezone(UTC).date()
        if period == "daily":
            return self.ledger.total(provider=provider, day=today)
        return self.ledger.month_total(today, provider=provider)
