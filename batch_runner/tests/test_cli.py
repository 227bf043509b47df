import asyncio
import io
import re
import signal
from decimal import Decimal
from pathlib import Path

import pytest
from rich.console import Console

import batch_runner
from batch_runner import Lead, Pipeline, standard_pipeline
from batch_runner.cli import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_LEADS_FAILED,
    EXIT_NEEDS_APPROVAL,
    EXIT_OK,
    build_parser,
    default_db_path,
    main,
)
from testing.batches import leads_csv, make_leads

SAMPLE = Path(batch_runner.__file__).parent / "data" / "sample_leads.csv"


class Cli:
    """Runs the CLI in-process on a FakeClock, capturing what it prints."""

    def __init__(self, tmp_path, fake_clock, pipeline=None):
        self.tmp_path = tmp_path
        self.clock = fake_clock
        self.pipeline = pipeline
        self.output = ""

    def __call__(self, *args, environ=None, terminal=False, coloured=False):
        buffer = io.StringIO()
        console = Console(
            file=buffer, width=140, force_terminal=terminal or coloured, color_system="standard" if coloured else None
        )
        env = {"TMPDIR": str(self.tmp_path)} if environ is None else environ
        code = main(list(args), console=console, clock=self.clock, pipeline=self.pipeline, environ=env)
        self.output = buffer.getvalue()
        return code


@pytest.fixture
def cli(tmp_path, fake_clock, provider):
    return Cli(tmp_path, fake_clock, standard_pipeline(provider, provider))


def _csv(tmp_path, leads, name="leads.csv"):
    path = tmp_path / name
    path.write_text(leads_csv(leads), encoding="utf-8")
    return path


def test_shipped_sample_runs_offline_through_the_gateway_stubs(tmp_path, fake_clock):
    cli = Cli(tmp_path, fake_clock)
    assert cli(str(SAMPLE), "--db", str(tmp_path / "c.sqlite"), terminal=True) == EXIT_OK
    lead_count = len(SAMPLE.read_text().splitlines()) - 1
    assert "d0_gateway offline stubs" in cli.output
    assert f"{lead_count}/{lead_count}" in cli.output  # the progress bar, full
    assert re.search(rf"│ done\s+│\s+{lead_count} │", cli.output)
    assert "Cost preview" in cli.output and "hunter" in cli.output


def test_live_mode_without_provider_credentials_stops_before_any_call(tmp_path, fake_clock):
    cli = Cli(tmp_path, fake_clock)
    path = _csv(tmp_path, make_leads(1, seed="live"))
    assert cli(str(path), "--live", environ={"TMPDIR": str(tmp_path)}) == EXIT_BAD_INPUT
    assert "ConfigurationError" in cli.output and "HUNTER_API_KEY" in cli.output


def test_summary_counts_done_failed_and_spend(cli, tmp_path, provider):
    leads = make_leads(3, seed="summary")
    provider.fail_permanently(leads[2].domain, "parked domain")
    assert cli(str(_csv(tmp_path, leads)), "--no-progress") == EXIT_LEADS_FAILED
    assert "│ done          │" in cli.output and "│ failed        │" in cli.output
    assert "$0.10 of $0.15 estimated" in cli.output
    assert (
        f"  failed {leads[2].lead_id} ({leads[2].domain}): step 'enrichment' failed after 1 attempt: "
        f"PermanentStepError: fake: parked domain ({leads[2].domain})\n"
    ) in cli.output


def test_cost_preview_lists_each_providers_calls_list_price_discount_and_cost(cli, tmp_path):
    assert cli(str(_csv(tmp_path, make_leads(4, seed="preview"))), "--no-progress") == EXIT_OK
    for line in (
        "Cost preview",
        "┃ provider           ┃ calls ┃ list price ┃ volume discount ┃  cost ┃",
        "│ enrichment         │     4 │      $0.16 │          -$0.00 │ $0.16 │",
        "│ website_assessment │     4 │      $0.04 │          -$0.00 │ $0.04 │",
        "│ total              │       │            │                 │ $0.20 │",
        "budget $10.00: within budget",
    ):
        assert line in [printed.strip() for printed in cli.output.splitlines()]


