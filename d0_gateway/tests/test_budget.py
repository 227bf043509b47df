import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from d0_gateway import BudgetExceeded, BudgetGuard, BudgetLimits, CostLedger, Outcome, Priority
from testing import FakeClock


@pytest.fixture
def ledger(fake_clock):
    return CostLedger(clock=fake_clock)


def spend(ledger, provider, amount):
    ledger.record(provider, "op", Decimal(amount), Outcome.SUCCESS)


def guard(ledger, clock, warnings=None, **kwargs):
    return BudgetGuard(ledger, clock, on_warning=warnings.append if warnings is not None else None, **kwargs)


def test_call_within_every_limit_passes_without_warnings(ledger, fake_clock):
    spend(ledger, "hunter", "1")
    assert (
        guard(ledger, fake_clock, provider_limits={"hunter": BudgetLimits(daily=Decimal(10))}).check(
            "hunter", Decimal("1")
        )
        == []
    )


def test_provider_daily_limit_blocks_the_call_that_would_pass_it(ledger, fake_clock):
    spend(ledger, "hunter", "9.99")
    budget = guard(ledger, fake_clock, provider_limits={"hunter": BudgetLimits(daily=Decimal(10))})
    with pytest.raises(BudgetExceeded) as caught:
        budget.check("hunter", Decimal("0.05"))
    error = caught.value
    assert (error.scope, error.period, error.limit, error.spent, error.estimate) == (
        "provider",
        "daily",
        Decimal(10),
        Decimal("9.99"),
        Decimal("0.05"),
    )
    assert "hunter: daily provider budget of $10" in str(error)


def test_a_free_call_is_blocked_once_spend_reaches_the_limit(ledger, fake_clock):
    spend(ledger, "semrush", "5")
    with pytest.raises(BudgetExceeded):
        guard(ledger, fake_clock, provider_limits={"semrush": BudgetLimits(daily=Decimal(5))}).check(
            "semrush", Decimal(0)
        )


def test_global_monthly_limit_counts_every_provider(ledger, fake_clock):
    spend(ledger, "hunter", "30")
    spend(ledger, "openai", "60")
    budget = guard(ledger, fake_clock, global_limits=BudgetLimits(monthly=Decimal(100)))
    with pytest.raises(BudgetExceeded) as caught:
        budget.check("semrush", Decimal(11))
    assert (caught.value.scope, caught.value.period) == ("global", "monthly")


def test_yesterdays_spend_does_not_count_against_today(ledger):
    clock = FakeClock(start=datetime(2026, 3, 9, 23, 30, tzinfo=UTC))
    ledger = CostLedger(clock=clock)
    spend(ledger, "hunter", "10")
    clock.advance(3600)
    assert (
        guard(ledger, clock, provider_limits={"hunter": BudgetLimits(daily=Decimal(10))}).check("hunter", Decimal(1))
        == []
    )


def test_warns_when_spend_reaches_the_threshold(ledger, fake_clock):
    warnings = []
    spend(ledger, "openai", "7.5")
    budget = guard(
        ledger, fake_clock, warnings, provider_limits={"openai": BudgetLimits(daily=Decimal(10))}, warning_threshold=0.8
    )
    returned = budget.check("openai", Decimal("0.5"))
    assert returned == warnings
    assert [(w.scope, w.period, w.spent, w.bypassed) for w in warnings] == [
        ("provider", "daily", Decimal("7.5"), False)
    ]


def test_critical_priority_bypasses_the_limit_explicitly_with_a_warning(ledger, fake_clock):
    warnings = []
    spend(ledger, "sendgrid", "20")
    budget = guard(ledger, fake_clock, warnings, global_limits=BudgetLimits(daily=Decimal(20)))
    budget.check("sendgrid", Decimal("0.001"), Priority.CRITICAL)
    assert [w.bypassed for w in warnings] == [True]


@pytest.mark.parametrize("threshold", [0, 1.5])
def test_invalid_warning_threshold_is_rejected(ledger, fake_clock, threshold):
    with pytest.raises(ValueError, match="warning_threshold"):
        guard(ledger, fake_clock, warning_threshold=threshold)


def test_negative_limit_is_rejected():
    with pytest.raises(ValueError, match="daily budget limit"):
        BudgetLimits(daily=Decimal(-1))


