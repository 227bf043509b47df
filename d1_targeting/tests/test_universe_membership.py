from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from d1_targeting import (
    CityConstraint,
    GeoScope,
    QualificationRules,
    RadiusConstraint,
    StateConstraint,
    Target,
    TargetUniverse,
    UniverseCriteria,
    ZipConstraint,
    make_engine,
    make_session_factory,
    measure_universe,
    place_of,
    universe_members,
)
from testing import seeded_faker
from testing.targeting import TargetBuilder, geo_scopes

NOW = datetime(2026, 1, 5, tzinfo=UTC)


def _universe(verticals, scope=None, rules=None):
    scope = GeoScope() if scope is None else scope
    rules = QualificationRules() if rules is None else rules
    return TargetUniverse(
        name="u",
        verticals=list(verticals),
        geography=scope.to_dict(),
        qualification_rules=rules.model_dump(),
        created_at=NOW,
        updated_at=NOW,
    )


def _stored(sessions, targets):
    with sessions.begin() as session:
        session.add_all(targets)
    return targets


def test_members_are_the_targets_in_the_verticals_and_geography(sessions, target_builder):
    inside = _stored(sessions, target_builder.build_many(2, state="TX", vertical="hvac"))
    _stored(
        sessions,
        target_builder.build_many(2, state="TX", vertical="legal")
        + target_builder.build_many(2, state="OK", vertical="hvac"),
    )
    with sessions() as session:
        members = universe_members(session, _universe(["hvac"], GeoScope((StateConstraint("TX"),))))
    assert [target.id for target in members] == [target.id for target in inside]


def test_targets_without_a_state_are_placed_by_their_zip(sessions, target_builder):
    (stateless,) = _stored(sessions, [target_builder.build(state=None, zip_code="78701", vertical="hvac")])
    with sessions() as session:
        assert [t.id for t in universe_members(session, _universe(["hvac"], GeoScope((StateConstraint("TX"),))))] == [
            stateless.id
        ]


def test_targets_with_a_lowercase_state_or_free_text_vertical_are_still_found(sessions, target_builder):
    (target,) = _stored(sessions, [target_builder.build(state="tx", zip_code=None, vertical="Pest Control")])
    assert target.vertical == "pest_control"
    with sessions() as session:
        members = universe_members(session, _universe(["pest_control"], GeoScope((StateConstraint("TX"),))))
    assert [t.id for t in members] == [target.id]


def test_estimated_size_counts_prefiltered_candidates_and_actual_size_the_exact_matches(sessions, target_builder):
    _stored(
        sessions,
        [
            target_builder.build(state="TX", zip_code="78701", vertical="hvac"),
            target_builder.build(state="TX", zip_code="75201", vertical="hvac"),
        ],
    )
    scope = GeoScope((StateConstraint("TX"),), (ZipConstraint("78701"),))
    with sessions() as session:
        size = measure_universe(session, _universe(["hvac"], scope))
    assert (size.estimated, size.actual) == (2, 1)


def test_radius_scopes_are_not_prefiltered_by_state(sessions, target_builder):
    near = _stored(sessions, [target_builder.build(vertical="hvac", state="TX", latitude=30.30, longitude=-97.70)])
    _stored(sessions, [target_builder.build(vertical="hvac", state="TX", latitude=32.78, longitude=-96.80)])
    universe = _universe(["hvac"], GeoScope((RadiusConstraint(30.27, -97.74, 10),)))
    assert UniverseCriteria.of(universe).scope.candidate_states() is None
    with sessions() as session:
        assert [t.id for t in universe_members(session, universe)] == [near[0].id]
        assert measure_universe(session, universe).estimated == 2


def test_place_of_a_target_uses_its_address_fields():
    place = place_of(
        Target(
            business_name="x",
            vertical="hvac",
            state="tx",
            zip_code="78701-0001",
            city="Austin",
            latitude=30.27,
            longitude=-97.74,
        )
    )
    assert (place.state, place.zip_code, place.city) == ("TX", "78701", "austin")


def test_qualification_rules_filter_on_rating_reviews_contacts_and_chains():
    rules = QualificationRules(
        min_rating=4.0, min_reviews=10, require_website=True, require_phone=True, exclude_chains=True
    )
    good = dict(
        business_name="x",
        vertical="hvac",
        rating=4.5,
        review_count=20,
        website="https://x.example",
        phone="555-0100",
        is_chain=False,
    )
    assert rules.accepts(Target(**good))
    for field, value in [
        ("rating", 3.9),
        ("rating", None),
        ("review_count", 9),
        ("website", None),
        ("phone", ""),
        ("is_chain", True),
    ]:
        assert not rules.accepts(Target(**{**good, field: value})), field


@settings(max_examples=20)
@given(scope=geo_scopes(), seed=st.integers(0, 10_000))
def test_sql_prefilter_never_drops_a_target_the_scope_matches(scope, seed):
    sessions = make_session_factory(make_engine("sqlite://"))
    builder = TargetBuilder(seeded_faker(seed))
    states = sorted(
        {getattr(c, "state", None) or "TX" for c in scope.include if not isinstance(c, RadiusConstraint)}
    ) or ["TX"]
    targets = _stored(sessions, [builder.build(vertical="hvac", state=states[i % len(states)]) for i in range(12)])
    with sessions() as session:
        members = {t.id for t in universe_members(session, _universe(["hvac"], scope))}
    assert members == {t.id for t in targets if scope.matches(place_of(t))}


def test_city_constraint_matches_targets_in_that_city_only(sessions, target_builder):
    austin = _stored(sessions, [target_builder.build(vertical="hvac", city="Austin", state="TX")])
    _stored(sessions, [target_builder.build(vertical="hvac", city="Dallas", state="TX")])
    with sessions() as session:
        members = universe_members(session, _universe(["hvac"], GeoScope((CityConstraint("austin", "Texas"),))))
    assert [t.id for t in members] == [austin[0].id]