def test_cost_preview_title_is_left_aligned_above_its_table(cli, tmp_path):
    assert cli(str(_csv(tmp_path, make_leads(1, seed="title"))), "--no-progress") == EXIT_OK
    assert "\nCost preview " in cli.output


def test_cost_preview_says_over_budget_when_the_estimate_exceeds_the_budget(cli, tmp_path):
    assert cli(str(_csv(tmp_path, make_leads(4, seed="over"))), "--budget", "0.05") == EXIT_NEEDS_APPROVAL
    assert "budget $0.05: over budget" in [printed.strip() for printed in cli.output.splitlines()]


def test_summary_names_the_batch_and_its_status_and_counts_unprocessed_leads(cli, tmp_path):
    path = _csv(tmp_path, make_leads(4, seed="summary-rows"))
    assert cli(str(path), "--no-progress", "--batch-id", "weekly") == EXIT_OK
    assert f"Batch weekly: 4 leads, the given pipeline, checkpoints in {tmp_path / 'leadfactory-batches.sqlite'}\n" in (
        cli.output
    )
    assert "Batch weekly: completed" in cli.output
    assert "│ leads         │                        4 │" in cli.output
    assert "│ not processed │                        0 │" in cli.output


def test_running_the_same_command_again_pays_nothing_twice(cli, tmp_path, provider):
    path = _csv(tmp_path, make_leads(3, seed="rerun"))
    assert cli(str(path)) == EXIT_OK
    calls = sum(provider.calls.values())
    assert cli(str(path)) == EXIT_OK
    assert sum(provider.calls.values()) == calls
    assert "Already completed by an earlier run" in cli.output


