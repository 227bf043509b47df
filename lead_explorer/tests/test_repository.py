import re
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from lead_explorer import (
    DatabaseConfigurationError,
    DuplicateLeadError,
    EnrichmentStatus,
    EnrichmentTaskNotFoundError,
    EnrichmentTransitionError,
    LeadFilters,
    LeadIdentityError,
    LeadNotFoundError,
    LeadRepository,
    LeadValidationError,
    SystemClock,
    WriteConflictError,
    create_database_engine,
    create_schema,
    session_factory,
)
from lead_explorer.database import is_in_memory_sqlite
from testing import FakeClock
from testing.leads import SequentialIds, lead_payload, lead_payloads


def create(repository, **fields):
    return repository.create_lead(actor="tester", **fields)


def test_created_lead_is_stored_normalised_with_timestamps_from_the_clock(repository, fake_clock):
    lead = create(repository, email=" Jane.Doe@ACME.com ", domain="https://www.acme.com/about", company=" Acme ")
    stored = repository.get_lead(lead.id)
    assert (stored.email, stored.domain, stored.company) == ("jane.doe@acme.com", "acme.com", "Acme")
    assert stored.created_at == stored.updated_at == fake_clock.now()
    assert stored.enrichment_status is EnrichmentStatus.NOT_REQUESTED
    assert stored.deleted_at is None


def test_create_rejects_a_lead_without_email_or_domain():
    repository = LeadRepository(session_factory(_memory_engine()))
    with pytest.raises(LeadValidationError, match="needs an email or a domain"):
        repository.create_lead(actor="tester", company="Acme")
    assert repository.list_leads().total == 0


@pytest.mark.parametrize("field", ["email", "domain"])
def test_duplicate_unique_field_is_rejected_naming_the_field_and_existing_lead(repository, field):
    first = create(repository, email="a@acme.com", domain="acme.com")
    duplicate = {"email": "A@ACME.COM", "domain": "other.com"} if field == "email" else {"domain": "www.acme.com"}
    with pytest.raises(DuplicateLeadError) as caught:
        create(repository, **duplicate)
    assert (caught.value.field, caught.value.existing_id) == (field, first.id)
    assert caught.value.value == {"email": "a@acme.com", "domain": "acme.com"}[field]
    assert repository.list_leads().total == 1


def test_leads_without_email_may_share_the_absence_of_one(repository):
    create(repository, domain="one.com")
    create(repository, domain="two.com")
    assert repository.list_leads().total == 2


def test_unknown_id_raises_not_found(repository):
    with pytest.raises(LeadNotFoundError, match="no lead with id 'missing'") as caught:
        repository.get_lead("missing")
    assert caught.value.lead_id == "missing"


def test_update_changes_only_given_fields_and_moves_updated_at(repository, fake_clock):
    lead = create(repository, email="a@acme.com", company="Acme")
    fake_clock.advance(60)
    updated = repository.update_lead(lead.id, {"company": "Acme Inc", "source": "referral"}, actor="editor")
    assert (updated.email, updated.company, updated.source) == ("a@acme.com", "Acme Inc", "referral")
    assert updated.updated_at - lead.updated_at == timedelta(seconds=60)
    assert repository.get_lead(lead.id) == updated


def test_update_with_none_clears_a_field(repository):
    lead = create(repository, email="a@acme.com", domain="acme.com")
    assert repository.update_lead(lead.id, {"domain": None}, actor="editor").domain is None


def test_update_may_not_clear_both_email_and_domain(repository):
    lead = create(repository, email="a@acme.com")
    with pytest.raises(LeadIdentityError, match="needs an email or a domain") as caught:
        repository.update_lead(lead.id, {"email": None}, actor="editor")
    assert (caught.value.field, caught.value.lead_id) == ("email", lead.id)
    assert repository.get_lead(lead.id).email == "a@acme.com"


def test_update_to_another_leads_email_is_a_duplicate(repository):
    create(repository, email="a@acme.com")
    second = create(repository, email="b@acme.com")
    with pytest.raises(DuplicateLeadError, match="email 'a@acme.com'"):
        repository.update_lead(second.id, {"email": "a@acme.com"}, actor="editor")


