"""Qualification rules of a universe: which businesses in its verticals and geography are worth targeting."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from d1_targeting.models import Target


class QualificationRules(BaseModel):
    """Minimum rating and reviews, required contact channels, and whether chains are left out."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    min_rating: float | None = Field(default=None, ge=0, le=5)
    min_reviews: int = Field(default=0, ge=0)
    require_website: bool = False
    require_phone: bool = False
    exclude_chains: bool = False

    def accepts(self, target: Target) -> bool:
        """True when the target satisfies every rule (a missing rating fails a minimum rating)."""
        if self.min_rating is not None and (target.rating is None or target.rating < self.min_rating):
            return False
        if (target.review_count or 0) < self.min_reviews:
            return False
        if self.require_website and not target.website:
            return False
        if self.require_phone and not target.phone:
            return False
        return not (self.exclude_chains and target.is_chain)


def parse_qualification_rules(data: Any) -> tuple[QualificationRules | None, list[str]]:
    """Rules from their JSON form, or None and one "qualification_rules.<field>: <why>" per problem."""
    try:
        return QualificationRules.model_validate(data if data is not None else {}), []
    except ValidationError as error:
        problems = []
        for detail in error.errors():
            field = ".".join(str(part) for part in detail["loc"]) or "(root)"
            problems.append(f"qualification_rules.{field}: {detail['msg']} (got {detail.get('input')!r})")
        return None, problems
