"""Which targets belong to a universe: a cheap SQL pre-filter (vertical, state) then exact matching.

The pre-filter count is the universe's estimated size; the targets that also match its geography
exactly and pass its qualification rules are its members, and their count its actual size.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from d1_targeting.geo_scope import GeoScope, Place
from d1_targeting.models import Target, TargetUniverse
from d1_targeting.qualification import QualificationRules
from d1_targeting.us_states import ALL_CODES


@dataclass(frozen=True)
class UniverseSize:
    """Estimated (pre-filter) and actual (exact) number of targets in a universe."""

    estimated: int
    actual: int


@dataclass(frozen=True)
class UniverseCriteria:
    """A universe's verticals, geography and rules, parsed once for matching many targets."""

    verticals: frozenset[str]
    scope: GeoScope
    rules: QualificationRules

    @classmethod
    def of(cls, universe: TargetUniverse) -> UniverseCriteria:
        """The criteria stored on a universe (validated when it was written)."""
        return cls(
            frozenset(universe.verticals),
            GeoScope.from_dict(universe.geography),
            QualificationRules.model_validate(universe.qualification_rules),
        )

    def candidates(self) -> Select[Target]:
        """Targets in the verticals and, when the geography pins states, in those states.

        Rows whose state is missing or not a USPS code are kept too: exact matching places them by ZIP.
        """
        statement = select(Target).where(Target.vertical.in_(sorted(self.verticals)))
        states = self.scope.candidate_states()
        if states is not None:
            statement = statement.where(
                or_(Target.state.in_(sorted(states)), Target.state.is_(None), Target.state.not_in(sorted(ALL_CODES)))
            )
        return statement.order_by(Target.id)

    def accepts(self, target: Target) -> bool:
        """True when the target is exactly inside the geography and passes the rules."""
        return self.rules.accepts(target) and self.scope.matches(place_of(target))


def place_of(target: Target) -> Place:
    """The target's address fields as a Place."""
    return Place.of(target.state, target.zip_code, target.city, target.latitude, target.longitude)


def universe_members(session: Session, universe: TargetUniverse) -> list[Target]:
    """The universe's targets in id order."""
    criteria = UniverseCriteria.of(universe)
    return [target for target in session.scalars(criteria.candidates()) if criteria.accepts(target)]


def measure_universe(session: Session, universe: TargetUniverse) -> UniverseSize:
    """Counts the universe's estimated and actual size from the targets table."""
    criteria = UniverseCriteria.of(universe)
    candidates = criteria.candidates()
    estimated = session.scalar(select(func.count()).select_from(candidates.order_by(None).subquery())) or 0
    actual = sum(1 for target in session.scalars(candidates) if criteria.accepts(target))
    return UniverseSize(estimated, actual)
