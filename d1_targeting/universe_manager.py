"""Create, read, update and deactivate target universes; every write is validated, sizes kept fresh."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from d1_targeting.buckets import default_bucket_assigner, normalize_vertical
from d1_targeting.clock import Clock
from d1_targeting.errors import (
    DuplicateUniverseError,
    GeoValidationError,
    TargetingError,
    UniverseNotFoundError,
)
from d1_targeting.geo_scope import GeoScope
from d1_targeting.geo_validation import GeoFinding, Severity, validate_geo_scope
from d1_targeting.models import TargetUniverse
from d1_targeting.qualification import QualificationRules, parse_qualification_rules
from d1_targeting.universe_membership import UniverseSize, measure_universe

MAX_NAME_LENGTH = 120


class UniverseValidationError(TargetingError, ValueError):
    """A target universe failed validation; lists every problem (field problems and geo findings)."""

    def __init__(self, name: str, problems: Sequence[str], findings: Sequence[GeoFinding] = ()) -> None:
        self.name = name
        self.problems = tuple(problems)
        self.findings = tuple(findings)
        details = list(self.problems) + [str(finding) for finding in self.findings]
        super().__init__(f"universe {name!r} is invalid: " + "; ".join(details))


@dataclass(frozen=True)
class UniverseSpec:
    """What a universe is: a unique name, verticals, geography and qualification rules."""

    name: str
    verticals: tuple[str, ...]
    geography: GeoScope = field(default_factory=GeoScope)
    qualification: QualificationRules = field(default_factory=QualificationRules)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> UniverseSpec:
        """A spec from its JSON form; UniverseValidationError lists every field whose shape is wrong."""
        name = data.get("name", "")
        problems = [
            f"unknown field {key!r}"
            for key in sorted(set(data) - {"name", "verticals", "geography", "qualification_rules"})
        ]
        verticals = data.get("verticals", [])
        if not isinstance(verticals, (list, tuple)):
            problems.append(f"verticals: expected a list of vertical names, got {verticals!r}")
            verticals = []
        try:
            geography = GeoScope.from_dict(data.get("geography"))
        except GeoValidationError as error:
            problems.append(str(error))
            geography = GeoScope()
        rules, rule_problems = parse_qualification_rules(data.get("qualification_rules"))
        problems.extend(rule_problems)
        if problems or rules is None:
            raise UniverseValidationError(str(name), problems)
        return cls(name, tuple(verticals), geography, rules)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form `from_dict` reads."""
        return {
            "name": self.name,
            "verticals": list(self.verticals),
            "geography": self.geography.to_dict(),
            "qualification_rules": self.qualification.model_dump(),
        }


@dataclass(frozen=True)
class UniverseChanges:
    """Fields to change on an existing universe; None leaves a field as it is."""

    name: str | None = None
    verticals: tuple[str, ...] | None = None
    geography: GeoScope | None = None
    qualification: QualificationRules | None = None