def test_update_keeping_own_email_is_not_a_duplicate(repository):
    lead = create(repository, email="a@acme.com")
    assert repository.update_lead(lead.id, {"email": "A@acme.com", "company": "Acme"}, actor="e").company == "Acme"


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"id": "x"}, "id"),
        ({"enrichment_status": "completed"}, "enrichment_status"),
        ({"is_manual": None}, "is_manual"),
        ({"is_manual": "yes"}, "is_manual"),
        ({"email": "nope"}, "email"),
    ],
)
def test_update_rejects_non_editable_or_invalid_fields_naming_them(repository, changes, field):
    lead = create(repository, email="a@acme.com")
    with pytest.raises(LeadValidationError) as caught:
        repository.update_lead(lead.id, changes, actor="editor")
    assert caught.value.field == field


def test_update_without_any_change_writes_nothing(repository, fake_clock):
    lead = create(repository, email="a@acme.com", company="Acme")
    fake_clock.advance(5)
    assert repository.update_lead(lead.id, {"company": "Acme"}, actor="editor") == lead
    assert len(repository.audit_trail(lead.id)) == 1


def test_deleted_lead_disappears_from_reads_but_stays_when_included(repository):
    lead = create(repository, email="a@acme.com")
    deleted = repository.delete_lead(lead.id, actor="editor")
    assert deleted.deleted_at is not None
    with pytest.raises(LeadNotFoundError):
        repository.get_lead(lead.id)
    assert repository.get_lead(lead.id, include_deleted=True).deleted_at == deleted.deleted_at
    assert repository.list_leads().total == 0
    assert repository.list_leads(LeadFilters(include_deleted=True)).total == 1


def test_deleting_twice_reports_not_found(repository):
    lead = create(repository, email="a@acme.com")
    repository.delete_lead(lead.id, actor="editor")
    with pytest.raises(LeadNotFoundError):
        repository.delete_lead(lead.id, actor="editor")


def test_deleting_a_lead_frees_its_email_and_domain_for_a_new_lead(repository):
    lead = create(repository, email="a@acme.com", domain="acme.com")
    repository.delete_lead(lead.id, actor="editor")
    assert create(repository, email="a@acme.com", domain="acme.com").id != lead.id


def test_list_is_newest_first_and_paginates_with_a_total(repository, fake_clock, faker):
    created = []
    for _ in range(5):
        created.append(create(repository, **lead_payload(faker)))
        fake_clock.advance(1)
    page = repository.list_leads(limit=2, offset=1)
    assert page.total == 5
    assert [lead.id for lead in page.items] == [created[3].id, created[2].id]


@pytest.mark.parametrize(
    "search, expected",
    [("ACME", {"jane@acme.com", "ops@example.org"}), ("globex.io", {"bob@globex.io"}), ("100%", set()), ("_", set())],
)
def test_search_matches_email_domain_or_company_case_insensitively_and_literally(repository, search, expected):
    create(repository, email="jane@acme.com")
    create(repository, email="ops@example.org", company="Acme Holdings")
    create(repository, email="bob@globex.io", domain="globex.io")
    found = repository.list_leads(LeadFilters(search=search)).items
    assert {lead.email for lead in found} == expected


def test_filters_narrow_by_source_manual_flag_and_enrichment_status(repository):
    create(repository, email="a@one.com", source="web", is_manual=True)
    create(repository, email="b@two.com", source="web")
    create(repository, email="c@three.com", source="referral", is_manual=True)
    pending = repository.create_lead(actor="t", email="d@four.com", source="web", enrich=True)
    assert repository.list_leads(LeadFilters(source="web", is_manual=True)).total == 1
    assert repository.list_leads(LeadFilters(is_manual=False)).total == 2
    only_pending = repository.list_leads(LeadFilters(enrichment_status=EnrichmentStatus.PENDING)).items
    assert [lead.id for lead in only_pending] == [pending.id]


@pytest.mark.parametrize("limit, offset, field", [(0, 0, "limit"), (201, 0, "limit"), (10, -1, "offset")])
def test_list_rejects_out_of_range_paging(repository, limit, offset, field):
    with pytest.raises(LeadValidationError) as caught:
        repository.list_leads(limit=limit, offset=offset)
    assert caught.value.field == field


@pytest.fixture(scope="module")
def nine_leads() -> LeadRepository:
    repository = LeadRepository(session_factory(_memory_engine()), new_id=SequentialIds())
    for payload in lead_payloads(9, seed="paging"):
        repository.create_lead(actor="t", **payload)
    return repository


@settings(deadline=None)  # database round trips: timing is not the property under test
@given(limit=st.integers(min_value=1, max_value=12))
def test_paging_through_all_pages_yields_every_lead_exactly_once(nine_leads, limit):
    repository = nine_leads
    seen = []
    for offset in range(0, 9 + limit, limit):
        page = repository.list_leads(limit=limit, offset=offset)
        assert page.total == 9
        seen.extend(lead.id for lead in page.items)
    assert len(seen) == len(set(seen)) == 9


