import io
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from batch_runner import CheckpointStore
from lead_explorer import LeadRepository, create_app, demo_leads, enrichment_batch_id, load_demo_leads
from lead_explorer.demo_data import DEMO_SOURCES
from lead_explorer.server import (
    DATABASE_FILE_NAME,
    build_repository,
    default_checkpoint_path,
    default_database_path,
    main,
    parse_server_config,
)


class RecordingServe:
    """Stands in for uvicorn.run: records what would have been served."""

    def __init__(self) -> None:
        self.calls = []

    def __call__(self, app, **options):
        self.calls.append((app, options))


def run_main(argv, environ):
    serve, out = RecordingServe(), io.StringIO()
    code = main(argv, environ=environ, serve=serve, out=out)
    return code, serve, out.getvalue()


@pytest.mark.parametrize(
    "environ, expected",
    [
        ({"LEADFACTORY_DATA_DIR": "/data/lf", "HOME": "/home/u"}, Path("/data/lf")),
        ({"XDG_DATA_HOME": "/xdg", "HOME": "/home/u"}, Path("/xdg/leadfactory")),
        ({"HOME": "/home/u"}, Path("/home/u/.local/share/leadfactory")),
    ],
)
def test_default_database_lives_in_the_data_directory(environ, expected):
    assert default_database_path(environ) == expected / DATABASE_FILE_NAME


def test_defaults_are_localhost_8000_on_the_default_sqlite_file():
    config = parse_server_config([], {"HOME": "/home/u"})
    assert (config.host, config.port, config.demo, config.database_origin) == ("127.0.0.1", 8000, False, "default")
    assert config.database_url.database == f"/home/u/.local/share/leadfactory/{DATABASE_FILE_NAME}"


def test_environment_url_overrides_the_default():
    config = parse_server_config([], {"HOME": "/h", "LEADFACTORY_DATABASE_URL": "postgresql://u:secret@db/leads"})
    assert (config.database_url.get_backend_name(), config.database_origin) == (
        "postgresql",
        "$LEADFACTORY_DATABASE_URL",
    )


def test_relative_database_option_is_taken_from_where_bazel_run_was_typed():
    config = parse_server_config(["--database", "var/leads.db"], {"BUILD_WORKING_DIRECTORY": "/work/tree"})
    assert config.database_url.database == "/work/tree/var/leads.db"


@pytest.mark.parametrize("argv", [["--port", "70000"], ["--demo-count", "-1"], ["--port", "eighty"]])
def test_bad_options_exit_with_a_usage_error(argv, capsys):
    with pytest.raises(SystemExit) as caught:
        parse_server_config(argv, {"HOME": "/h"})
    assert caught.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_main_creates_the_schema_prints_the_database_and_serves_on_localhost(tmp_path):
    code, serve, output = run_main(["--port", "8123"], {"LEADFACTORY_DATA_DIR": str(tmp_path / "data")})
    database = tmp_path / "data" / DATABASE_FILE_NAME
    assert code == 0 and database.exists()
    assert f"SQLite file {database}" in output
    app, options = serve.calls[0]
    assert isinstance(app, FastAPI) and (options["host"], options["port"]) == ("127.0.0.1", 8123)


def test_main_with_demo_loads_the_demo_leads_once(tmp_path):
    environ = {"LEADFACTORY_DATA_DIR": str(tmp_path)}
    _, _, first = run_main(["--demo", "--demo-count", "3"], environ)
    _, _, second = run_main(["--demo", "--demo-count", "3"], environ)
    assert "3 new lead(s) loaded (0 already present)" in first
    assert "0 new lead(s) loaded (3 already present)" in second


