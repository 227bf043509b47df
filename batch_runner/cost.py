"""Cost preview: what a batch will cost per provider and in total, before any call is made.

Prices are per successful call, in US dollars, with graduated volume discounts: within one batch, the
calls to a provider are counted 1, 2, 3, ... and each call is priced by the tier its number falls in (like
income-tax brackets), so crossing a tier never makes earlier calls cheaper or the batch cheaper overall.

The default price book (DEFAULT_PRICE_BOOK):

| provider             | list price | calls 1-1,000 | 1,001-10,000 | above 10,000 |
| -------------------- | ---------- | ------------- | ------------ | ------------ |
| `enrichment`         | $0.0400    | list          | 10% off      | 25% off      |
| `website_assessment` | $0.0100    | list          | 10% off      | 25% off      |

The same marginal prices are charged as results are checkpointed, so a batch that completes without
failures spends exactly its preview.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from batch_runner.errors import InvalidAmountError, UnknownProviderError
from batch_runner.money import to_money

MAX_AMOUNT_USD = Decimal("1000000")
"""The largest budget or approval a batch accepts (US$1,000,000); larger amounts are refused as input errors."""


def check_amount(value: Decimal | int | str, what: str) -> Decimal:
    """A budget or approval as money: finite, >= 0 and at most MAX_AMOUNT_USD, else InvalidAmountError naming `what`."""
    try:
        amount = Decimal(value)
    except (ArithmeticError, ValueError, TypeError):
        raise InvalidAmountError(f"{what} is not an amount of dollars: {str(value)[:40]!r}") from None
    if not amount.is_finite():
        raise InvalidAmountError(f"{what} must be a finite amount of dollars, got {amount}")
    if amount < 0:
        raise InvalidAmountError(f"{what} must be >= 0, got {amount}")
    if amount > MAX_AMOUNT_USD:
        raise InvalidAmountError(f"{what} must be at most {MAX_AMOUNT_USD} USD, got {amount:.6g}")
    return to_money(amount)


@dataclass(frozen=True)
class VolumeTier:
    """Calls numbered above `after_calls` get `discount` (a fraction: Decimal('0.10') is 10% off)."""

    after_calls: int
    discount: Decimal

    def __post_init__(self) -> None:
        if self.after_calls < 0:
            raise ValueError(f"VolumeTier.after_calls must be >= 0, got {self.after_calls}")
        if not Decimal(0) <= self.discount < Decimal(1):
            raise ValueError(f"VolumeTier.discount must be in [0, 1), got {self.discount}")


@dataclass(frozen=True)
class ProviderPrice:
    """A provider's list price per call and its graduated volume tiers (sorted by `after_calls`)."""

    provider: str
    unit_price: Decimal
    tiers: tuple[VolumeTier, ...] = ()

    def __post_init__(self) -> None:
        if self.unit_price < 0:
            raise ValueError(f"{self.provider}: unit_price must be >= 0, got {self.unit_price}")
        thresholds = [tier.after_calls for tier in self.tiers]
        if thresholds != sorted(set(thresholds)):
            raise ValueError(f"{self.provider}: tiers must have distinct, increasing after_calls, got {thresholds}")

    def price_of_call(self, number: int) -> Decimal:
        """The price of the `number`-th call (1-based) to this provider within one batch."""
        if number < 1:
            raise ValueError(f"call numbers start at 1, got {number}")
        discount = Decimal(0)
        for tier in self.tiers:
            if number > tier.after_calls:
                discount = tier.discount
        return to_money(self.unit_price * (1 - discount))

    def price_of_calls(self, count: int, already_made: int = 0) -> Decimal:
        """The total price of `count` calls after `already_made` calls in the same batch."""
        if count < 0 or already_made < 0:
            raise ValueError(f"call counts must be >= 0, got count={count}, already_made={already_made}")
        total = Decimal(0)
        boundaries = [tier.after_calls for tier in self.tiers] + [already_made + count]
        start = already_made
        for boundary in sorted(set(boundaries)):
            if boundary <= start:
                continue
            end = min(boundary, already_made + count)
            total += self.price_of_call(start + 1) * (end - start)
            start = end
            if start == already_made + count:
                break
        return to_money(total)


_STANDARD_TIERS = (VolumeTier(1_000, Decimal("0.10")), VolumeTier(10_000, Decimal("0.25")))
"""The default price book's tiers: calls 1-1,000 at list price, 1,001-10,000 at 10% off, above 10,000 at 25% off."""


@dataclass(frozen=True)
class PriceBook:
    """Prices by provider name; steps name their provider, and the price book says what a call costs."""

    prices: Mapping[str, ProviderPrice] = field(default_factory=dict)

    @classmethod
    def of(cls, prices: Iterable[ProviderPrice]) -> PriceBook:
        """A price book from a list of provider prices (one per provider)."""
        table: dict[str, ProviderPrice] = {}
        for price in prices:
            if price.provider in table:
                raise ValueError(f"provider {price.provider!r} is priced twice")
            table[price.provider] = price
        return cls(table)

    def price(self, provider: str) -> ProviderPrice:
        """The price of `provider`; raises UnknownProviderError naming the known providers."""
        try:
            return self.prices[provider]
        except KeyError:
            known = ", ".join(sorted(self.prices)) or "none"
            raise UnknownProviderError(f"no price for provider {provider!r} (priced: {known})") from None


DEFAULT_PRICE_BOOK = PriceBook.of(
    [
        ProviderPrice("enrichment", Decimal("0.04"), _STANDARD_TIERS),
        ProviderPrice("website_assessment", Decimal("0.01"), _STANDARD_TIERS),
    ]
)


@dataclass(frozen=True)
class ProviderCost:
    """One provider's share of a preview: calls, their cost at list price, the volume discount and the net cost."""

    provider: str
    calls: int
    list_cost: Decimal
    discount: Decimal
    cost: Decimal


@dataclass(frozen=True)
class CostPreview:
    """The estimated cost of a batch per provider and in total; nothing is spent to compute it."""

    lead_count: int
    providers: tuple[ProviderCost, ...]
    total: Decimal

    def over_budget(self, budget: Decimal) -> bool:
        """True when the estimate exceeds `budget`."""
        return self.total > budget


def preview_cost(providers_per_lead: Sequence[str], lead_count: int, price_book: PriceBook) -> CostPreview:
    """Estimates a batch: every lead makes one call per step, to the provider each step names."""
    if lead_count < 0:
        raise ValueError(f"lead_count must be >= 0, got {lead_count}")
    calls: dict[str, int] = {}
    for provider in providers_per_lead:
        calls[provider] = calls.get(provider, 0) + lead_count
    rows = []
    for provider, count in calls.items():
        price = price_book.price(provider)
        list_cost = to_money(price.unit_price * count)
        cost = price.price_of_calls(count)
        rows.append(ProviderCost(provider, count, list_cost, list_cost - cost, cost))
    return CostPreview(lead_count, tuple(rows), to_money(sum((row.cost for row in rows), Decimal(0))))