def test_actor_must_be_given(repository):
    with pytest.raises(LeadValidationError, match="actor: must name who makes the change"):
        repository.create_lead(actor="  ", email="a@acme.com")


def test_enrichment_moves_pending_running_completed_and_fills_only_empty_fields(repository, fake_clock):
    lead = repository.create_lead(actor="t", email="a@acme.com", company="Curated Name", enrich=True)
    task = lead.enrichment_task_id
    assert repository.start_enrichment(task, actor="worker").enrichment_status is EnrichmentStatus.RUNNING
    fake_clock.advance(3)
    done = repository.complete_enrichment(task, actor="worker", company="Found Co", contact_name="Ann Lee")
    assert done.enrichment_status is EnrichmentStatus.COMPLETED
    assert (done.company, done.contact_name) == ("Curated Name", "Ann Lee")
    assert done.enriched_at == fake_clock.now()


def test_failed_enrichment_keeps_its_error(repository):
    task = repository.create_lead(actor="t", email="a@acme.com", enrich=True).enrichment_task_id
    failed = repository.fail_enrichment(task, "provider said no", actor="worker")
    assert (failed.enrichment_status, failed.enrichment_error) == (EnrichmentStatus.FAILED, "provider said no")
    assert repository.get_enrichment_task(task) == failed


def test_failed_enrichment_error_is_stored_without_nul_characters_and_cut_to_the_column(repository):
    task = repository.create_lead(actor="t", email="a@acme.com", enrich=True).enrichment_task_id
    failed = repository.fail_enrichment(task, "bad\x00byte " + "x" * 2000, actor="worker")
    assert failed.enrichment_error.startswith("bad\ufffdbyte x")
    assert len(failed.enrichment_error) == 1000


def test_source_filter_ignores_surrounding_whitespace(repository):
    create(repository, email="a@one.com", source="web")
    assert repository.list_leads(LeadFilters(source=" web ")).total == 1


def test_enrichment_cannot_complete_before_it_started(repository):
    task = repository.create_lead(actor="t", email="a@acme.com", enrich=True).enrichment_task_id
    with pytest.raises(EnrichmentTransitionError, match="is pending; it cannot become completed"):
        repository.complete_enrichment(task, actor="worker")


def test_requesting_enrichment_again_while_one_is_pending_is_refused(repository):
    lead = repository.create_lead(actor="t", email="a@acme.com", enrich=True)
    with pytest.raises(EnrichmentTransitionError):
        repository.request_enrichment(lead.id, actor="t")


def test_requesting_enrichment_after_a_failure_issues_a_new_task(repository):
    lead = repository.create_lead(actor="t", email="a@acme.com", enrich=True)
    repository.fail_enrichment(lead.enrichment_task_id, "boom", actor="worker")
    again = repository.request_enrichment(lead.id, actor="t")
    assert again.enrichment_status is EnrichmentStatus.PENDING
    assert again.enrichment_task_id != lead.enrichment_task_id
    assert again.enrichment_error is None
    with pytest.raises(EnrichmentTaskNotFoundError):
        repository.get_enrichment_task(lead.enrichment_task_id)


def test_unfinished_enrichments_are_failed_with_the_reason(repository):
    pending = repository.create_lead(actor="t", email="a@acme.com", enrich=True)
    running = repository.create_lead(actor="t", email="b@acme.com", enrich=True)
    repository.start_enrichment(running.enrichment_task_id, actor="worker")
    create(repository, email="c@acme.com")
    assert repository.fail_unfinished_enrichments("server restarted", actor="server") == 2
    for lead in (pending, running):
        stored = repository.get_lead(lead.id)
        assert (stored.enrichment_status, stored.enrichment_error) == (EnrichmentStatus.FAILED, "server restarted")


def test_repository_refuses_zero_write_attempts(engine):
    with pytest.raises(ValueError, match="max_write_attempts must be at least 1"):
        LeadRepository(session_factory(engine), max_write_attempts=0)


def test_file_database_keeps_leads_across_engines(tmp_path):
    url = f"sqlite:///{tmp_path / 'leads.sqlite3'}"
    first = create_database_engine(url)
    create_schema(first)
    lead = LeadRepository(session_factory(first)).create_lead(actor="t", email="a@acme.com")
    first.dispose()
    second = create_database_engine(url)
    create_schema(second)
    assert LeadRepository(session_factory(second)).get_lead(lead.id).email == "a@acme.com"
    second.dispose()


