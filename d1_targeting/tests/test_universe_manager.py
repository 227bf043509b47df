from datetime import timedelta

import pytest
from hypothesis import given, settings

from d1_targeting import (
    DuplicateUniverseError,
    GeoFindingKind,
    GeoScope,
    QualificationRules,
    RadiusConstraint,
    StateConstraint,
    TargetUniverse,
    UniverseChanges,
    UniverseManager,
    UniverseNotFoundError,
    UniverseSpec,
    UniverseValidationError,
    ZipConstraint,
)
from testing import FakeClock
from testing.targeting import empty_memory_database, universe_specs

TEXAS = GeoScope((StateConstraint("TX"),))


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def manager(sessions, clock):
    return UniverseManager(sessions, clock)


def _add(sessions, targets):
    with sessions.begin() as session:
        session.add_all(targets)


def test_created_universe_is_active_stored_normalized_and_sized(manager, sessions, target_builder, clock):
    _add(
        sessions,
        target_builder.build_many(3, state="TX", vertical="hvac")
        + target_builder.build_many(2, state="NY", vertical="hvac"),
    )
    universe = manager.create(UniverseSpec("  Texas HVAC ", ("HVAC",), TEXAS))
    assert (universe.name, universe.verticals, universe.active) == ("Texas HVAC", ["hvac"], True)
    assert (universe.estimated_size, universe.actual_size, universe.size_refreshed_at) == (3, 3, clock.now())
    assert manager.get(universe.id).geography == {"include": [{"state": "TX"}], "exclude": []}


def test_estimated_size_counts_candidates_and_actual_size_counts_qualified_targets(manager, sessions, target_builder):
    _add(
        sessions,
        target_builder.build_many(2, state="TX", vertical="hvac", rating=4.8)
        + target_builder.build_many(3, state="TX", vertical="hvac", rating=2.0),
    )
    universe = manager.create(UniverseSpec("good hvac", ("hvac",), TEXAS, QualificationRules(min_rating=4.0)))
    assert (universe.estimated_size, universe.actual_size) == (5, 2)


def test_invalid_universe_lists_every_problem_and_stores_nothing(manager):
    spec = UniverseSpec("", ("hvac", "HVAC", "basket weaving"), GeoScope((ZipConstraint("10001", "NJ"),)))
    with pytest.raises(UniverseValidationError) as caught:
        manager.create(spec)
    assert caught.value.problems == (
        "name: must be non-empty text, got ''",
        "verticals: 'HVAC' listed twice",
        "verticals: unknown vertical 'basket weaving'",
    )
    assert [finding.kind for finding in caught.value.findings] == [GeoFindingKind.ZIP_OUTSIDE_STATE]
    assert "include[0] ZIP '10001' (NJ): ZIP 10001 is in NY, not in NJ" in str(caught.value)
    assert manager.universes(include_inactive=True) == []


def test_universe_needs_at_least_one_vertical_and_a_short_name(manager):
    with pytest.raises(UniverseValidationError, match="at least one vertical is required") as caught:
        manager.create(UniverseSpec("x" * 121, ()))
    assert "name: 121 characters, at most 120 allowed" in caught.value.problems


def test_geo_warnings_do_not_block_a_write_and_are_reported_by_check(manager):
    spec = UniverseSpec("overlap", ("hvac",), GeoScope((StateConstraint("TX"), ZipConstraint("78701"))))
    warnings = manager.check(spec)
    assert [finding.kind for finding in warnings] == [GeoFindingKind.OVERLAP]
    assert manager.create(spec).active


def test_radius_leaving_the_country_blocks_the_write(manager):
    spec = UniverseSpec("seattle", ("hvac",), GeoScope((RadiusConstraint(47.6062, -122.3321, 150),)))
    with pytest.raises(UniverseValidationError, match=r"\[radius_outside_us\]"):
        manager.create(spec)


def test_a_taken_name_is_refused(manager):
    manager.create(UniverseSpec("Texas", ("hvac",), TEXAS))
    with pytest.raises(DuplicateUniverseError, match="a target universe named 'Texas' already exists"):
        manager.create(UniverseSpec("Texas ", ("plumbing",)))