def test_main_hands_enrichments_left_unfinished_by_an_earlier_run_to_the_app_to_resume(tmp_path):
    config = parse_server_config([], {"LEADFACTORY_DATA_DIR": str(tmp_path)})
    repository = build_repository(config)
    pending = repository.create_lead(actor="t", domain="acme.com", enrich=True)
    running = repository.create_lead(actor="t", domain="globex.com", enrich=True)
    assert running.enrichment_task_id is not None
    repository.start_enrichment(running.enrichment_task_id, actor="t")
    _, _, output = run_main(["--enricher", "offline"], {"LEADFACTORY_DATA_DIR": str(tmp_path)})
    assert "Resuming 2 unfinished enrichment task(s)" in output
    statuses = {build_repository(config).get_lead(lead.id).enrichment_status.value for lead in (pending, running)}
    assert statuses == {"pending"}


def test_main_serves_with_the_configured_limits(tmp_path):
    argv = ["--max-body-bytes", "2048", "--read-timeout", "2.5", "--keep-alive-timeout", "3", "--max-connections", "7"]
    _, serve, _ = run_main(argv, {"LEADFACTORY_DATA_DIR": str(tmp_path)})
    ((_app, options),) = serve.calls
    assert (options["timeout_keep_alive"], options["limit_concurrency"]) == (3, 7)
    assert options["http"].header_timeout == 2.5


def test_main_rejects_an_unusable_database_url_with_exit_code_2(capsys):
    code, serve, _ = run_main([], {"LEADFACTORY_DATABASE_URL": "not a url"})
    assert (code, serve.calls) == (2, [])
    assert "LEADFACTORY_DATABASE_URL='not a url' is not a database URL" in capsys.readouterr().err


def test_main_names_a_database_whose_driver_is_missing_without_its_password(capsys):
    code, _, _ = run_main([], {"LEADFACTORY_DATABASE_URL": "mysql+nosuchdriver://u:secret@db/leads"})
    error = capsys.readouterr().err
    assert code == 2
    assert "cannot use database mysql+nosuchdriver://u:***@db/leads" in error and "secret" not in error


def test_main_reports_a_database_folder_it_cannot_create_with_exit_code_2(tmp_path, capsys):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    code, _, _ = run_main(["--database", str(not_a_folder / "sub" / "leads.db")], {})
    assert code == 2
    assert f"cannot create the database folder {not_a_folder / 'sub'}" in capsys.readouterr().err


def test_main_reports_a_database_it_cannot_open_with_exit_code_1(tmp_path, capsys):
    code, serve, _ = run_main(["--database", str(tmp_path)], {})
    assert (code, serve.calls) == (1, [])
    assert "cannot open the database" in capsys.readouterr().err


def test_main_describes_in_memory_databases_as_lost_on_exit():
    _, _, output = run_main([], {"LEADFACTORY_DATABASE_URL": "sqlite://"})
    assert "in-memory SQLite (lost on exit)" in output


def test_demo_leads_are_the_same_for_the_same_seed_and_distinct_by_domain():
    leads = demo_leads(30, seed=7)
    assert leads == demo_leads(30, seed=7)
    assert len({lead.domain for lead in leads}) == 30
    assert all(lead.email.endswith("@" + lead.domain) for lead in leads)


def test_demo_lead_count_must_not_be_negative():
    with pytest.raises(ValueError, match="must not be negative"):
        demo_leads(-1)


def test_loading_demo_leads_stores_valid_audited_leads(repository: LeadRepository):
    assert load_demo_leads(repository, 5, seed=1) == 5
    assert repository.list_leads().total == 5
    assert repository.verify_audit_chain().entries_checked == 5


# -- quick-add enrichment: batch_runner by default, offline on request --------------------------------


