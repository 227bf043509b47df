"""End to end: schemathesis, every check, against the batch API as `bazel run //batch_runner:server` serves it."""

from pathlib import Path

from testing.servers import run_schemathesis, running_server

SEED = 20261125
MAX_EXAMPLES = 10


def test_schemathesis_finds_no_contract_violation_when_run_against_the_served_api(tmp_path):
    config = Path(__file__).with_name("schemathesis.toml")
    with running_server("batch_runner.server", "--db", str(tmp_path / "batches.sqlite")) as server:
        run = run_schemathesis(server, workdir=tmp_path, seed=SEED, max_examples=MAX_EXAMPLES, config=config)
    assert run.returncode == 0, run.output[-8000:]
