"""Campaign priority scoring for the batch scheduler.

    score = weight x log2(1 + remaining) x (1 + 0.25 x min(idle_days, 4))

- weight: the operator's priority_weight (>= 0); 0 pauses a campaign without deactivating it.
- remaining: targets in the campaign's universe not yet batched for it; log2 lets a big backlog
  count for more without letting one huge universe drown every other campaign; 0 remaining scores 0.
- idle_days: whole days since the campaign last got batches (since creation if never), capped at 4,
  so a starved campaign gains up to 2x and no campaign is left out for long.
"""

from __future__ import annotations

import math
from datetime import date

from d1_targeting.errors import SchedulingError

IDLE_BOOST_PER_DAY = 0.25
MAX_IDLE_DAYS = 4


def priority_score(weight: float, remaining: int, idle_days: int) -> float:
    """The campaign's score by the formula above; higher gets a larger share of the day's quota."""
    if not math.isfinite(weight) or weight < 0:
        raise SchedulingError(f"priority weight must be a finite number >= 0, got {weight!r}")
    if remaining < 0 or idle_days < 0:
        raise SchedulingError(f"remaining ({remaining}) and idle_days ({idle_days}) must be >= 0")
    return weight * math.log2(1 + remaining) * (1 + IDLE_BOOST_PER_DAY * min(idle_days, MAX_IDLE_DAYS))


def idle_days(today: date, last_scheduled_on: date | None, created_on: date) -> int:
    """Whole days since the campaign last got batches (or was created), never negative."""
    return max(0, (today - (last_scheduled_on or created_on)).days)
