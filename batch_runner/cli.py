"""Command line: run a batch from a CSV of leads, with a cost preview, a progress bar and a summary.

    bazel run //batch_runner:cli -- batch_runner/data/sample_leads.csv
    bazel run //batch_runner:cli -- leads.csv --budget 25 --approve 30 --db ~/batches.sqlite

The batch id defaults to a digest of the leads and pipeline, so running the same command again resumes
(or reports) the same batch instead of paying twice. Steps call d0_gateway (Hunter domain search, then
PageSpeed), in its offline stub mode unless --live is given.

Exit codes: 0 all leads done; 1 some leads failed; 2 bad input; 3 over budget without a sufficient
approval; 130 interrupted (rerun the same command to resume).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy.exc import OperationalError

from batch_runner.checkpoint import BatchSnapshot, CheckpointStore, batch_fingerprint
from batch_runner.cost import DEFAULT_PRICE_BOOK, MAX_AMOUNT_USD, CostPreview, PriceBook, check_amount
from batch_runner.errors import (
    ApprovalTooLowError,
    BatchRunnerError,
    BudgetApprovalRequiredError,
    InvalidAmountError,
    LeadInputError,
)
from batch_runner.gateway_providers import gateway_pipeline, gateway_price_book
from batch_runner.leads import Lead, load_leads_csv
from batch_runner.progress import ProgressEvent
from batch_runner.retry import RetryPolicy
from batch_runner.runner import BatchRunner, RunSettings
from batch_runner.steps import Pipeline
from d0_gateway import Clock, GatewayError, SystemClock, build_gateway

EXIT_OK, EXIT_LEADS_FAILED, EXIT_BAD_INPUT, EXIT_NEEDS_APPROVAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
DEFAULT_DB_NAME = "leadfactory-batches.sqlite"


def _money(text: str) -> Decimal:
    """A --budget/--approve amount, checked before anything is created (exit 2 when it is not one)."""
    try:
        return check_amount(text, "amount")
    except InvalidAmountError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def build_parser() -> argparse.ArgumentParser:
    """The CLI's arguments."""
    parser = argparse.ArgumentParser(prog="batch_runner", description="Run a batch of leads from a CSV file.")
    parser.add_argument("csv", help="CSV of leads with columns lead_id,business_name,domain,email")
    parser.add_argument("--db", help=f"SQLite checkpoint file (default: {DEFAULT_DB_NAME} in the temp directory)")
    parser.add_argument("--batch-id", help="batch id (default: derived from the leads, so a rerun resumes)")
    parser.add_argument(
        "--budget", type=_money, default=Decimal("10"), help=f"budget in USD, at most {MAX_AMOUNT_USD} (default: 10)"
    )
    parser.add_argument(
        "--approve",
        type=_money,
        metavar="USD",
        help=f"approve spending up to USD (at most {MAX_AMOUNT_USD}) over the budget",
    )
    parser.add_argument("--concurrency", type=int, default=4, help="leads in flight at once (default: 4)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per lead, retries included (default: 60)")
    parser.add_argument("--retries", type=int, default=3, help="attempts per step for retryable errors (default: 3)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (for logs)")
    parser.add_argument(
        "--live",
        action="store_true",
        help="call the real providers (needs HUNTER_API_KEY); default: d0_gateway's offline stubs",
    )
    return parser


def user_path(path: str, environ: Mapping[str, str]) -> Path:
    """`path` as the user meant it: relative to their cwd, which is BUILD_WORKING_DIRECTORY under `bazel run`."""
    candidate = Path(path).expanduser()
    user_cwd = environ.get("BUILD_WORKING_DIRECTORY")
    return Path(user_cwd) / candidate if user_cwd and not candidate.is_absolute() else candidate.absolute()


