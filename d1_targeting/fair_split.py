"""Splits an integer quota across claimants in proportion to their weights, respecting each one's limit.

Water-filling with exact fractions: share the remainder by weight; anyone whose share reaches their limit
gets exactly the limit and leaves; when nobody else would, integer shares are fixed by the largest
remainder method (ties to the earlier claimant). The result sums to exactly min(total, sum of the limits
of claimants with positive weight); claimants with zero weight or zero limit get nothing.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import TypeVar

from d1_targeting.errors import SchedulingError

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Claim:
    """A claimant's weight (its priority, >= 0) and the most it can take."""

    weight: float
    limit: int

    def __post_init__(self) -> None:
        if (
            isinstance(self.weight, bool)
            or not isinstance(self.weight, (int, float))
            or not math.isfinite(self.weight)
            or self.weight < 0
        ):
            raise SchedulingError(f"claim weight must be a finite number >= 0, got {self.weight!r}")
        if isinstance(self.limit, bool) or not isinstance(self.limit, int) or self.limit < 0:
            raise SchedulingError(f"claim limit must be an integer >= 0, got {self.limit!r}")


def fair_split(total: int, claims: Mapping[K, Claim]) -> dict[K, int]:
    """Each claimant's share of `total` (every key of `claims` appears in the result)."""
    if isinstance(total, bool) or not isinstance(total, int) or total < 0:
        raise SchedulingError(f"total to split must be an integer >= 0, got {total!r}")
    shares = {key: 0 for key in claims}
    open_claims = [key for key, claim in claims.items() if claim.weight > 0 and claim.limit > 0]
    remaining = total
    while remaining > 0 and open_claims:
        weights = {key: Fraction(claims[key].weight) for key in open_claims}
        total_weight = sum(weights.values())
        exact = {key: remaining * weights[key] / total_weight for key in open_claims}
        saturated = [key for key in open_claims if shares[key] + exact[key] >= claims[key].limit]
        if saturated:
            for key in saturated:
                remaining -= claims[key].limit - shares[key]
                shares[key] = claims[key].limit
            open_claims = [key for key in open_claims if key not in saturated]
            continue
        floors = {key: math.floor(exact[key]) for key in open_claims}
        leftover = remaining - sum(floors.values())
        by_remainder = sorted(open_claims, key=lambda key: exact[key] - floors[key], reverse=True)
        for position, key in enumerate(by_remainder):
            shares[key] += floors[key] + (1 if position < leftover else 0)
        remaining = 0
    return shares