@pytest.fixture
def sigint_as_in_a_terminal():
    """Ctrl-C raises KeyboardInterrupt, as in a terminal, even in a process started with SIGINT ignored.

    A background job, nohup, some CI runners and pytest-xdist workers can inherit SIG_IGN; raise_signal is then a no-op.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_ctrl_c_interrupts_the_run_and_the_same_command_resumes_it(
    tmp_path, fake_clock, provider, sigint_as_in_a_terminal
):
    leads = make_leads(3, seed="interrupt")

    class CtrlCOnce:
        """Presses Ctrl-C (SIGINT) while lead 2 is in flight, as a user would."""

        name, provider = "interrupting", "enrichment"
        fired = False

        async def run(self, lead: Lead, results):
            if not CtrlCOnce.fired and lead == leads[1]:
                CtrlCOnce.fired = True
                signal.raise_signal(signal.SIGINT)
                await asyncio.sleep(0)  # asyncio's SIGINT handler cancels the run here
            return {"ok": lead.lead_id}

    cli = Cli(tmp_path, fake_clock, Pipeline([CtrlCOnce()]))
    path = _csv(tmp_path, leads)
    assert cli(str(path), "--concurrency", "1") == EXIT_INTERRUPTED
    assert "Rerun the same command to resume batch csv-" in cli.output
    assert cli(str(path), "--concurrency", "1") == EXIT_OK
    assert "Resuming: 1 of 3 leads were processed earlier." in cli.output
    assert re.search(r"│ done\s+│\s+3 │", cli.output)
    assert "completed" in cli.output


def test_bad_csv_is_rejected_with_line_and_reason_before_anything_runs(cli, tmp_path, provider):
    leads = make_leads(2, seed="bad")
    path = tmp_path / "bad.csv"
    path.write_text(leads_csv([leads[0], {**leads[1].to_dict(), "domain": "not a domain"}]), encoding="utf-8")
    assert cli(str(path), "--db", str(tmp_path / "c.sqlite")) == EXIT_BAD_INPUT
    assert f"{path}:3: column 'domain'" in cli.output
    assert not (tmp_path / "c.sqlite").exists()
    assert sum(provider.calls.values()) == 0


def test_rejected_value_that_looks_like_markup_is_printed_literally(cli, tmp_path):
    lead = make_leads(1, seed="markup")[0]
    path = tmp_path / "markup.csv"
    path.write_text(leads_csv([{**lead.to_dict(), "domain": "[/bold]"}]), encoding="utf-8")
    assert cli(str(path)) == EXIT_BAD_INPUT
    assert f"{path}:2: column 'domain': invalid domain: '[/bold]'" in cli.output


def test_rejection_naming_a_long_path_is_printed_on_one_line(cli, tmp_path):
    folder = tmp_path / ("f" * 120)
    folder.mkdir()
    lead = make_leads(1, seed="long")[0]
    path = folder / "leads.csv"
    path.write_text(leads_csv([{**lead.to_dict(), "domain": "localhost"}]), encoding="utf-8")
    assert cli(str(path)) == EXIT_BAD_INPUT
    assert f"  {path}:2: column 'domain': invalid domain: 'localhost' needs a top-level domain, like example.com\n" in (
        cli.output
    )


def test_checkpoint_file_with_a_long_path_that_cannot_be_opened_is_named_on_one_line(cli, tmp_path):
    db = tmp_path / ("d" * 120) / "c.sqlite"
    assert cli(str(_csv(tmp_path, make_leads(1, seed="long-db"))), "--db", str(db)) == EXIT_BAD_INPUT
    assert f"Cannot open the checkpoint file {db}: unable to open database file\n" in cli.output


def test_batch_over_budget_is_not_started_without_approval(cli, tmp_path, provider):
    assert cli(str(_csv(tmp_path, make_leads(4, seed="budget"))), "--budget", "0.05") == EXIT_NEEDS_APPROVAL
    assert "Not started" in cli.output and "approve at least $0.20 to start it" in cli.output
    assert sum(provider.calls.values()) == 0


def test_approval_covering_the_estimate_lets_the_batch_run(cli, tmp_path):
    assert cli(str(_csv(tmp_path, make_leads(4, seed="approve"))), "--budget", "0.05", "--approve", "0.20") == EXIT_OK


def test_approval_below_the_estimate_is_refused(cli, tmp_path, provider):
    assert (
        cli(str(_csv(tmp_path, make_leads(4, seed="low"))), "--budget", "0.05", "--approve", "0.10")
        == EXIT_NEEDS_APPROVAL
    )
    assert "below its estimated cost" in cli.output
    assert sum(provider.calls.values()) == 0


def test_relative_csv_path_is_read_from_the_users_directory_under_bazel_run(cli, tmp_path):
    user_dir = tmp_path / "user"
    user_dir.mkdir()
    _csv(user_dir, make_leads(1, seed="relative"), name="mine.csv")
    assert (
        cli("mine.csv", "--db", "c.sqlite", environ={"BUILD_WORKING_DIRECTORY": str(user_dir), "TMPDIR": str(tmp_path)})
        == EXIT_OK
    )
    assert (user_dir / "c.sqlite").exists()


def test_checkpoint_file_that_cannot_be_opened_is_reported(cli, tmp_path, provider):
    path = _csv(tmp_path, make_leads(1, seed="no-dir"))
    assert cli(str(path), "--db", str(tmp_path / "missing-dir" / "c.sqlite")) == EXIT_BAD_INPUT
    assert f"Cannot open the checkpoint file {tmp_path / 'missing-dir' / 'c.sqlite'}" in cli.output
    assert sum(provider.calls.values()) == 0


def test_checkpoints_default_to_the_temp_directory(cli, tmp_path):
    assert cli(str(_csv(tmp_path, make_leads(1, seed="default-db")))) == EXIT_OK
    assert default_db_path({"TMPDIR": str(tmp_path)}).exists()
    assert f"checkpoints in {default_db_path({'TMPDIR': str(tmp_path)})}" in cli.output


def test_reusing_a_batch_id_for_another_csv_is_reported(cli, tmp_path):
    assert cli(str(_csv(tmp_path, make_leads(1, seed="a"), "a.csv")), "--batch-id", "weekly") == EXIT_OK
    assert cli(str(_csv(tmp_path, make_leads(1, seed="b"), "b.csv")), "--batch-id", "weekly") == EXIT_BAD_INPUT
    assert "BatchConflictError" in cli.output


def test_options_default_to_ten_dollars_four_leads_at_once_sixty_seconds_and_three_attempts():
    args = build_parser().parse_args(["leads.csv"])
    assert (args.budget, args.approve, args.concurrency, args.timeout, args.retries) == (
        Decimal("10"),
        None,
        4,
        60.0,
        3,
    )
    assert (args.db, args.batch_id, args.no_progress, args.live) == (None, None, False, False)


@pytest.mark.parametrize(
    "option",
    [
        "usage: batch_runner [-h]",
        "Run a batch of leads from a CSV file.",
        "csv CSV of leads with columns lead_id,business_name,domain,email",
        "--db DB SQLite checkpoint file (default: leadfactory-batches.sqlite in the temp directory)",
        "--batch-id BATCH_ID batch id (default: derived from the leads, so a rerun resumes)",
        "--budget BUDGET budget in USD, at most 1000000 (default: 10)",
        "--approve USD approve spending up to USD (at most 1000000) over the budget",
        "--concurrency CONCURRENCY leads in flight at once (default: 4)",
        "--timeout TIMEOUT seconds per lead, retries included (default: 60)",
        "--retries RETRIES attempts per step for retryable errors (default: 3)",
        "--no-progress no progress bar (for logs)",
        "--live call the real providers (needs HUNTER_API_KEY); default: d0_gateway's offline stubs",
    ],
)
def test_help_describes_each_option_with_its_default(option, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")
    assert f" {option} " in " " + " ".join(build_parser().format_help().split()) + " "


def test_four_leads_are_in_flight_at_once_when_no_concurrency_is_given(cli, tmp_path, provider):
    leads = make_leads(6, seed="concurrency")
    for lead in leads:
        provider.take(lead.domain, 1.0)
    assert cli(str(_csv(tmp_path, leads)), "--no-progress") == EXIT_OK
    assert provider.max_in_flight == 4


def test_concurrency_option_bounds_the_leads_in_flight_when_given(cli, tmp_path, provider):
    leads = make_leads(6, seed="concurrency")
    for lead in leads:
        provider.take(lead.domain, 1.0)
    assert cli(str(_csv(tmp_path, leads)), "--no-progress", "--concurrency", "2") == EXIT_OK
    assert provider.max_in_flight == 2


def test_timeout_option_fails_a_lead_that_takes_longer_when_given(cli, tmp_path, provider):
    leads = make_leads(1, seed="slow")
    provider.take(leads[0].domain, 10.0)
    assert cli(str(_csv(tmp_path, leads)), "--no-progress", "--timeout", "5") == EXIT_LEADS_FAILED
    assert "timed out after 5s" in cli.output


def test_retries_option_limits_the_attempts_of_a_transient_error_when_given(cli, tmp_path, provider):
    leads = make_leads(1, seed="flaky")
    provider.fail_transiently(leads[0].domain, 1)
    assert cli(str(_csv(tmp_path, leads)), "--no-progress", "--retries", "1") == EXIT_LEADS_FAILED
    assert "failed after 1 attempt:" in cli.output


def test_transient_error_is_retried_when_no_retries_option_is_given(cli, tmp_path, provider):
    leads = make_leads(1, seed="flaky")
    provider.fail_transiently(leads[0].domain, 2)
    assert cli(str(_csv(tmp_path, leads)), "--no-progress") == EXIT_OK


@pytest.mark.parametrize("option, value", [("--concurrency", "0"), ("--timeout", "0"), ("--retries", "0")])
def test_out_of_range_settings_are_rejected(cli, tmp_path, option, value):
    assert cli(str(_csv(tmp_path, make_leads(1))), option, value) == EXIT_BAD_INPUT
    assert cli.output == "--concurrency and --retries must be >= 1 and --timeout > 0\n"


@pytest.mark.parametrize("amount", ["abc", "-1", "NaN"])
def test_invalid_money_amounts_stop_argument_parsing(cli, tmp_path, amount, capsys):
    with pytest.raises(SystemExit) as caught:
        cli(str(tmp_path / "x.csv"), "--budget", amount)
    assert caught.value.code == 2
    assert "--budget" in capsys.readouterr().err


@pytest.mark.parametrize("option", ["--budget", "--approve"])
def test_amount_over_the_maximum_exits_2_naming_it_before_any_batch_is_created(cli, tmp_path, option, capsys):
    with pytest.raises(SystemExit) as caught:
        cli(str(_csv(tmp_path, make_leads(1))), option, "1e22")
    assert caught.value.code == 2
    assert "amount must be at most 1000000 USD" in capsys.readouterr().err
    assert not (tmp_path / "leadfactory-batches.sqlite").exists()


def test_timeout_under_one_second_is_accepted_when_positive(cli, tmp_path):
    assert cli(str(_csv(tmp_path, make_leads(1, seed="short"))), "--no-progress", "--timeout", "0.5") == EXIT_OK


def test_rejection_is_headed_by_the_file_and_says_nothing_was_run_or_spent_on_one_line(cli, tmp_path):
    lead = make_leads(1, seed="header")[0]
    folder = tmp_path / ("f" * 140)
    folder.mkdir()
    path = folder / "bad.csv"
    path.write_text(leads_csv([{**lead.to_dict(), "domain": "localhost"}]), encoding="utf-8")
    assert cli(str(path)) == EXIT_BAD_INPUT
    assert cli.output.splitlines()[0] == f"Rejected {path}; nothing was run or spent:"


def test_derived_batch_id_is_csv_and_sixteen_hex_digits_of_the_leads_fingerprint(cli, tmp_path):
    assert cli(str(_csv(tmp_path, make_leads(2, seed="derived"))), "--no-progress") == EXIT_OK
    assert re.search(r"^Batch csv-[0-9a-f]{16}: 2 leads, the given pipeline, ", cli.output, re.MULTILINE)


def test_stub_mode_is_named_between_the_lead_count_and_the_checkpoint_file(tmp_path, fake_clock):
    cli = Cli(tmp_path, fake_clock)
    assert cli(str(_csv(tmp_path, make_leads(1, seed="stubs"))), "--no-progress") == EXIT_OK
    assert ": 1 leads, d0_gateway offline stubs, checkpoints in " in cli.output


def test_summary_table_lists_leads_done_failed_unprocessed_and_spend_under_a_left_title(cli, tmp_path, provider):
    leads = make_leads(3, seed="summary-table")
    provider.fail_permanently(leads[2].domain, "parked domain")
    assert cli(str(_csv(tmp_path, leads)), "--no-progress", "--batch-id", "weekly") == EXIT_LEADS_FAILED
    summary = cli.output[cli.output.index("Batch weekly: completed") :].splitlines()[:8]
    assert summary == [
        f"{'Batch weekly: completed':<44}",
        "┌───────────────┬──────────────────────────┐",
        "│ leads         │                        3 │",
        "│ done          │                        2 │",
        "│ failed        │                        1 │",
        "│ not processed │                        0 │",
        "│ spent         │ $0.10 of $0.15 estimated │",
        "└───────────────┴──────────────────────────┘",
    ]


def test_no_progress_option_prints_no_progress_bar(cli, tmp_path):
    assert cli(str(_csv(tmp_path, make_leads(2, seed="quiet"))), "--no-progress", terminal=True) == EXIT_OK
    assert not re.search(r"\d/2 \d failed", cli.output)


def test_progress_bar_ends_with_the_batch_id_bar_count_failures_and_time_left(cli, tmp_path, provider):
    leads = make_leads(3, seed="bar")
    provider.fail_permanently(leads[0].domain, "parked domain")
    assert cli(str(_csv(tmp_path, leads)), "--batch-id", "weekly", terminal=True) == EXIT_LEADS_FAILED
    frames = re.split(r"\r\x1b\[2K", cli.output)  # the bar redraws itself in place
    assert frames[0].endswith("\x1b[?25lweekly                                          0/3 0 failed -:--:--")
    assert frames[-1].startswith(f"weekly {'━' * 40} 3/3 1 failed 0:00:00\n")


def test_resuming_counts_the_leads_done_and_failed_earlier(tmp_path, fake_clock, sigint_as_in_a_terminal):
    leads = make_leads(4, seed="resume-count")

    class FailsOneThenCtrlC:
        """Lead 1 succeeds, lead 2 fails for good, Ctrl-C while lead 3 is in flight."""

        name, provider = "interrupting", "enrichment"
        fired = False

        async def run(self, lead: Lead, results):
            if lead == leads[1]:
                raise batch_runner.PermanentStepError("parked domain")
            if not FailsOneThenCtrlC.fired and lead == leads[2]:
                FailsOneThenCtrlC.fired = True
                signal.raise_signal(signal.SIGINT)
                await asyncio.sleep(0)
            return {"ok": lead.lead_id}

    cli = Cli(tmp_path, fake_clock, Pipeline([FailsOneThenCtrlC()]))
    path = _csv(tmp_path, leads)
    assert cli(str(path), "--concurrency", "1", "--no-progress") == EXIT_INTERRUPTED
    assert cli(str(path), "--concurrency", "1", "--no-progress") == EXIT_LEADS_FAILED
    assert "Resuming: 2 of 4 leads were processed earlier.\n" in cli.output


RED, RESET = "\x1b[31m", "\x1b[0m"  # what a colour terminal receives for the CLI's [red] labels


def test_rejected_rows_are_printed_uncoloured_on_a_colour_terminal(cli, tmp_path):
    lead = make_leads(1, seed="colour")[0]
    path = tmp_path / "bad.csv"
    path.write_text(leads_csv([{**lead.to_dict(), "domain": "10.0.0.1"}]), encoding="utf-8")
    assert cli(str(path), coloured=True) == EXIT_BAD_INPUT
    assert cli.output.splitlines()[0] == f"{RED}Rejected {path}; nothing was run or spent:{RESET}"
    assert cli.output.splitlines()[1] == (
        f"  {path}:2: column 'domain': invalid domain: '10.0.0.1' is an IP address, not a domain name"
    )


def test_checkpoint_file_error_colours_only_its_label_on_a_colour_terminal(cli, tmp_path):
    db = tmp_path / "missing" / "c.sqlite"
    assert cli(str(_csv(tmp_path, make_leads(1, seed="colour-db"))), "--db", str(db), coloured=True) == EXIT_BAD_INPUT
    assert cli.output == f"{RED}Cannot open the checkpoint file {db}:{RESET} unable to open database file\n"


def test_budget_refusal_colours_only_its_label_on_a_colour_terminal(cli, tmp_path):
    path = _csv(tmp_path, make_leads(1, seed="colour-budget"))
    assert cli(str(path), "--batch-id", "w2", "--budget", "0.01", coloured=True) == EXIT_NEEDS_APPROVAL
    assert cli.output.endswith(
        f"{RED}Not started:{RESET} batch 'w2' is estimated at $0.05, over its budget of $0.01, and has no approval; "
        "approve at least $0.05 to start it\n"
    )


def test_batch_error_colours_only_its_type_on_a_colour_terminal(cli, tmp_path):
    assert cli(str(_csv(tmp_path, make_leads(1, seed="a"), "a.csv")), "--batch-id", "weekly") == EXIT_OK
    b_csv = str(_csv(tmp_path, make_leads(1, seed="b"), "b.csv"))
    assert cli(b_csv, "--batch-id", "weekly", coloured=True) == EXIT_BAD_INPUT
    assert cli.output.endswith(
        f"{RED}BatchConflictError:{RESET} batch 'weekly' already exists with different leads or pipeline; "
        "use a new batch id\n"
    )


def test_batch_error_longer_than_the_terminal_is_printed_on_one_line(cli, tmp_path):
    batch_id = "w" * 150
    assert cli(str(_csv(tmp_path, make_leads(1, seed="long-id"))), "--batch-id", batch_id) == EXIT_BAD_INPUT
    assert f"InvalidBatchError: invalid batch id '{batch_id}': use 1-64 letters, digits," in cli.output


def test_failed_lead_line_colours_only_its_label_on_a_colour_terminal(cli, tmp_path, provider):
    leads = make_leads(1, seed="colour-failed")
    provider.fail_permanently(leads[0].domain, "parked 42 times")
    assert cli(str(_csv(tmp_path, leads)), "--no-progress", coloured=True) == EXIT_LEADS_FAILED
    assert cli.output.endswith(
        f"  {RED}failed{RESET} {leads[0].lead_id} ({leads[0].domain}): step 'enrichment' failed after 1 attempt: "
        f"PermanentStepError: fake: parked 42 times ({leads[0].domain})\n"
    )


def test_failed_lead_line_longer_than_the_terminal_is_printed_on_one_line(cli, tmp_path, provider):
    leads = make_leads(1, seed="long-failure")
    reason = "parked " + "x" * 150
    provider.fail_permanently(leads[0].domain, reason)
    assert cli(str(_csv(tmp_path, leads)), "--no-progress") == EXIT_LEADS_FAILED
    assert f"PermanentStepError: fake: {reason} ({leads[0].domain})\n" in cli.output


@pytest.mark.parametrize("batch_id", ["[/bold]", "[red]weekly", "x" * 65 + "[/]"])
def test_batch_id_that_looks_like_markup_is_rejected_and_printed_literally(cli, tmp_path, batch_id):
    assert cli(str(_csv(tmp_path, make_leads(1, seed="markup-id"))), "--batch-id", batch_id) == EXIT_BAD_INPUT
    assert f"InvalidBatchError: invalid batch id {batch_id!r}: use 1-64 letters" in cli.output
    assert f"Batch {batch_id}: 1 leads, the given pipeline, " in cli.output


def test_paths_that_look_like_markup_are_printed_literally(cli, tmp_path):
    folder = tmp_path / "[bold]x[" / "bold]"  # the path reads .../[bold]x[/bold]
    folder.mkdir(parents=True)
    lead = make_leads(1, seed="markup-path")[0]
    bad = folder / "bad.csv"
    bad.write_text(leads_csv([{**lead.to_dict(), "domain": "localhost"}]), encoding="utf-8")
    assert cli(str(bad)) == EXIT_BAD_INPUT
    assert f"Rejected {bad}; nothing was run or spent:\n" in cli.output
    db = folder / "missing" / "c.sqlite"
    assert cli(str(_csv(tmp_path, make_leads(1, seed="markup-db"))), "--db", str(db)) == EXIT_BAD_INPUT
    assert f"Cannot open the checkpoint file {db}: unable to open database file\n" in cli.output
    good_db = folder / "c.sqlite"
    assert cli(str(_csv(tmp_path, make_leads(1, seed="markup-db"))), "--db", str(good_db), "--no-progress") == EXIT_OK
    assert f"checkpoints in {good_db}\n" in cli.output


def test_provider_error_that_looks_like_markup_is_printed_literally(cli, tmp_path, provider):
    leads = make_leads(1, seed="markup-error")
    provider.fail_permanently(leads[0].domain, "[/red] closed [bold]for good")
    assert cli(str(_csv(tmp_path, leads)), "--no-progress") == EXIT_LEADS_FAILED
    assert f"PermanentStepError: fake: [/red] closed [bold]for good ({leads[0].domain})\n" in cli.output