def test_blocked_call_error_names_provider_limit_spend_and_estimate_when_over(ledger, fake_clock):
    spend(ledger, "hunter", "9.99")
    budget = guard(ledger, fake_clock, provider_limits={"hunter": BudgetLimits(daily=Decimal(10))})
    with pytest.raises(BudgetExceeded) as caught:
        budget.check("hunter", Decimal("0.05"))
    assert caught.value.provider == "hunter"
    assert str(caught.value) == (
        "hunter: daily provider budget of $10 reached (spent $9.99, this call $0.05); blocked before sending"
    )


@pytest.mark.parametrize("period", ["daily", "monthly"])
def test_provider_limit_counts_only_that_providers_spend_when_others_spent(ledger, fake_clock, period):
    spend(ledger, "openai", "9.99")
    budget = guard(ledger, fake_clock, provider_limits={"hunter": BudgetLimits(**{period: Decimal(10)})})
    assert budget.check("hunter", Decimal(1)) == []


def test_budget_days_are_utc_days_whatever_the_machines_time_zone(ledger, monkeypatch):
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    try:
        clock = FakeClock(start=datetime(2026, 3, 10, 2, 0, tzinfo=UTC))  # 2026-03-09 in Los Angeles
        ledger = CostLedger(clock=clock)
        spend(ledger, "hunter", "10")
        with pytest.raises(BudgetExceeded):
            guard(ledger, clock, provider_limits={"hunter": BudgetLimits(daily=Decimal(10))}).check("hunter")
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_call_that_lands_exactly_on_the_limit_goes_ahead_with_a_warning(ledger, fake_clock):
    warnings = []
    spend(ledger, "hunter", "9")
    budget = guard(ledger, fake_clock, warnings, provider_limits={"hunter": BudgetLimits(daily=Decimal(10))})
    budget.check("hunter", Decimal(1))
    assert [(w.spent, w.estimate, w.limit, w.bypassed) for w in warnings] == [
        (Decimal(9), Decimal(1), Decimal(10), False)
    ]


def test_no_warning_just_below_the_threshold(ledger, fake_clock):
    spend(ledger, "hunter", "7.99")
    budget = guard(ledger, fake_clock, provider_limits={"hunter": BudgetLimits(daily=Decimal(10))})
    assert budget.check("hunter", Decimal(0)) == []


def test_the_default_warning_threshold_is_eighty_percent(ledger, fake_clock):
    spend(ledger, "hunter", "8")
    budget = guard(ledger, fake_clock, provider_limits={"hunter": BudgetLimits(daily=Decimal(10))})
    [warning] = budget.check("hunter")
    assert warning.threshold == 0.8


def test_a_warning_threshold_of_one_warns_only_at_the_limit(ledger, fake_clock):
    spend(ledger, "hunter", "9.99")
    budget = guard(ledger, fake_clock, provider_limits={"hunter": BudgetLimits(daily=Decimal(10))}, warning_threshold=1)
    assert budget.check("hunter", Decimal(0)) == []
    assert len(budget.check("hunter", Decimal("0.01"))) == 1


def test_both_provider_and_global_limits_are_checked_provider_first(ledger, fake_clock):
    warnings = []
    spend(ledger, "hunter", "9")
    budget = guard(
        ledger,
        fake_clock,
        warnings,
        provider_limits={"hunter": BudgetLimits(daily=Decimal(10), monthly=Decimal(10))},
        global_limits=BudgetLimits(daily=Decimal(10)),
    )
    budget.check("hunter", Decimal(0))
    assert [(w.scope, w.period) for w in warnings] == [
        ("provider", "daily"),
        ("provider", "monthly"),
        ("global", "daily"),
    ]


def test_a_warning_is_logged_with_spend_limit_and_bypass(ledger, fake_clock, caplog):
    spend(ledger, "sendgrid", "20")
    budget = guard(ledger, fake_clock, global_limits=BudgetLimits(daily=Decimal(20)))
    with caplog.at_level("WARNING", logger="d0_gateway.policies.budget"):
        budget.check("sendgrid", Decimal("0.001"), Priority.CRITICAL)
    assert caplog.messages == ["sendgrid: daily global budget at $20.001 of $20 (bypassed by a critical call)"]


def test_a_negative_monthly_limit_is_refused_naming_it():
    with pytest.raises(ValueError, match=r"^monthly budget limit must be >= 0, got -1$"):
        BudgetLimits(monthly=Decimal(-1))


def test_a_zero_limit_is_accepted():
    assert BudgetLimits(daily=Decimal(0)).daily == 0


def test_an_invalid_warning_threshold_message_names_the_value(ledger, fake_clock):
    with pytest.raises(ValueError, match=r"^budget warning_threshold must be in \(0, 1\], got 1.5$"):
        guard(ledger, fake_clock, warning_threshold=1.5)