class UniverseManager:
    """The only writer of target universes: validates each write and records sizes from the targets."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Clock,
        *,
        verticals: Collection[str] | None = None,
        stale_after: timedelta = timedelta(hours=24),
    ) -> None:
        self._sessions = session_factory
        self._clock = clock
        self._verticals = frozenset(verticals) if verticals is not None else default_bucket_assigner().verticals
        self._stale_after = stale_after

    def check(self, spec: UniverseSpec) -> tuple[GeoFinding, ...]:
        """Validates a spec: raises UniverseValidationError listing every error; returns the warnings."""
        self._normalized(spec)
        return tuple(finding for finding in validate_geo_scope(spec.geography) if finding.severity is Severity.WARNING)

    def create(self, spec: UniverseSpec) -> TargetUniverse:
        """Stores a new, active universe and measures its size."""
        spec = self._normalized(spec)
        now = self._clock.now()
        with self._sessions.begin() as session:
            universe = TargetUniverse(active=True, created_at=now, updated_at=now)
            self._apply(universe, spec)
            session.add(universe)
            self._flush(session, spec.name)
            self._measure(session, universe)
        return universe

    def get(self, universe_id: int) -> TargetUniverse:
        """The universe with this id; UniverseNotFoundError when there is none."""
        with self._sessions() as session:
            return self._load(session, universe_id)

    def get_by_name(self, name: str) -> TargetUniverse:
        """The universe with this name; UniverseNotFoundError when there is none."""
        with self._sessions() as session:
            universe = session.scalar(select(TargetUniverse).where(TargetUniverse.name == name.strip()))
        if universe is None:
            raise UniverseNotFoundError(f"no target universe named {name!r}")
        return universe

    def universes(self, *, include_inactive: bool = False) -> list[TargetUniverse]:
        """Universes by id; active ones only unless asked."""
        statement = select(TargetUniverse).order_by(TargetUniverse.id)
        if not include_inactive:
            statement = statement.where(TargetUniverse.active.is_(True))
        with self._sessions() as session:
            return list(session.scalars(statement))

    def update(self, universe_id: int, changes: UniverseChanges) -> TargetUniverse:
        """Applies the changes after validating the universe they produce; re-measures its size."""
        with self._sessions.begin() as session:
            universe = self._load(session, universe_id)
            current = _spec_of(universe)
            given = {item.name: getattr(changes, item.name) for item in fields(changes)}
            updated = replace(current, **{name: value for name, value in given.items() if value is not None})
            spec = self._normalized(updated)
            self._apply(universe, spec)
            universe.updated_at = self._clock.now()
            self._flush(session, spec.name)
            self._measure(session, universe)
        return universe

    def deactivate(self, universe_id: int) -> TargetUniverse:
        """Stops a universe being scheduled; its definition is kept."""
        return self._set_active(universe_id, False)

    def activate(self, universe_id: int) -> TargetUniverse:
        """Makes a deactivated universe schedulable again, after re-validating it."""
        return self._set_active(universe_id, True)

    def refresh_size(self, universe_id: int) -> UniverseSize:
        """Re-measures one universe from the targets table and records the result."""
        with self._sessions.begin() as session:
            return self._measure(session, self._load(session, universe_id))

    def refresh_stale(self) -> list[int]:
        """Re-measures every active universe never measured or measured longer than `stale_after` ago."""
        cutoff = self._clock.now() - self._stale_after
        statement = (
            select(TargetUniverse)
            .where(TargetUniverse.active.is_(True))
            .where(or_(TargetUniverse.size_refreshed_at.is_(None), TargetUniverse.size_refreshed_at <= cutoff))
            .order_by(TargetUniverse.id)
        )
        with self._sessions.begin() as session:
            stale = list(session.scalars(statement))
            for universe in stale:
                self._measure(session, universe)
        return [universe.id for universe in stale]

    def _set_active(self, universe_id: int, active: bool) -> TargetUniverse:
        with self._sessions.begin() as session:
            universe = self._load(session, universe_id)
            if active:
                self._normalized(_spec_of(universe))
            universe.active = active
            universe.updated_at = self._clock.now()
        return universe

    def _normalized(self, spec: UniverseSpec) -> UniverseSpec:
        problems: list[str] = []
        name = spec.name.strip() if isinstance(spec.name, str) else ""
        if not name:
            problems.append(f"name: must be non-empty text, got {spec.name!r}")
        elif len(name) > MAX_NAME_LENGTH:
            problems.append(f"name: {len(name)} characters, at most {MAX_NAME_LENGTH} allowed")
        verticals: list[str] = []
        if not spec.verticals:
            problems.append("verticals: at least one vertical is required")
        for raw in spec.verticals:
            vertical = normalize_vertical(raw)
            if vertical not in self._verticals:
                problems.append(f"verticals: unknown vertical {raw!r}")
            elif vertical in verticals:
                problems.append(f"verticals: {raw!r} listed twice")
            else:
                verticals.append(vertical)
        errors = [finding for finding in validate_geo_scope(spec.geography) if finding.severity is Severity.ERROR]
        if problems or errors:
            raise UniverseValidationError(name or str(spec.name), problems, errors)
        return replace(spec, name=name, verticals=tuple(verticals))

    def _apply(self, universe: TargetUniverse, spec: UniverseSpec) -> None:
        universe.name = spec.name
        universe.verticals = list(spec.verticals)
        universe.geography = spec.geography.to_dict()
        universe.qualification_rules = spec.qualification.model_dump()

    def _measure(self, session: Session, universe: TargetUniverse) -> UniverseSize:
        size = measure_universe(session, universe)
        universe.estimated_size = size.estimated
        universe.actual_size = size.actual
        universe.size_refreshed_at = self._clock.now()
        return size

    @staticmethod
    def _load(session: Session, universe_id: int) -> TargetUniverse:
        universe = session.get(TargetUniverse, universe_id)
        if universe is None:
            raise UniverseNotFoundError(f"no target universe with id {universe_id}")
        return universe

    @staticmethod
    def _flush(session: Session, name: str) -> None:
        """Writes pending changes; the unique name constraint is what detects a taken name, even in a race."""
        try:
            session.flush()
        except IntegrityError:
            raise DuplicateUniverseError(f"a target universe named {name!r} already exists") from None


def _spec_of(universe: TargetUniverse) -> UniverseSpec:
    return UniverseSpec(
        universe.name,
        tuple(universe.verticals),
        GeoScope.from_dict(universe.geography),
        QualificationRules.model_validate(universe.qualification_rules),
    )
