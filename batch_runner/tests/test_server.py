import io

import httpx
import pytest
from fastapi import FastAPI

from batch_runner import RetryPolicy, RunSettings, edge
from batch_runner.server import build_app, main, parse_server_config


class RecordingServe:
    """Stands in for uvicorn.run: records what would have been served."""

    def __init__(self):
        self.calls = []

    def __call__(self, app, **options):
        self.calls.append((app, options))


def test_defaults_are_localhost_8001_offline_with_the_clis_checkpoint_file_and_default_limits(tmp_path):
    config = parse_server_config([], {"TMPDIR": str(tmp_path)})
    assert (config.host, config.port, config.live) == ("127.0.0.1", 8001, False)
    assert config.db == tmp_path / "leadfactory-batches.sqlite"
    assert config.limits == edge.ServerLimits()


def test_batches_run_four_leads_at_once_sixty_seconds_each_with_three_attempts_by_default():
    assert parse_server_config([], {}).settings == RunSettings(4, 60.0, RetryPolicy(max_attempts=3))


def test_run_settings_come_from_the_concurrency_timeout_and_retries_options():
    config = parse_server_config(["--concurrency", "1", "--timeout", "0.5", "--retries", "1"], {})
    assert config.settings == RunSettings(1, 0.5, RetryPolicy(max_attempts=1))


@pytest.mark.parametrize("port", [0, 65535])
def test_ports_zero_to_65535_are_accepted(port):
    assert parse_server_config(["--port", str(port)], {}).port == port


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--port", "65536"], "--port must be between 0 and 65535, got 65536"),
        (["--port", "-1"], "--port must be between 0 and 65535, got -1"),
        (["--retries", "0"], "--concurrency and --retries must be >= 1 and --timeout > 0"),
        (["--timeout", "0"], "--concurrency and --retries must be >= 1 and --timeout > 0"),
    ],
)
def test_out_of_range_options_are_named_in_the_usage_error(argv, message, capsys):
    with pytest.raises(SystemExit):
        parse_server_config(argv, {})
    assert capsys.readouterr().err.endswith(f"error: {message}\n")


def test_relative_db_is_taken_from_where_bazel_run_was_typed():
    config = parse_server_config(["--db", "b.sqlite"], {"BUILD_WORKING_DIRECTORY": "/work/tree"})
    assert str(config.db) == "/work/tree/b.sqlite"


@pytest.mark.parametrize("argv", [["--port", "70000"], ["--concurrency", "0"], ["--max-body-bytes", "-5"]])
def test_bad_options_exit_with_a_usage_error(argv):
    with pytest.raises(SystemExit) as caught:
        parse_server_config(argv, {})
    assert caught.value.code == 2


def test_main_serves_the_batch_api_on_loopback_with_the_limits(tmp_path):
    serve, out = RecordingServe(), io.StringIO()
    argv = ["--db", str(tmp_path / "b.sqlite"), "--port", "9001", "--read-timeout", "4"]
    assert main(argv, environ={}, serve=serve, out=out) == 0
    ((app, options),) = serve.calls
    assert isinstance(app, FastAPI) and (options["host"], options["port"]) == ("127.0.0.1", 9001)
    assert options["http"].header_timeout == 4.0
    assert "d0_gateway offline stubs; checkpoints in SQLite file" in out.getvalue()


def test_main_prints_where_it_serves_the_api_and_its_docs(tmp_path):
    out = io.StringIO()
    main(["--db", str(tmp_path / "b.sqlite"), "--port", "9001"], environ={}, serve=RecordingServe(), out=out)
    assert "Serving on http://127.0.0.1:9001 (API docs at /docs, OpenAPI at /openapi.json)\n" in out.getvalue()


def test_main_keeps_checkpoints_in_the_given_environments_temp_directory_when_no_db_is_given(tmp_path):
    out = io.StringIO()
    main([], environ={"TMPDIR": str(tmp_path)}, serve=RecordingServe(), out=out)
    assert f"checkpoints in SQLite file {tmp_path / 'leadfactory-batches.sqlite'}\n" in out.getvalue()


def test_main_serves_live_providers_when_their_keys_are_in_the_given_environment(tmp_path):
    out, environ = io.StringIO(), {"HUNTER_API_KEY": "hunter-test-key", "PAGESPEED_API_KEY": "pagespeed-test-key"}
    assert main(["--db", str(tmp_path / "b.sqlite"), "--live"], environ=environ, serve=RecordingServe(), out=out) == 0
    assert out.getvalue().startswith("Batch runner: live providers; checkpoints in SQLite file")


def test_main_reads_the_process_arguments_when_given_none(tmp_path, monkeypatch):
    serve = RecordingServe()
    monkeypatch.setattr("sys.argv", ["batch_runner-server", "--port", "9002", "--db", str(tmp_path / "b.sqlite")])
    assert main(environ={}, serve=serve, out=io.StringIO()) == 0
    assert serve.calls[0][1]["port"] == 9002


def test_main_live_without_provider_keys_exits_2(tmp_path, capsys):
    assert main(["--db", str(tmp_path / "b.sqlite"), "--live"], environ={}, serve=RecordingServe()) == 2
    assert "HUNTER_API_KEY" in capsys.readouterr().err


def test_main_reports_a_checkpoint_file_it_cannot_open_with_exit_code_2(tmp_path, capsys):
    (tmp_path / "dir.sqlite").mkdir()
    assert main(["--db", str(tmp_path / "dir.sqlite")], environ={}, serve=RecordingServe()) == 2
    assert "cannot open the checkpoint file" in capsys.readouterr().err


async def test_built_app_answers_and_closes_its_gateway_and_store_when_it_stops(tmp_path):
    app = build_app(parse_server_config(["--db", str(tmp_path / "b.sqlite")], {}), {})
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b.test") as client:
            assert (await client.get("/batches")).json() == []


def _help(capsys, monkeypatch):
    """The server's --help, one line per option at any terminal width (whitespace collapsed)."""
    monkeypatch.setenv("COLUMNS", "400")
    with pytest.raises(SystemExit) as caught:
        parse_server_config(["--help"], {})
    assert caught.value.code == 0
    return " " + " ".join(capsys.readouterr().out.split()) + " "


def test_help_says_what_the_server_serves_and_where(capsys, monkeypatch):
    assert " `bazel run //batch_runner:server`: serves the batch API with uvicorn on 127.0.0.1:8001. " in _help(
        capsys, monkeypatch
    )


@pytest.mark.parametrize(
    "option",
    [
        "--host HOST interface to listen on (default 127.0.0.1)",
        "--port PORT port (default 8001)",
        "--db PATH SQLite checkpoint file (default: the CLI's, in the temp directory)",
        "--live call the real providers (needs their API keys)",
        "--concurrency CONCURRENCY leads in flight per batch (default 4)",
        "--timeout TIMEOUT seconds per lead, retries included (default 60)",
        "--retries RETRIES attempts per step for retryable errors (default 3)",
        "limits: --max-body-bytes N largest request body; larger gets 413"
        " (default 1048576; $LEADFACTORY_MAX_BODY_BYTES)",
        "--read-timeout SECONDS stalled headers or body are cut off (default 30; $LEADFACTORY_READ_TIMEOUT)",
        "--keep-alive-timeout SECONDS idle connections close (default 5; $LEADFACTORY_KEEP_ALIVE_TIMEOUT)",
        "--max-connections N concurrent connections before 503 (default 200; $LEADFACTORY_MAX_CONNECTIONS)",
    ],
)
def test_help_describes_each_option_with_its_default(option, capsys, monkeypatch):
    assert f" {option} " in _help(capsys, monkeypatch)