def input_path(path: str, environ: Mapping[str, str]) -> Path:
    """An input file: from the user's cwd, else from the program's own files (the sample under `bazel run`)."""
    from_user = user_path(path, environ)
    return from_user if from_user.exists() or not Path(path).exists() else Path(path).absolute()


def default_db_path(environ: Mapping[str, str]) -> Path:
    """Where checkpoints go without --db: the temp directory, never the source tree."""
    return Path(environ.get("TMPDIR") or tempfile.gettempdir()) / DEFAULT_DB_NAME


def main(
    argv: Sequence[str] | None = None,
    *,
    console: Console | None = None,
    clock: Clock | None = None,
    pipeline: Pipeline | None = None,
    price_book: PriceBook = DEFAULT_PRICE_BOOK,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Runs the CLI and returns its exit code.

    By default the steps call d0_gateway (in stub mode: offline, unless --live); `pipeline` and
    `price_book` replace them, and `console`, `clock` and `environ` replace the process's own.
    """
    console = console or Console()
    environ = os.environ if environ is None else environ
    args = build_parser().parse_args(argv)
    if args.concurrency < 1 or args.timeout <= 0 or args.retries < 1:
        console.print("[red]--concurrency and --retries must be >= 1 and --timeout > 0[/red]")
        return EXIT_BAD_INPUT
    try:
        leads = load_leads_csv(input_path(args.csv, environ))
    except LeadInputError as error:
        console.print(
            f"[red]Rejected {escape(error.source)}; nothing was run or spent:[/red]", highlight=False, soft_wrap=True
        )
        for problem in error.problems:
            console.print(f"  {problem.describe(error.source)}", markup=False, highlight=False, soft_wrap=True)
        return EXIT_BAD_INPUT

    db_path = user_path(args.db, environ) if args.db else default_db_path(environ)
    try:
        store = CheckpointStore.open(db_path)
    except OperationalError as error:
        console.print(
            f"[red]Cannot open the checkpoint file {escape(str(db_path))}:[/red] {escape(str(error.orig))}",
            highlight=False,
            soft_wrap=True,
        )
        return EXIT_BAD_INPUT
    batch = _CliBatch(args, leads, store, db_path, console, clock or SystemClock())
    try:
        final = asyncio.run(batch.run(pipeline, price_book, environ))
    except (BudgetApprovalRequiredError, ApprovalTooLowError) as error:
        console.print(f"[red]Not started:[/red] {escape(str(error))}", highlight=False, soft_wrap=True)
        return EXIT_NEEDS_APPROVAL
    except (BatchRunnerError, GatewayError) as error:
        console.print(f"[red]{type(error).__name__}:[/red] {escape(str(error))}", highlight=False, soft_wrap=True)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        console.print(f"[yellow]Interrupted.[/yellow] Rerun the same command to resume batch {escape(batch.batch_id)}.")
        return EXIT_INTERRUPTED
    finally:
        store.close()
    return EXIT_OK if final.failed == 0 else EXIT_LEADS_FAILED


class _CliBatch:
    """One CLI invocation's batch: builds the runner on the chosen providers, previews, runs, summarizes."""

    def __init__(
        self,
        args: argparse.Namespace,
        leads: list[Lead],
        store: CheckpointStore,
        db_path: Path,
        console: Console,
        clock: Clock,
    ) -> None:
        self.args = args
        self.leads = leads
        self.store = store
        self.db_path = db_path
        self.console = console
        self.clock = clock
        self.batch_id = args.batch_id or ""

    async def run(self, pipeline: Pipeline | None, price_book: PriceBook, environ: Mapping[str, str]) -> BatchSnapshot:
        if pipeline is not None:
            return await self._run(pipeline, price_book, "the given pipeline")
        async with build_gateway(stub=not self.args.live, environ=environ, clock=self.clock) as gateway:
            gateway.client("hunter")  # fails fast (ConfigurationError) when --live lacks credentials
            gateway.client("pagespeed")
            mode = "live providers" if self.args.live else "d0_gateway offline stubs"
            return await self._run(gateway_pipeline(gateway), gateway_price_book(gateway), mode)

    async def _run(self, pipeline: Pipeline, price_book: PriceBook, providers: str) -> BatchSnapshot:
        args, console = self.args, self.console
        runner = BatchRunner(
            self.store,
            pipeline,
            price_book=price_book,
            settings=RunSettings(args.concurrency, args.timeout, RetryPolicy(max_attempts=args.retries)),
            clock=self.clock,
        )
        self.batch_id = args.batch_id or f"csv-{batch_fingerprint(self.leads, pipeline.signature)[:16]}"
        console.print(
            f"Batch [bold]{escape(self.batch_id)}[/bold]: {len(self.leads)} leads, {providers}, "
            f"checkpoints in {escape(str(self.db_path))}",
            soft_wrap=True,
        )
        console.print(_preview_table(runner.preview(len(self.leads)), args.budget))
        snapshot = runner.create_batch(self.batch_id, self.leads, budget=args.budget)
        if snapshot.needs_approval and args.approve is not None:
            runner.approve(self.batch_id, args.approve)
        final = await _run_with_progress(runner, self.batch_id, console, show_bar=not args.no_progress)
        _print_summary(console, runner, final)
        return final


async def _run_with_progress(runner: BatchRunner, batch_id: str, console: Console, *, show_bar: bool) -> BatchSnapshot:
    snapshot = runner.status(batch_id)
    if snapshot.status == "completed":
        console.print("Already completed by an earlier run: nothing was run or spent this time.")
    elif snapshot.done + snapshot.failed:
        console.print(f"Resuming: {snapshot.done + snapshot.failed} of {snapshot.total} leads were processed earlier.")
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]} failed"),
        TimeRemainingColumn(),
        console=console,
        get_time=runner.clock.monotonic,
        disable=not show_bar,
    )
    task = progress.add_task(
        batch_id, total=snapshot.total, completed=snapshot.done + snapshot.failed, failed=snapshot.failed
    )

    def on_event(event: ProgressEvent) -> None:
        if event.batch_id == batch_id:
            progress.update(task, completed=event.done + event.failed, failed=event.failed)

    remove = runner.progress.add_listener(on_event)
    try:
        with progress:
            return await runner.run(batch_id)
    finally:
        remove()