async def test_main_enriches_quick_adds_through_batch_runner_with_checkpoints_next_to_the_database(tmp_path):
    code, serve, output = run_main([], {"LEADFACTORY_DATA_DIR": str(tmp_path)})
    checkpoints = tmp_path / "lead_explorer.batches.sqlite3"
    assert code == 0
    assert "Quick-add enrichment: batch_runner, Hunter domain search via d0_gateway offline stubs" in output
    assert f"checkpoints SQLite file {checkpoints}" in output
    app, _options = serve.calls[0]
    async with app.router.lifespan_context(app):  # what uvicorn does around serving; shutdown closes the enricher
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://server.test") as client:
            added = (await client.post("/leads/quick-add", json={"email": "ana@acme-widgets.com"})).json()
            status = (await client.get(added["status_url"])).json()
            lead = (await client.get(f"/leads/{added['lead']['id']}")).json()
    assert status["status"] == "completed"
    assert (lead["company"], lead["contact_name"]) == ("Acme Widgets", "Ana Lopez")
    store = CheckpointStore.open(checkpoints)
    try:
        assert store.get_batch(enrichment_batch_id(added["task_id"])).status == "completed"
    finally:
        store.close()


@pytest.mark.parametrize(
    "argv, environ",
    [(["--enricher", "offline"], {}), ([], {"LEADFACTORY_ENRICHER": "offline"})],
    ids=["option", "environment"],
)
def test_offline_enricher_can_be_chosen_and_then_keeps_no_checkpoints(tmp_path, argv, environ):
    code, serve, output = run_main(argv, {"LEADFACTORY_DATA_DIR": str(tmp_path), **environ})
    assert (code, len(serve.calls)) == (0, 1)
    assert "Quick-add enrichment: offline, in-process" in output
    assert not (tmp_path / "lead_explorer.batches.sqlite3").exists()


def test_unknown_enricher_in_the_environment_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as caught:
        parse_server_config([], {"HOME": "/h", "LEADFACTORY_ENRICHER": "magic"})
    assert caught.value.code == 2
    assert "$LEADFACTORY_ENRICHER must be one of batch, offline, got 'magic'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, environ, expected",
    [
        (["--database", "/srv/leads.db"], {}, Path("/srv/leads.batches.sqlite3")),
        (
            [],
            {"LEADFACTORY_DATABASE_URL": "postgresql://u@db/leads", "LEADFACTORY_DATA_DIR": "/d"},
            Path("/d/lead_explorer.batches.sqlite3"),
        ),
        ([], {"LEADFACTORY_DATABASE_URL": "sqlite://"}, None),
        (["--checkpoints", "cp.sqlite3"], {"BUILD_WORKING_DIRECTORY": "/work/tree"}, Path("/work/tree/cp.sqlite3")),
    ],
    ids=["next-to-sqlite-file", "data-dir-for-other-databases", "in-memory", "option-from-working-directory"],
)
def test_checkpoint_file_location(argv, environ, expected):
    assert parse_server_config(argv, {"HOME": "/h", **environ}).checkpoints == expected


def test_default_checkpoint_file_of_a_database_outside_sqlite_is_in_the_default_data_directory():
    url = parse_server_config([], {"HOME": "/h", "LEADFACTORY_DATABASE_URL": "postgresql://u@db/leads"}).database_url
    expected = Path("/h/.local/share/leadfactory/lead_explorer.batches.sqlite3")
    assert default_checkpoint_path(url, {"HOME": "/h"}) == expected


def test_main_with_an_in_memory_database_keeps_checkpoints_in_memory():
    _, _, output = run_main([], {"LEADFACTORY_DATABASE_URL": "sqlite://"})
    assert "checkpoints in memory (lost on exit)" in output


def test_main_live_without_the_hunter_key_exits_2_naming_the_variable(tmp_path, capsys):
    code, serve, _ = run_main(["--live"], {"LEADFACTORY_DATA_DIR": str(tmp_path)})
    assert (code, serve.calls) == (2, [])
    assert "HUNTER_API_KEY" in capsys.readouterr().err


def test_main_reports_a_checkpoint_file_it_cannot_open_with_exit_code_2(tmp_path, capsys):
    code, serve, _ = run_main(["--checkpoints", str(tmp_path)], {"LEADFACTORY_DATA_DIR": str(tmp_path / "data")})
    assert (code, serve.calls) == (2, [])
    assert f"cannot open the checkpoint file {tmp_path}" in capsys.readouterr().err