def _memory_engine():
    engine = create_database_engine("sqlite://")
    create_schema(engine)
    return engine


def test_repository_accepts_a_single_write_attempt_when_asked_for_one(engine):
    repository = LeadRepository(session_factory(engine), max_write_attempts=1)
    assert repository.create_lead(actor="t", email="a@acme.com").email == "a@acme.com"


def test_repository_names_the_refused_write_attempts_when_they_are_below_one(engine):
    with pytest.raises(ValueError, match="max_write_attempts must be at least 1, got -2"):
        LeadRepository(session_factory(engine), max_write_attempts=-2)


def test_write_is_given_up_after_the_configured_attempts_when_it_keeps_colliding(engine, colliding_audit_log):
    repository = LeadRepository(session_factory(engine), max_write_attempts=2)
    with pytest.raises(WriteConflictError, match="update lead collided with concurrent writes 2 times") as caught:
        repository.update_lead(colliding_audit_log.id, {"company": "Acme"}, actor="t")
    assert (caught.value.operation, caught.value.attempts) == ("update lead", 2)
    assert repository.get_lead(colliding_audit_log.id).company is None


def test_repository_ids_are_distinct_uuids_when_no_id_factory_is_given(engine):
    repository = LeadRepository(session_factory(engine))
    lead = repository.create_lead(actor="t", domain="acme.com", enrich=True)
    other = repository.create_lead(actor="t", domain="globex.com")
    assert str(uuid.UUID(lead.id)) == lead.id and uuid.UUID(lead.enrichment_task_id).version == 4
    assert len({lead.id, lead.enrichment_task_id, other.id}) == 3


def test_system_clock_tells_the_current_time_in_utc():
    before = datetime.now(UTC)
    now = SystemClock().now()
    assert now.tzinfo is UTC and before <= now <= datetime.now(UTC)


def test_timestamps_are_stored_in_utc_when_the_clock_is_in_another_zone(engine):
    local = datetime(2026, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    repository = LeadRepository(session_factory(engine), clock=FakeClock(start=local))
    lead = repository.create_lead(actor="t", email="a@acme.com")
    assert (lead.created_at, lead.created_at.utcoffset()) == (local, timedelta(0))


@pytest.mark.parametrize("field, longest", [("company", 200), ("contact_name", 200), ("source", 100)])
def test_text_field_is_refused_naming_it_when_over_its_length_limit(repository, field, longest):
    assert create(repository, email="a@acme.com", **{field: "x" * longest}).email == "a@acme.com"
    with pytest.raises(LeadValidationError) as caught:
        create(repository, email="b@acme.com", **{field: "x" * (longest + 1)})
    assert caught.value.field == field


def test_actor_is_refused_when_over_100_characters(repository):
    assert repository.create_lead(actor="a" * 100, email="b@acme.com").email == "b@acme.com"
    with pytest.raises(LeadValidationError, match="^actor: "):
        repository.create_lead(actor="a" * 101, email="c@acme.com")


def test_blank_email_is_stored_as_no_email_when_a_domain_is_given(repository):
    lead = create(repository, email="   ", domain="acme.com")
    assert (lead.email, lead.domain) == (None, "acme.com")


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"owner": "x"}, "owner: is not an editable lead field"),
        ({"is_manual": None}, "is_manual: must be true or false"),
    ],
)
def test_update_names_the_reason_when_a_field_cannot_be_changed(repository, changes, message):
    lead = create(repository, email="a@acme.com")
    with pytest.raises(LeadValidationError, match=f"^{message}"):
        repository.update_lead(lead.id, changes, actor="editor")


def test_update_can_flip_the_manual_flag(repository):
    lead = create(repository, email="a@acme.com")
    assert repository.update_lead(lead.id, {"is_manual": True}, actor="editor").is_manual is True


@pytest.mark.parametrize(
    "filters, field",
    [(LeadFilters(search="x" * 201), "search"), (LeadFilters(source="x" * 101), "source")],
)
def test_list_refuses_a_filter_naming_it_when_over_its_length_limit(repository, filters, field):
    with pytest.raises(LeadValidationError) as caught:
        repository.list_leads(filters)
    assert caught.value.field == field