def _preview_table(preview: CostPreview, budget: Decimal) -> Table:
    table = Table(title="Cost preview", title_justify="left")
    for column in ("provider", "calls", "list price", "volume discount", "cost"):
        table.add_column(column, justify="left" if column == "provider" else "right")
    for row in preview.providers:
        table.add_row(
            row.provider, str(row.calls), f"${row.list_cost:.2f}", f"-${row.discount:.2f}", f"${row.cost:.2f}"
        )
    verdict = "over budget" if preview.over_budget(budget) else "within budget"
    table.add_row("[bold]total[/bold]", "", "", "", f"[bold]${preview.total:.2f}[/bold]")
    table.caption = f"budget ${budget:.2f}: {verdict}"
    return table


def _print_summary(console: Console, runner: BatchRunner, final: BatchSnapshot) -> None:
    table = Table(title=f"Batch {final.batch_id}: {final.status}", title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("leads", str(final.total))
    table.add_row("done", str(final.done))
    table.add_row("failed", str(final.failed))
    table.add_row("not processed", str(final.pending + final.running))
    table.add_row("spent", f"${final.spent:.2f} of ${final.estimated_cost:.2f} estimated")
    console.print(table)
    failures = [result for result in runner.results(final.batch_id) if result.state == "failed"]
    for result in failures:
        console.print(
            f"  [red]failed[/red] {escape(f'{result.lead.lead_id} ({result.lead.domain}): {result.error}')}",
            highlight=False,
            soft_wrap=True,
        )


if __name__ == "__main__":
    sys.exit(main())