def test_main_reports_a_checkpoint_folder_it_cannot_create_with_exit_code_2(tmp_path, capsys):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    code, _, _ = run_main(["--checkpoints", str(not_a_folder / "cp.sqlite3")], {"LEADFACTORY_DATA_DIR": str(tmp_path)})
    assert code == 2
    assert f"cannot create the checkpoint folder {not_a_folder}" in capsys.readouterr().err


async def test_app_runs_its_shutdown_closers_in_order_when_the_server_stops(repository):
    closed = []

    async def close_gateway():
        closed.append("gateway")

    async def close_store():
        closed.append("store")

    app = create_app(repository, on_shutdown=[close_gateway, close_store])
    async with app.router.lifespan_context(app):
        assert closed == []
    assert closed == ["gateway", "store"]


@pytest.mark.parametrize("argv", [["--port", "0"], ["--port", "65535"], ["--demo-count", "0"]])
def test_options_at_their_bounds_are_accepted(argv):
    config = parse_server_config(argv, {"HOME": "/h"})
    assert {"--port": config.port, "--demo-count": config.demo_count}[argv[0]] == int(argv[1])


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--port", "-1"], "--port must be between 0 and 65535, got -1"),
        (["--port", "65536"], "--port must be between 0 and 65535, got 65536"),
        (["--demo-count", "-1"], "--demo-count must not be negative, got -1"),
    ],
)
def test_out_of_range_option_is_a_usage_error_naming_the_option_and_value(argv, message, capsys):
    with pytest.raises(SystemExit):
        parse_server_config(argv, {"HOME": "/h"})
    assert message in capsys.readouterr().err


def test_options_set_host_demo_enricher_and_live_mode():
    argv = ["--host", "0.0.0.0", "--demo", "--demo-count", "4", "--enricher", "offline", "--live"]
    config = parse_server_config(argv, {"HOME": "/h"})
    assert (config.host, config.demo, config.demo_count, config.enricher, config.live) == (
        "0.0.0.0",
        True,
        4,
        "offline",
        True,
    )


def test_defaults_are_25_demo_leads_enriched_through_batch_runner_on_the_stubs():
    config = parse_server_config([], {"HOME": "/h"})
    assert (config.demo_count, config.enricher, config.live) == (25, "batch", False)