@pytest.mark.parametrize(
    "limit, offset, message",
    [(0, 0, "limit: must be between 1 and 200"), (10, -1, "offset: must not be negative")],
)
def test_list_names_the_paging_rule_when_paging_is_out_of_range(repository, limit, offset, message):
    with pytest.raises(LeadValidationError, match=f"^{message}"):
        repository.list_leads(limit=limit, offset=offset)


def test_list_accepts_paging_at_its_limits(repository):
    create(repository, email="a@acme.com")
    assert [len(repository.list_leads(limit=limit).items) for limit in (1, 200)] == [1, 1]


def test_list_orders_leads_created_at_the_same_moment_by_id(repository):
    first, second = create(repository, email="a@acme.com"), create(repository, email="b@acme.com")
    assert [lead.id for lead in repository.list_leads().items] == sorted([first.id, second.id])


def test_list_defaults_to_the_first_50_live_leads(repository):
    for index in range(51):
        create(repository, email=f"lead{index}@acme.com")
    page = repository.list_leads()
    assert (len(page.items), page.total, page.limit, page.offset) == (50, 51, 50, 0)


def test_delete_stamps_the_deletion_and_the_update_time_from_the_clock(repository, fake_clock):
    lead = create(repository, email="a@acme.com")
    fake_clock.advance(30)
    deleted = repository.delete_lead(lead.id, actor="editor")
    assert deleted.deleted_at == deleted.updated_at == fake_clock.now()


def test_requesting_enrichment_while_one_is_running_is_refused_naming_its_state(repository):
    lead = repository.create_lead(actor="t", email="a@acme.com", enrich=True)
    repository.start_enrichment(lead.enrichment_task_id, actor="worker")
    with pytest.raises(EnrichmentTransitionError, match="is running; it cannot become pending") as caught:
        repository.request_enrichment(lead.id, actor="t")
    assert caught.value.task_id == lead.enrichment_task_id


def test_requesting_enrichment_is_audited_with_the_time_and_the_actor(repository, fake_clock):
    lead = create(repository, email="a@acme.com")
    fake_clock.advance(7)
    again = repository.request_enrichment(lead.id, actor="dana")
    entry = repository.audit_trail(lead.id)[-1]
    assert (entry.action, entry.actor, entry.occurred_at) == ("enrichment.requested", "dana", fake_clock.now())
    assert (entry.before["enrichment_status"], entry.after["enrichment_status"]) == ("not_requested", "pending")
    assert again.updated_at == fake_clock.now()


def test_a_completed_enrichment_cannot_be_failed_afterwards(repository):
    task = repository.create_lead(actor="t", email="a@acme.com", enrich=True).enrichment_task_id
    repository.start_enrichment(task, actor="worker")
    repository.complete_enrichment(task, actor="worker")
    with pytest.raises(EnrichmentTransitionError, match="is completed; it cannot become failed") as caught:
        repository.fail_enrichment(task, "late", actor="worker")
    assert (caught.value.task_id, caught.value.current, caught.value.requested) == (task, "completed", "failed")


def test_transition_of_an_unknown_task_is_refused_naming_it(repository):
    with pytest.raises(EnrichmentTaskNotFoundError, match="no enrichment task with id 'nope'") as caught:
        repository.start_enrichment("nope", actor="worker")
    assert caught.value.task_id == "nope"


def test_completion_fills_an_empty_company_and_keeps_no_error(repository):
    task = repository.create_lead(actor="t", email="a@acme.com", enrich=True).enrichment_task_id
    repository.start_enrichment(task, actor="worker")
    done = repository.complete_enrichment(task, actor="worker", company="Found Co")
    assert (done.company, done.contact_name, done.enrichment_error) == ("Found Co", None, None)


def test_requeue_returns_unfinished_tasks_oldest_first_and_takes_running_ones_back_to_pending(repository, fake_clock):
    running = repository.create_lead(actor="t", email="a@acme.com", enrich=True)
    fake_clock.advance(1)
    pending = repository.create_lead(actor="t", email="b@acme.com", enrich=True)
    fake_clock.advance(1)
    repository.start_enrichment(running.enrichment_task_id, actor="worker")
    done = repository.create_lead(actor="t", email="c@acme.com", enrich=True)
    repository.start_enrichment(done.enrichment_task_id, actor="worker")
    repository.complete_enrichment(done.enrichment_task_id, actor="worker")
    resumed = repository.requeue_unfinished_enrichments(actor="server-start")
    assert resumed == [pending.enrichment_task_id, running.enrichment_task_id]
    assert repository.get_lead(running.id).enrichment_status is EnrichmentStatus.PENDING
    last = repository.audit_trail(running.id)[-1]
    assert (last.action, last.actor) == ("enrichment.resumed", "server-start")


