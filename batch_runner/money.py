"""US dollar amounts: kept to micro-dollars, shown to people in cents unless more digits are needed.

Costs (cost.py), checkpoints (checkpoint.py, schema.py) and error messages (errors.py) all use it; it
imports nothing of batch_runner, so none of them depends on another just to print an amount.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

MICRO = Decimal("0.000001")


def to_money(value: Decimal | int | str) -> Decimal:
    """`value` as dollars rounded to micro-dollars (the precision prices and spend are kept in)."""
    return Decimal(value).quantize(MICRO, rounding=ROUND_HALF_UP)


def format_usd(value: Decimal) -> str:
    """Dollars for people: cents when exact ('$0.20'), more digits only when needed ('$0.036')."""
    money = to_money(value)
    cents = money.quantize(Decimal("0.01"))
    return f"${cents}" if cents == money else f"${money.normalize():f}"
