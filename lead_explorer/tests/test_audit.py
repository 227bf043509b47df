import hashlib
import json
from datetime import datetime, timedelta, timezone
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, update

from lead_explorer import (
    GENESIS_CHECKSUM,
    AuditAction,
    AuditEntry,
    DuplicateLeadError,
    LeadRepository,
    LeadValidationError,
    WriteConflictError,
    canonical_json,
    create_database_engine,
    create_schema,
    entry_checksum,
    session_factory,
)
from lead_explorer.audit import entry_payload
from testing import FakeClock
from testing.leads import SequentialIds


@pytest.fixture
def history(repository):
    """Four audited changes to two leads: create, update, create, delete."""
    first = repository.create_lead(actor="alice", email="a@acme.com", company="Acme")
    repository.update_lead(first.id, {"company": "Acme Inc"}, actor="bob")
    second = repository.create_lead(actor="alice", domain="globex.io")
    repository.delete_lead(second.id, actor="carol")
    return first, second


def tamper(engine, statement):
    with engine.begin() as connection:
        connection.execute(statement)


def test_every_write_appends_one_entry_naming_who_did_what(repository, history):
    first, second = history
    assert [(e.action, e.actor) for e in repository.audit_trail(first.id)] == [
        ("lead.created", "alice"),
        ("lead.updated", "bob"),
    ]
    assert [(e.action, e.actor) for e in repository.audit_trail(second.id)] == [
        ("lead.created", "alice"),
        ("lead.deleted", "carol"),
    ]


def test_update_entry_records_before_and_after_and_the_changed_fields(repository, history, fake_clock):
    update_entry = repository.audit_trail(history[0].id)[1]
    assert (update_entry.before["company"], update_entry.after["company"]) == ("Acme", "Acme Inc")
    assert update_entry.changed_fields == ("company",)
    assert update_entry.occurred_at == fake_clock.now()


def test_create_entry_has_no_before_and_the_full_lead_after(repository, history):
    created = repository.audit_trail(history[0].id)[0]
    assert created.before is None
    assert created.changed_fields == tuple(sorted(name for name, value in created.after.items() if value is not None))
    assert "email" in created.changed_fields
    assert created.after["email"] == "a@acme.com" and created.after["id"] == history[0].id


def test_chain_links_each_entry_to_the_previous_checksum(repository, history):
    entries = repository.audit_trail(history[0].id) + repository.audit_trail(history[1].id)
    entries.sort(key=lambda entry: entry.sequence)
    assert entries[0].previous_checksum == GENESIS_CHECKSUM
    for earlier, later in pairwise(entries):
        assert later.previous_checksum == earlier.checksum


def test_checksum_is_sha256_of_previous_checksum_and_canonical_json():
    payload = {"sequence": 1, "b": [1, "é"], "a": None}
    expected = hashlib.sha256((GENESIS_CHECKSUM + '{"a":null,"b":[1,"é"],"sequence":1}').encode()).hexdigest()
    assert entry_checksum(GENESIS_CHECKSUM, payload) == expected


@given(st.dictionaries(st.text(max_size=5), st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5))))
def test_canonical_json_does_not_depend_on_key_order(mapping):
    assert canonical_json(dict(reversed(list(mapping.items())))) == canonical_json(mapping)


def test_untouched_chain_verifies(repository, history):
    report = repository.verify_audit_chain()
    assert (report.valid, report.entries_checked, report.broken_at_sequence) == (True, 4, None)


def test_empty_log_verifies_with_the_genesis_head(repository):
    report = repository.verify_audit_chain()
    assert (report.valid, report.entries_checked, report.head_checksum) == (True, 0, GENESIS_CHECKSUM)


def test_editing_an_entrys_contents_is_detected_at_that_entry(repository, history, engine):
    tamper(engine, update(AuditEntry).where(AuditEntry.sequence == 2).values(actor="mallory"))
    report = repository.verify_audit_chain()
    assert (report.valid, report.broken_at_sequence, report.entries_checked) == (False, 2, 1)
    assert report.reason == "checksum does not match the entry's contents"


def test_editing_a_recorded_before_value_is_detected(repository, history, engine):
    with session_factory(engine)() as session:
        entry = session.get(AuditEntry, 2)
        assert entry is not None and entry.before is not None
        entry.before = {**entry.before, "company": "Someone Else"}
        session.commit()
    assert repository.verify_audit_chain().broken_at_sequence == 2


def test_deleting_an_entry_from_the_middle_is_detected(repository, history, engine):
    tamper(engine, delete(AuditEntry).where(AuditEntry.sequence == 2))
    report = repository.verify_audit_chain()
    assert (report.valid, report.broken_at_sequence) == (False, 3)
    assert "entries are missing" in report.reason


def test_rewriting_an_entry_with_a_fresh_checksum_breaks_the_next_link(repository, history, engine):
    with session_factory(engine)() as session:
        entry = session.get(AuditEntry, 2)
        assert entry is not None
        entry.actor = "mallory"
        entry.checksum = entry_checksum(entry.previous_checksum, entry_payload(entry))
        session.commit()
    report = repository.verify_audit_chain()
    assert (report.valid, report.broken_at_sequence) == (False, 3)
    assert report.reason == "previous_checksum does not match the entry before it"


def test_dropping_the_newest_entries_is_detected_against_a_kept_head(repository, history, engine):
    head = repository.verify_audit_chain().head_checksum
    tamper(engine, delete(AuditEntry).where(AuditEntry.sequence == 4))
    assert repository.verify_audit_chain().valid
    report = repository.verify_audit_chain(expected_head=head)
    assert not report.valid and report.reason.endswith(f"expected {head}")


