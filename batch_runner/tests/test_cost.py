from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from batch_runner import (
    DEFAULT_PRICE_BOOK,
    InvalidAmountError,
    PriceBook,
    ProviderPrice,
    UnknownProviderError,
    VolumeTier,
    check_amount,
    preview_cost,
    to_money,
)

TIERED = ProviderPrice("acme", Decimal("1.00"), (VolumeTier(2, Decimal("0.10")), VolumeTier(4, Decimal("0.50"))))


def test_calls_within_first_tier_cost_list_price():
    assert TIERED.price_of_calls(2) == Decimal("2.00")


def test_calls_past_a_threshold_are_discounted_only_past_it():
    # calls 1-2 at $1.00, 3-4 at $0.90, 5-6 at $0.50
    assert TIERED.price_of_calls(6) == Decimal("4.80")


def test_price_of_call_uses_the_tier_its_number_falls_in():
    assert [TIERED.price_of_call(number) for number in (1, 2, 3, 4, 5)] == [
        Decimal("1.00"),
        Decimal("1.00"),
        Decimal("0.90"),
        Decimal("0.90"),
        Decimal("0.50"),
    ]


def test_price_of_calls_continues_after_calls_already_made():
    assert TIERED.price_of_calls(2, already_made=3) == Decimal("1.40")


@given(st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=60))
def test_pricing_calls_in_two_parts_costs_the_same_as_in_one(first, second):
    whole = TIERED.price_of_calls(first + second)
    assert TIERED.price_of_calls(first) + TIERED.price_of_calls(second, already_made=first) == whole


@given(st.integers(min_value=1, max_value=40))
def test_price_of_calls_is_the_sum_of_each_calls_price(count):
    assert TIERED.price_of_calls(count) == sum(TIERED.price_of_call(number) for number in range(1, count + 1))


@given(st.integers(min_value=0, max_value=50))
def test_one_more_call_never_lowers_the_total(count):
    assert TIERED.price_of_calls(count + 1) >= TIERED.price_of_calls(count)


def test_preview_lists_each_provider_and_the_total():
    book = PriceBook.of([ProviderPrice("enrich", Decimal("0.05")), ProviderPrice("assess", Decimal("0.02"))])
    preview = preview_cost(["enrich", "assess"], 10, book)
    by_provider = {row.provider: row for row in preview.providers}
    assert (by_provider["enrich"].calls, by_provider["enrich"].cost) == (10, Decimal("0.50"))
    assert (by_provider["assess"].calls, by_provider["assess"].cost) == (10, Decimal("0.20"))
    assert preview.total == Decimal("0.70")
    assert preview.lead_count == 10


def test_preview_reports_the_volume_discount_separately():
    preview = preview_cost(["acme"], 6, PriceBook.of([TIERED]))
    (row,) = preview.providers
    assert (row.list_cost, row.discount, row.cost) == (Decimal("6.00"), Decimal("1.20"), Decimal("4.80"))


def test_provider_used_by_two_steps_is_billed_for_both():
    preview = preview_cost(["acme", "acme"], 2, PriceBook.of([TIERED]))
    (row,) = preview.providers
    assert row.calls == 4
    assert row.cost == Decimal("3.80")


def test_default_price_book_discounts_ten_percent_past_a_thousand_calls():
    preview = preview_cost(["enrichment"], 2000, DEFAULT_PRICE_BOOK)
    assert preview.total == to_money(Decimal("0.04") * 1000 + Decimal("0.036") * 1000)


def test_default_price_book_discounts_twenty_five_percent_past_ten_thousand_calls():
    price = DEFAULT_PRICE_BOOK.price("website_assessment")
    assert [price.price_of_call(n) for n in (1_000, 1_001, 10_000, 10_001)] == [
        Decimal("0.01"),
        Decimal("0.009"),
        Decimal("0.009"),
        Decimal("0.0075"),
    ]


def test_tier_from_the_first_call_discounts_every_call_when_after_calls_is_zero():
    price = ProviderPrice("acme", Decimal("1.00"), (VolumeTier(0, Decimal("0.20")),))
    assert price.price_of_call(1) == Decimal("0.80")


def test_tier_without_discount_is_accepted_and_keeps_the_list_price():
    price = ProviderPrice("acme", Decimal("1.00"), (VolumeTier(5, Decimal(0)),))
    assert price.price_of_call(6) == Decimal("1.00")


def test_preview_is_over_budget_only_when_strictly_above_it():
    preview = preview_cost(["acme"], 2, PriceBook.of([TIERED]))
    assert not preview.over_budget(Decimal("2.00"))
    assert preview.over_budget(Decimal("1.99"))


def test_unknown_provider_is_named_with_the_known_ones():
    with pytest.raises(UnknownProviderError, match=r"'scraper' \(priced: acme\)"):
        preview_cost(["scraper"], 1, PriceBook.of([TIERED]))


def test_empty_price_book_says_none_are_priced():
    with pytest.raises(UnknownProviderError, match="priced: none"):
        PriceBook().price("acme")


def test_provider_cannot_be_priced_twice():
    with pytest.raises(ValueError, match="priced twice"):
        PriceBook.of([TIERED, TIERED])


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: VolumeTier(-1, Decimal("0.1")), "after_calls"),
        (lambda: VolumeTier(10, Decimal("1")), "discount"),
        (lambda: ProviderPrice("x", Decimal("-0.01")), "unit_price"),
        (
            lambda: ProviderPrice("x", Decimal("1"), (VolumeTier(5, Decimal("0.1")), VolumeTier(5, Decimal("0.2")))),
            "increasing",
        ),
    ],
)
def test_invalid_prices_are_rejected_naming_the_field(build, message):
    with pytest.raises(ValueError, match=message):
        build()


@pytest.mark.parametrize(
    "call",
    [
        lambda: TIERED.price_of_call(0),
        lambda: TIERED.price_of_calls(-1),
        lambda: preview_cost(["acme"], -1, PriceBook.of([TIERED])),
    ],
)
def test_negative_or_zero_call_counts_are_rejected(call):
    with pytest.raises(ValueError):
        call()


def test_money_is_rounded_half_up_to_micro_dollars():
    assert to_money(Decimal("0.0000005")) == Decimal("0.000001")


@pytest.mark.parametrize(
    "value, reason",
    [
        ("1e22", "at most 1000000 USD"),
        (Decimal("1E+30"), "at most 1000000 USD"),
        ("-0.01", "must be >= 0"),
        ("Infinity", "finite"),
        ("dollars", "not an amount of dollars"),
    ],
)
def test_amounts_outside_zero_to_the_maximum_are_refused_naming_them(value, reason):
    with pytest.raises(InvalidAmountError, match=reason):
        check_amount(value, "budget")


def test_amount_at_the_maximum_is_kept_in_micro_dollars():
    assert check_amount("1000000", "budget") == Decimal("1000000.000000")
