from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import create_engine

from d0_gateway import CostLedger, LedgerError, Outcome
from d0_gateway.policies.cost_ledger import from_micros, month_bounds, to_micros
from testing import FakeClock


@pytest.fixture
def ledger(fake_clock):
    return CostLedger(clock=fake_clock)


def test_records_provider_operation_cost_outcome_and_campaign(ledger, fake_clock):
    entry = ledger.record(
        "hunter", "email_finder", Decimal("0.049"), Outcome.SUCCESS, campaign_id="c-1", status_code=200
    )
    assert ledger.entries() == [entry]
    assert (entry.provider, entry.operation, entry.cost, entry.outcome, entry.campaign_id) == (
        "hunter",
        "email_finder",
        Decimal("0.049"),
        Outcome.SUCCESS,
        "c-1",
    )
    assert entry.occurred_at == fake_clock.now()
    assert entry.day == date(2026, 1, 5)


def test_total_sums_exactly_by_provider_and_campaign(ledger):
    for _ in range(3):
        ledger.record("google_places", "find_place", Decimal("0.017"), Outcome.SUCCESS, campaign_id="c-1")
    ledger.record("hunter", "email_finder", Decimal("0.049"), Outcome.SUCCESS, campaign_id="c-2")
    assert ledger.total() == Decimal("0.1")
    assert ledger.total(provider="google_places") == Decimal("0.051")
    assert ledger.total(campaign_id="c-2") == Decimal("0.049")
    assert ledger.total(provider="hunter", campaign_id="c-1") == 0


def test_day_and_month_queries_use_the_utc_day_of_each_call(fake_clock):
    clock = FakeClock(start=datetime(2026, 1, 30, 23, 0, tzinfo=UTC))
    ledger = CostLedger(clock=clock)
    ledger.record("semrush", "domain_overview", Decimal("1"), Outcome.SUCCESS)
    clock.advance(2 * 3600)  # 2026-01-31 01:00
    ledger.record("semrush", "domain_overview", Decimal("2"), Outcome.SUCCESS)
    clock.advance(24 * 3600)  # 2026-02-01 01:00
    ledger.record("semrush", "domain_overview", Decimal("4"), Outcome.SUCCESS)
    assert ledger.total(day=date(2026, 1, 31)) == 2
    assert ledger.month_total(date(2026, 1, 15)) == 3
    assert ledger.month_total(date(2026, 2, 1), provider="semrush") == 4
    assert ledger.daily_totals() == {date(2026, 1, 30): 1, date(2026, 1, 31): 2, date(2026, 2, 1): 4}


def test_month_total_handles_december(ledger):
    clock = FakeClock(start=datetime(2025, 12, 31, 12, 0, tzinfo=UTC))
    december = CostLedger(clock=clock)
    december.record("openai", "chat", Decimal("0.5"), Outcome.SUCCESS)
    assert december.month_total(date(2025, 12, 1)) == Decimal("0.5")
    assert december.month_total(date(2026, 1, 1)) == 0


def test_totals_by_provider_and_entries_filtered_by_campaign(ledger):
    ledger.record("hunter", "email_finder", Decimal("0.049"), Outcome.SUCCESS, campaign_id="c-1")
    ledger.record("openai", "chat", Decimal("0.002"), Outcome.SUCCESS, campaign_id="c-1")
    ledger.record("openai", "chat", Decimal(0), Outcome.FAILED, campaign_id="c-2", status_code=503)
    assert ledger.totals_by_provider(campaign_id="c-1") == {"hunter": Decimal("0.049"), "openai": Decimal("0.002")}
    assert [e.outcome for e in ledger.entries(campaign_id="c-2")] == [Outcome.FAILED]
    assert ledger.entries(provider="openai", day=date(2026, 1, 5), campaign_id="c-2")[0].status_code == 503


@pytest.mark.parametrize(
    "provider, operation, cost",
    [("", "op", Decimal(1)), ("p", "", Decimal(1)), ("p", "op", Decimal(-1)), ("p", "op", Decimal("NaN"))],
)
def test_invalid_entries_are_rejected_and_nothing_is_written(ledger, provider, operation, cost):
    with pytest.raises(LedgerError):
        ledger.record(provider, operation, cost, Outcome.SUCCESS)
    assert ledger.entries() == []


def test_from_url_persists_to_a_sqlite_file(tmp_path, fake_clock):
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    CostLedger.from_url(url, clock=fake_clock).record("stripe", "create_checkout_session", Decimal(0), Outcome.SUCCESS)
    assert len(CostLedger(create_engine(url), clock=fake_clock).entries()) == 1


def test_in_memory_url_gives_a_private_database(fake_clock):
    first, second = (
        CostLedger.from_url("sqlite://", clock=fake_clock),
        CostLedger.from_url("sqlite:///:memory:", clock=fake_clock),
    )
    first.record("hunter", "email_finder", Decimal(1), Outcome.SUCCESS)
    assert second.entries() == []


@pytest.mark.parametrize(
    "day, bounds",
    [
        (date(2025, 12, 15), (date(2025, 12, 1), date(2026, 1, 1))),
        (date(2026, 1, 31), (date(2026, 1, 1), date(2026, 2, 1))),
        (date(2026, 2, 1), (date(2026, 2, 1), date(2026, 3, 1))),
    ],
)
def test_month_bounds_are_the_first_of_the_month_and_of_the_next_when_given_any_day(day, bounds):
    assert month_bounds(day) == bounds