def test_get_and_get_by_name_fail_clearly_for_unknown_universes(manager):
    with pytest.raises(UniverseNotFoundError, match="no target universe with id 42"):
        manager.get(42)
    with pytest.raises(UniverseNotFoundError, match="no target universe named 'Nowhere'"):
        manager.get_by_name("Nowhere")


def test_get_by_name_finds_the_universe(manager):
    created = manager.create(UniverseSpec("Texas", ("hvac",), TEXAS))
    assert manager.get_by_name(" Texas").id == created.id


def test_update_changes_only_the_given_fields_and_re_measures(manager, sessions, target_builder, clock):
    _add(
        sessions,
        target_builder.build_many(2, state="TX", vertical="hvac")
        + target_builder.build_many(4, state="TX", vertical="plumbing"),
    )
    universe = manager.create(UniverseSpec("Texas", ("hvac",), TEXAS))
    clock.advance(60)
    updated = manager.update(universe.id, UniverseChanges(verticals=("hvac", "plumbing")))
    assert (updated.name, updated.verticals, updated.actual_size) == ("Texas", ["hvac", "plumbing"], 6)
    assert updated.updated_at == clock.now() and updated.created_at == universe.created_at


def test_invalid_update_is_refused_and_leaves_the_universe_unchanged(manager):
    universe = manager.create(UniverseSpec("Texas", ("hvac",), TEXAS))
    with pytest.raises(UniverseValidationError, match=r"include\[0\] state 'Lone Star'"):
        manager.update(universe.id, UniverseChanges(geography=GeoScope((StateConstraint("Lone Star"),))))
    assert manager.get(universe.id).geography == TEXAS.to_dict()


def test_renaming_onto_a_taken_name_is_refused(manager):
    manager.create(UniverseSpec("Texas", ("hvac",), TEXAS))
    other = manager.create(UniverseSpec("Ohio", ("hvac",), GeoScope((StateConstraint("OH"),))))
    with pytest.raises(DuplicateUniverseError, match="^a target universe named 'Texas' already exists$"):
        manager.update(other.id, UniverseChanges(name=" Texas"))
    assert manager.get(other.id).name == "Ohio"


def test_update_keeps_the_stored_geography_and_rules_when_only_the_name_changes(manager):
    rules = QualificationRules(min_rating=4.0, min_reviews=3, require_phone=True)
    universe = manager.create(UniverseSpec("Texas", ("hvac",), TEXAS, rules))
    updated = manager.update(universe.id, UniverseChanges(name="Lone Star"))
    assert (updated.name, updated.verticals) == ("Lone Star", ["hvac"])
    assert updated.geography == TEXAS.to_dict()
    assert QualificationRules.model_validate(updated.qualification_rules) == rules


def test_error_message_names_the_universe_and_joins_every_problem_when_there_are_several(manager):
    with pytest.raises(UniverseValidationError) as caught:
        manager.create(UniverseSpec(" ", ()))
    assert str(caught.value) == (
        "universe ' ' is invalid: name: must be non-empty text, got ' '; verticals: at least one vertical is required"
    )


def test_update_of_an_unknown_universe_fails(manager):
    with pytest.raises(UniverseNotFoundError):
        manager.update(7, UniverseChanges(name="x"))


def test_deactivated_universes_are_hidden_from_the_active_list(manager):
    kept = manager.create(UniverseSpec("Texas", ("hvac",), TEXAS))
    dropped = manager.create(UniverseSpec("Ohio", ("hvac",), GeoScope((StateConstraint("OH"),))))
    assert manager.deactivate(dropped.id).active is False
    assert [universe.id for universe in manager.universes()] == [kept.id]
    assert [universe.id for universe in manager.universes(include_inactive=True)] == [kept.id, dropped.id]
    assert manager.activate(dropped.id).active is True


def test_reactivating_revalidates_against_the_current_verticals(sessions, clock):
    universe = UniverseManager(sessions, clock, verticals={"hvac", "solar"}).create(UniverseSpec("sun", ("solar",)))
    stricter = UniverseManager(sessions, clock, verticals={"hvac"})
    stricter.deactivate(universe.id)
    with pytest.raises(UniverseValidationError, match="unknown vertical 'solar'"):
        stricter.activate(universe.id)
    assert stricter.get(universe.id).active is False