def test_requeue_leaves_pending_tasks_unaudited(repository):
    pending = repository.create_lead(actor="t", email="a@acme.com", enrich=True)
    assert repository.requeue_unfinished_enrichments(actor="server-start") == [pending.enrichment_task_id]
    assert [entry.action for entry in repository.audit_trail(pending.id)] == ["lead.created"]


def _pragma(engine, name):
    with engine.connect() as connection:
        return connection.exec_driver_sql(f"PRAGMA {name}").scalar_one()


def test_file_database_runs_in_wal_mode_with_foreign_keys_enforced(tmp_path):
    engine = create_database_engine(f"sqlite:///{tmp_path / 'leads.sqlite3'}")
    assert (_pragma(engine, "journal_mode"), _pragma(engine, "foreign_keys")) == ("wal", 1)
    engine.dispose()


def test_in_memory_database_enforces_foreign_keys_and_keeps_one_database(engine):
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE marker (value INTEGER)"))
    assert (_pragma(engine, "foreign_keys"), _pragma(engine, "journal_mode")) == (1, "memory")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM marker")).scalar_one() == 0


@pytest.mark.parametrize(
    "url, in_memory",
    [
        ("sqlite://", True),
        ("sqlite:///:memory:", True),
        ("sqlite:///file:leads?mode=memory&cache=shared&uri=true", True),
        ("sqlite:///leads.sqlite3", False),
        ("sqlite:///leads.sqlite3?mode=ro", False),
    ],
)
def test_in_memory_sqlite_is_told_apart_from_a_file(url, in_memory):
    assert is_in_memory_sqlite(make_url(url)) is in_memory


@pytest.mark.parametrize(
    "url, message",
    [
        ("not a url", "database URL 'not a url' is not a valid SQLAlchemy URL"),
        ("mysql+nosuchdriver://u:secret@db/leads", "cannot use database mysql+nosuchdriver://u:***@db/leads"),
    ],
)
def test_unusable_database_url_is_refused_naming_it(url, message):
    with pytest.raises(DatabaseConfigurationError, match=re.escape(message)) as caught:
        create_database_engine(url)
    assert "secret" not in str(caught.value)


def test_write_transactions_on_sqlite_take_the_write_lock_up_front(tmp_path):
    url = f"sqlite:///{tmp_path / 'leads.sqlite3'}"
    writer, reader = create_database_engine(url), create_database_engine(url)
    create_schema(writer)
    session = session_factory(writer)()
    session.connection(execution_options={"leadfactory_write_transaction": True})
    try:
        with reader.connect() as other:
            other.exec_driver_sql("PRAGMA busy_timeout = 0")
            with pytest.raises(OperationalError, match="database is locked"):
                other.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        session.close()
        writer.dispose()
        reader.dispose()


@pytest.mark.parametrize(
    "operation, write",
    [
        ("update lead", lambda repository, lead: repository.update_lead(lead.id, {"company": "X"}, actor="t")),
        ("delete lead", lambda repository, lead: repository.delete_lead(lead.id, actor="t")),
        ("request enrichment", lambda repository, lead: repository.request_enrichment(lead.id, actor="t")),
    ],
)
def test_write_names_its_operation_when_it_keeps_colliding(repository, colliding_audit_log, operation, write):
    with pytest.raises(WriteConflictError, match=f"^{operation} collided with concurrent writes 3 times"):
        write(repository, colliding_audit_log)
    assert repository.get_lead(colliding_audit_log.id) == colliding_audit_log


@pytest.mark.parametrize(
    "search, expected",
    [("_", {"big_deal@acme.com", "ops@globex.io"}), ("100%", {"sales@organic.com"}), ("\\", {"qa@initech.com"})],
)
def test_search_matches_wildcard_characters_literally_in_email_and_company(repository, search, expected):
    create(repository, email="big_deal@acme.com")
    create(repository, email="ops@globex.io", company="Globex_Holdings")
    create(repository, email="sales@organic.com", company="100% Organic")
    create(repository, email="bulk@widgets.com", company="1000 Widgets")
    create(repository, email="qa@initech.com", company="Init\\Tech")
    assert {lead.email for lead in repository.list_leads(LeadFilters(search=search)).items} == expected


def test_list_names_the_refused_limit_in_its_message(repository):
    with pytest.raises(LeadValidationError, match=re.escape("limit: must be between 1 and 200 (got 0)")):
        repository.list_leads(limit=0)
