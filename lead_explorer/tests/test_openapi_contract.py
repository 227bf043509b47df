"""End to end: schemathesis, every check, against Lead Explorer as `bazel run //lead_explorer:server` serves it."""

from pathlib import Path

from testing.servers import run_schemathesis, running_server

SEED = 20261125
MAX_EXAMPLES = 10


def test_schemathesis_finds_no_contract_violation_when_run_against_the_served_api(tmp_path):
    config = Path(__file__).with_name("schemathesis.toml")
    with running_server("lead_explorer.server", "--database", str(tmp_path / "leads.sqlite3")) as server:
        run = run_schemathesis(server, workdir=tmp_path, seed=SEED, max_examples=MAX_EXAMPLES, config=config)
    assert run.returncode == 0, run.output[-8000:]