def test_december_total_excludes_january_of_the_next_year_when_both_have_spend():
    clock = FakeClock(start=datetime(2025, 12, 31, 12, 0, tzinfo=UTC))
    ledger = CostLedger(clock=clock)
    ledger.record("openai", "chat", Decimal("0.5"), Outcome.SUCCESS)
    clock.advance(24 * 3600)
    ledger.record("openai", "chat", Decimal("2"), Outcome.SUCCESS)
    assert ledger.month_total(date(2025, 12, 1)) == Decimal("0.5")


def test_daily_totals_keep_only_the_provider_and_campaign_asked_for_when_filtered(ledger):
    ledger.record("hunter", "email_finder", Decimal("1"), Outcome.SUCCESS, campaign_id="c-1")
    ledger.record("openai", "chat", Decimal("2"), Outcome.SUCCESS, campaign_id="c-1")
    ledger.record("hunter", "email_finder", Decimal("4"), Outcome.SUCCESS, campaign_id="c-2")
    assert ledger.daily_totals(provider="hunter") == {date(2026, 1, 5): Decimal(5)}
    assert ledger.daily_totals(campaign_id="c-1") == {date(2026, 1, 5): Decimal(3)}


def test_totals_by_provider_keep_only_the_campaign_and_day_asked_for_when_filtered(fake_clock):
    ledger = CostLedger(clock=fake_clock)
    ledger.record("hunter", "email_finder", Decimal("1"), Outcome.SUCCESS, campaign_id="c-1")
    ledger.record("hunter", "email_finder", Decimal("2"), Outcome.SUCCESS, campaign_id="c-2")
    fake_clock.advance(24 * 3600)
    ledger.record("hunter", "email_finder", Decimal("4"), Outcome.SUCCESS, campaign_id="c-1")
    assert ledger.totals_by_provider(campaign_id="c-1") == {"hunter": Decimal(5)}
    assert ledger.totals_by_provider(day=date(2026, 1, 5)) == {"hunter": Decimal(3)}


def test_month_total_keeps_only_the_provider_and_campaign_asked_for_when_filtered(ledger):
    ledger.record("hunter", "email_finder", Decimal("1"), Outcome.SUCCESS, campaign_id="c-1")
    ledger.record("openai", "chat", Decimal("2"), Outcome.SUCCESS, campaign_id="c-1")
    ledger.record("hunter", "email_finder", Decimal("4"), Outcome.SUCCESS, campaign_id="c-2")
    assert ledger.month_total(date(2026, 1, 20), provider="hunter") == Decimal(5)
    assert ledger.month_total(date(2026, 1, 20), campaign_id="c-1") == Decimal(3)


@pytest.mark.parametrize(
    "dollars, micros",
    [(Decimal("0.0000005"), 1), (Decimal("0.0000004"), 0), (Decimal("1.25"), 1_250_000), (Decimal("0.0000015"), 2)],
)
def test_costs_are_stored_as_micro_dollars_rounded_half_up(dollars, micros):
    assert to_micros(dollars) == micros


def test_micro_dollars_read_back_as_normalized_dollars():
    assert str(from_micros(1_250_000)) == "1.25" and from_micros(0) == 0 and str(from_micros(0)) == "0"


@pytest.mark.parametrize(
    "provider, operation, cost, message",
    [
        ("", "op", Decimal(1), r"^ledger entry needs a provider and an operation \(got '', 'op'\)$"),
        ("p", "op", Decimal(-1), r"^p op: cost must be a finite amount >= 0, got -1$"),
        ("p", "op", Decimal("Infinity"), r"^p op: cost must be a finite amount >= 0, got Infinity$"),
    ],
)
def test_an_invalid_entry_is_refused_naming_what_was_wrong(ledger, provider, operation, cost, message):
    with pytest.raises(LedgerError, match=message):
        ledger.record(provider, operation, cost, Outcome.SUCCESS)


def test_a_free_call_is_recorded_at_zero(ledger):
    assert ledger.record("stripe", "create_checkout_session", Decimal(0), Outcome.SUCCESS).cost == 0


def test_a_call_is_dated_by_its_utc_day_when_the_clock_is_in_another_zone():
    clock = FakeClock(start=datetime(2026, 1, 5, 20, 0, tzinfo=timezone(timedelta(hours=-5))))
    entry = CostLedger(clock=clock).record("hunter", "email_finder", Decimal(1), Outcome.SUCCESS)
    assert entry.day == date(2026, 1, 6) and entry.occurred_at == datetime(2026, 1, 6, 1, 0, tzinfo=UTC)


def test_entries_and_totals_honour_start_inclusive_and_end_exclusive():
    clock = FakeClock(start=datetime(2026, 1, 1, 12, 0, tzinfo=UTC))
    ledger = CostLedger(clock=clock)
    for amount in ("1", "2", "4"):
        ledger.record("hunter", "email_finder", Decimal(amount), Outcome.SUCCESS)
        clock.advance(24 * 3600)
    assert ledger.total(start=date(2026, 1, 2), end=date(2026, 1, 3)) == 2
    assert [e.cost for e in ledger.entries(start=date(2026, 1, 2))] == [2, 4]
    assert [e.cost for e in ledger.entries(end=date(2026, 1, 2))] == [1]