def test_help_names_every_option_with_its_default(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # argparse wraps help to the terminal width: one line per option
    with pytest.raises(SystemExit):
        parse_server_config(["--help"], {"HOME": "/h"})
    lines = [" ".join(line.split()) for line in capsys.readouterr().out.splitlines()]
    expected = [
        "--host HOST interface to listen on (default 127.0.0.1)",
        "--port PORT port (default 8000)",
        "--database PATH SQLite file to use instead of the default",
        "--demo load the demo data set (seeded, idempotent)",
        "--demo-count N demo leads to load (default 25)",
        "--checkpoints PATH SQLite file for batch_runner's enrichment checkpoints",
        "--live call the real Hunter API (needs HUNTER_API_KEY); default: stubs",
    ]
    assert [line for line in expected if line not in lines] == []


@pytest.mark.parametrize(
    "environ, expected",
    [
        ({"LEADFACTORY_DATA_DIR": "", "XDG_DATA_HOME": "/xdg", "HOME": "/home/u"}, Path("/xdg/leadfactory")),
        ({"XDG_DATA_HOME": "", "HOME": "/home/u"}, Path("/home/u/.local/share/leadfactory")),
        ({"HOME": ""}, Path.home() / ".local" / "share" / "leadfactory"),
    ],
    ids=["empty-data-dir", "empty-xdg", "empty-home"],
)
def test_default_database_skips_empty_variables_when_choosing_the_data_directory(environ, expected):
    assert default_database_path(environ) == expected / DATABASE_FILE_NAME


def test_main_prints_where_it_serves_and_its_docs(tmp_path):
    _, _, output = run_main(["--port", "8123", "--enricher", "offline"], {"LEADFACTORY_DATA_DIR": str(tmp_path)})
    assert "Serving on http://127.0.0.1:8123 (API docs at /docs, OpenAPI at /openapi.json)" in output.splitlines()


def test_main_names_where_the_database_setting_came_from(tmp_path):
    database = tmp_path / "leads.db"
    _, _, output = run_main(["--database", str(database), "--enricher", "offline"], {})
    assert f"Lead Explorer database (--database): SQLite file {database}" in output.splitlines()


def test_main_reports_configuration_errors_on_stderr_prefixed_with_the_program(capsys):
    run_main([], {"LEADFACTORY_DATABASE_URL": "not a url"})
    assert capsys.readouterr().err.startswith("lead_explorer: LEADFACTORY_DATABASE_URL='not a url'")


def test_demo_data_set_defaults_to_25_leads_from_seed_2024():
    assert demo_leads() == demo_leads(25, seed=2024) != demo_leads(25, seed=2025)


def test_demo_leads_are_consistent_people_at_their_company_domain():
    for lead in demo_leads(40, seed=3):
        first, last = lead.contact_name.split(" ", 1)
        assert lead.email == f"{first}.{last}@{lead.domain}".lower()
        assert lead.source in DEMO_SOURCES and lead.company


def test_about_a_fifth_of_demo_leads_are_manual():
    manual = sum(lead.is_manual for lead in demo_leads(1000, seed=11))
    assert 150 <= manual <= 250


def test_loading_the_default_demo_set_stores_25_leads_audited_as_the_demo_loader(repository: LeadRepository):
    assert load_demo_leads(repository) == 25
    leads = repository.list_leads().items
    assert {lead.email for lead in leads} == {lead.email for lead in demo_leads()}
    assert {repository.audit_trail(lead.id)[0].actor for lead in leads} == {"demo-loader"}


def test_loading_demo_leads_keeps_their_source_manual_flag_and_contact(repository: LeadRepository):
    load_demo_leads(repository, 10, seed=5)
    stored = {_demo_fields(lead) for lead in repository.list_leads().items}
    expected = {_demo_fields(lead) for lead in demo_leads(10, seed=5)}
    assert stored == expected


def test_loading_demo_leads_again_adds_only_the_missing_ones(repository: LeadRepository):
    load_demo_leads(repository, 3, seed=9)
    assert load_demo_leads(repository, 5, seed=9) == 2
    assert repository.list_leads().total == 5


def _demo_fields(lead):
    return (lead.email, lead.domain, lead.company, lead.contact_name, lead.source, lead.is_manual)


def test_demo_leads_are_exactly_as_many_as_asked_each_with_its_own_domain():
    leads = demo_leads(300, seed=4)
    assert len({lead.domain for lead in leads}) == len(leads) == 300


def test_an_empty_demo_data_set_can_be_asked_for():
    assert demo_leads(0) == []


def test_main_creates_every_missing_folder_of_the_database_path(tmp_path):
    database = tmp_path / "a" / "b" / "leads.db"
    code, _, _ = run_main(["--database", str(database), "--enricher", "offline"], {})
    assert code == 0 and database.exists()


def test_main_creates_every_missing_folder_of_the_checkpoint_path(tmp_path):
    checkpoints = tmp_path / "c" / "d" / "cp.sqlite3"
    code, _, _ = run_main(["--checkpoints", str(checkpoints)], {"LEADFACTORY_DATA_DIR": str(tmp_path / "data")})
    assert code == 0 and checkpoints.exists()


def test_main_says_how_offline_enrichment_works_when_chosen(tmp_path):
    _, _, output = run_main(["--enricher", "offline"], {"LEADFACTORY_DATA_DIR": str(tmp_path)})
    line = "Quick-add enrichment: offline, in-process (company from the domain, contact from the mailbox)"
    assert line in output.splitlines()


def test_main_names_the_batch_enrichment_and_its_checkpoint_file(tmp_path):
    _, _, output = run_main([], {"LEADFACTORY_DATA_DIR": str(tmp_path)})
    checkpoints = tmp_path / "lead_explorer.batches.sqlite3"
    line = (
        "Quick-add enrichment: batch_runner, Hunter domain search via d0_gateway offline stubs; "
        f"checkpoints SQLite file {checkpoints}"
    )
    assert line in output.splitlines()


def test_main_names_in_memory_checkpoints_as_lost_on_exit():
    _, _, output = run_main([], {"LEADFACTORY_DATABASE_URL": "sqlite://"})
    assert output.splitlines()[:2] == [
        "Lead Explorer database ($LEADFACTORY_DATABASE_URL): in-memory SQLite (lost on exit)",
        "Quick-add enrichment: batch_runner, Hunter domain search via d0_gateway offline stubs; "
        "checkpoints in memory (lost on exit)",
    ]


def test_main_explains_resumed_tasks_are_never_paid_twice(tmp_path):
    config = parse_server_config([], {"LEADFACTORY_DATA_DIR": str(tmp_path)})
    build_repository(config).create_lead(actor="t", domain="acme.com", enrich=True)
    _, _, output = run_main(["--enricher", "offline"], {"LEADFACTORY_DATA_DIR": str(tmp_path)})
    line = (
        "Resuming 1 unfinished enrichment task(s) from an earlier run "
        "(a task whose batch already completed adopts its result; none is paid twice)"
    )
    assert line in output.splitlines()


def test_main_records_the_server_start_as_the_actor_of_a_resumed_task(tmp_path):
    config = parse_server_config([], {"LEADFACTORY_DATA_DIR": str(tmp_path)})
    repository = build_repository(config)
    running = repository.create_lead(actor="t", domain="acme.com", enrich=True)
    assert running.enrichment_task_id is not None
    repository.start_enrichment(running.enrichment_task_id, actor="t")
    run_main(["--enricher", "offline"], {"LEADFACTORY_DATA_DIR": str(tmp_path)})
    last = build_repository(config).audit_trail(running.id)[-1]
    assert (last.action, last.actor) == ("enrichment.resumed", "server-start")


def test_main_says_nothing_about_resuming_when_no_task_was_left(tmp_path):
    _, _, output = run_main(["--enricher", "offline"], {"LEADFACTORY_DATA_DIR": str(tmp_path)})
    assert "Resuming" not in output


def test_main_reads_the_process_environment_and_arguments_when_given_none(tmp_path, monkeypatch):
    monkeypatch.setenv("LEADFACTORY_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("sys.argv", ["lead_explorer-server", "--port", "8124", "--enricher", "offline"])
    serve, out = RecordingServe(), io.StringIO()
    assert main(serve=serve, out=out) == 0
    assert serve.calls[0][1]["port"] == 8124 and (tmp_path / DATABASE_FILE_NAME).exists()


async def test_main_gives_the_app_the_configured_body_limit(tmp_path):
    _, serve, _ = run_main(["--max-body-bytes", "64", "--enricher", "offline"], {"LEADFACTORY_DATA_DIR": str(tmp_path)})
    app, _options = serve.calls[0]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://server.test") as client:
        response = await client.post("/leads", json={"email": "b@acme.com", "company": "x" * 64})
    assert response.status_code == 413


def test_help_names_the_program_and_what_it_serves(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit):
        parse_server_config(["--help"], {"HOME": "/h"})
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("usage: lead_explorer-server ")
    assert any(line.startswith("`bazel run //lead_explorer:server`: serves the API with uvicorn") for line in lines)