def test_rejected_writes_leave_no_audit_entry(repository, engine):
    lead = repository.create_lead(actor="alice", email="a@acme.com")
    with pytest.raises(DuplicateLeadError):
        repository.create_lead(actor="alice", email="a@acme.com")
    with pytest.raises(LeadValidationError):
        repository.update_lead(lead.id, {"email": "broken"}, actor="alice")
    with session_factory(engine)() as session:
        assert session.scalars(select(AuditEntry.action)).all() == [AuditAction.CREATED.value]


def test_a_lead_whose_audit_entry_cannot_be_stored_is_not_stored_either(repository, colliding_audit_log):
    with pytest.raises(WriteConflictError, match="create lead collided with concurrent writes 3 times"):
        repository.create_lead(actor="alice", email="b@acme.com")
    assert [lead.email for lead in repository.list_leads().items] == ["a@acme.com"]


operations = st.lists(
    st.tuples(st.sampled_from(["create", "update", "delete"]), st.integers(min_value=0, max_value=5)),
    min_size=1,
    max_size=8,
)


@settings(max_examples=15, deadline=None)
@given(operations)
def test_any_sequence_of_writes_leaves_a_valid_chain_with_one_entry_per_change(steps):
    repository = LeadRepository(session_factory(_audit_engine()), new_id=SequentialIds())
    made, changes = [], 0
    for action, index in steps:
        if action == "create":
            made.append(repository.create_lead(actor="p", email=f"lead{changes}@acme.com").id)
            changes += 1
        elif made and action == "update":
            repository.update_lead(made[index % len(made)], {"company": f"Co {changes}"}, actor="p")
            changes += 1
        elif made:
            lead_id = made.pop(index % len(made))
            repository.delete_lead(lead_id, actor="p")
            changes += 1
    report = repository.verify_audit_chain()
    assert report.valid and report.entries_checked == changes


def _audit_engine():
    engine = create_database_engine("sqlite://")
    create_schema(engine)
    return engine


def test_stored_checksum_covers_the_documented_entry_fields_when_recomputed_independently(repository, fake_clock):
    lead = repository.create_lead(actor="alice", email="a@acme.com")
    (entry,) = repository.audit_trail(lead.id)
    payload = {
        "sequence": 1,
        "lead_id": lead.id,
        "action": "lead.created",
        "actor": "alice",
        "occurred_at": fake_clock.now().isoformat(timespec="microseconds"),
        "before": None,
        "after": dict(entry.after),
    }
    text = GENESIS_CHECKSUM + json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert entry.checksum == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_canonical_json_refuses_values_json_cannot_represent():
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        canonical_json({"score": float("nan")})


def test_canonical_json_keeps_non_ascii_text_as_written():
    assert canonical_json({"name": "Zoë"}) == '{"name":"Zoë"}'


def test_verification_names_the_missing_sequence_when_entries_are_missing(repository, history, engine):
    tamper(engine, delete(AuditEntry).where(AuditEntry.sequence == 2))
    report = repository.verify_audit_chain()
    assert (report.reason, report.entries_checked) == ("expected sequence 2: entries are missing", 1)


def test_verification_reports_a_dropped_tail_against_the_kept_head(repository, history, engine):
    head = repository.verify_audit_chain().head_checksum
    tamper(engine, delete(AuditEntry).where(AuditEntry.sequence == 4))
    shortened = repository.verify_audit_chain().head_checksum
    report = repository.verify_audit_chain(expected_head=head)
    assert (report.valid, report.entries_checked, report.broken_at_sequence, report.head_checksum) == (
        False,
        3,
        None,
        shortened,
    )
    assert report.reason == f"head checksum is {shortened}, expected {head}"


def test_verification_accepts_the_chain_when_the_kept_head_matches(repository, history):
    head = repository.verify_audit_chain().head_checksum
    report = repository.verify_audit_chain(expected_head=head)
    assert (report.valid, report.entries_checked, report.head_checksum, report.reason) == (True, 4, head, None)


def test_entry_times_are_recorded_in_utc_when_the_clock_is_in_another_zone(engine):
    local = datetime(2026, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=-5)))
    repository = LeadRepository(session_factory(engine), clock=FakeClock(start=local))
    lead = repository.create_lead(actor="alice", email="a@acme.com")
    (entry,) = repository.audit_trail(lead.id)
    assert (entry.occurred_at, entry.occurred_at.utcoffset()) == (local, timedelta(0))


def test_snapshot_records_every_lead_field_as_json_values(repository, fake_clock):
    lead = repository.create_lead(actor="alice", email="a@acme.com", company="Acme", source="web", enrich=True)
    (entry,) = repository.audit_trail(lead.id)
    now = fake_clock.now().isoformat()
    assert entry.after == {
        "id": lead.id,
        "email": "a@acme.com",
        "domain": None,
        "company": "Acme",
        "contact_name": None,
        "source": "web",
        "is_manual": False,
        "enrichment_status": "pending",
        "enrichment_task_id": lead.enrichment_task_id,
        "enrichment_error": None,
        "enriched_at": None,
        "created_at": now,
        "updated_at": now,
        "deleted_at": None,
    }


def test_changed_fields_list_every_field_a_change_touched_in_name_order(repository, fake_clock):
    lead = repository.create_lead(actor="alice", email="a@acme.com")
    fake_clock.advance(1)
    repository.update_lead(lead.id, {"source": "web", "company": "Acme", "domain": "acme.com"}, actor="bob")
    assert repository.audit_trail(lead.id)[1].changed_fields == ("company", "domain", "source", "updated_at")