def test_refresh_size_re_measures_from_the_current_targets(manager, sessions, target_builder):
    universe = manager.create(UniverseSpec("Texas", ("hvac",), TEXAS))
    _add(sessions, target_builder.build_many(4, state="TX", vertical="hvac"))
    size = manager.refresh_size(universe.id)
    assert (size.estimated, size.actual) == (4, 4)
    assert manager.get(universe.id).actual_size == 4


def test_refresh_stale_re_measures_only_active_universes_older_than_the_limit(sessions, clock, target_builder):
    manager = UniverseManager(sessions, clock, stale_after=timedelta(hours=6))
    old = manager.create(UniverseSpec("Texas", ("hvac",), TEXAS))
    inactive = manager.create(UniverseSpec("Texas too", ("plumbing",), TEXAS))
    manager.deactivate(inactive.id)
    clock.advance(5 * 3600)
    recent = manager.create(UniverseSpec("Ohio", ("hvac",), GeoScope((StateConstraint("OH"),))))
    _add(sessions, target_builder.build_many(3, state="TX", vertical="hvac"))
    clock.advance(3600)
    assert manager.refresh_stale() == [old.id]
    assert manager.get(old.id).actual_size == 3
    assert manager.get(old.id).size_refreshed_at == clock.now()
    assert manager.get(recent.id).size_refreshed_at < clock.now()


def test_refresh_stale_measures_an_active_universe_when_it_was_never_measured(manager, sessions, clock, target_builder):
    with sessions.begin() as session:
        imported = TargetUniverse(
            name="imported",
            verticals=["hvac"],
            geography=TEXAS.to_dict(),
            qualification_rules={},
            created_at=clock.now(),
            updated_at=clock.now(),
        )
        session.add(imported)
    _add(sessions, target_builder.build_many(2, state="TX", vertical="hvac"))
    assert manager.refresh_stale() == [imported.id]
    assert (manager.get(imported.id).actual_size, manager.get(imported.id).size_refreshed_at) == (2, clock.now())


@settings(max_examples=20)
@given(spec=universe_specs())
def test_any_valid_spec_is_stored_and_read_back_unchanged(spec):
    sessions = empty_memory_database()
    manager = UniverseManager(sessions, FakeClock())
    stored = manager.get(manager.create(spec).id)
    assert stored.name == spec.name.strip()
    assert UniverseSpec.from_dict({**spec.to_dict(), "name": stored.name}).geography == GeoScope.from_dict(
        stored.geography
    )
    assert QualificationRules.model_validate(stored.qualification_rules) == spec.qualification


def test_spec_from_dict_reads_the_json_form():
    spec = UniverseSpec.from_dict(
        {
            "name": "Austin",
            "verticals": ["hvac"],
            "geography": {"include": [{"city": "Austin", "state": "TX"}]},
            "qualification_rules": {"min_reviews": 5},
        }
    )
    assert spec.to_dict() == {
        "name": "Austin",
        "verticals": ["hvac"],
        "geography": {"include": [{"city": "Austin", "state": "TX"}], "exclude": []},
        "qualification_rules": {
            "min_rating": None,
            "min_reviews": 5,
            "require_website": False,
            "require_phone": False,
            "exclude_chains": False,
        },
    }


def test_spec_from_dict_lists_every_malformed_field():
    with pytest.raises(UniverseValidationError) as caught:
        UniverseSpec.from_dict(
            {
                "name": "bad",
                "verticals": "hvac",
                "geography": {"include": "TX"},
                "qualification_rules": {"min_rating": 9},
                "owner": "me",
            }
        )
    assert caught.value.problems == (
        "unknown field 'owner'",
        "verticals: expected a list of vertical names, got 'hvac'",
        "geography.include must be a list of constraints, got 'TX'",
        "qualification_rules.min_rating: Input should be less than or equal to 5 (got 9)",
    )


def test_spec_from_dict_reads_a_missing_name_and_verticals_as_empty_when_absent():
    assert UniverseSpec.from_dict({}) == UniverseSpec("", ())


def test_spec_from_dict_is_refused_naming_the_universe_when_only_an_unknown_field_is_wrong():
    with pytest.raises(UniverseValidationError) as caught:
        UniverseSpec.from_dict({"name": "Austin", "verticals": ["hvac"], "colour": "red"})
    assert (caught.value.name, caught.value.problems) == ("Austin", ("unknown field 'colour'",))
    assert str(caught.value) == "universe 'Austin' is invalid: unknown field 'colour'"
