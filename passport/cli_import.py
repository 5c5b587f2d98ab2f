"""`passport import`: the initial load of existing training records (see `passport.importing`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from events.errors import LedgerError
from issuers.signing import SigningPool
from passport.cli_common import EXIT_UNUSABLE, fail
from passport.collector import settle_heap
from passport.importing import Importer, ImportMapping, Plan, writers_for
from passport.services import Services, utcnow
from passport.settings import Settings
from passport.writer_process import WriterError

EXIT_REFUSED = 1  # with --skip-invalid: the valid rows were recorded, some rows were not
EXIT_STOPPED = 3  # a chunk could not be recorded: those before it were
# EXIT_UNUSABLE (2): a bad mapping, file or row: nothing was recorded
SHOWN_REFUSALS = 50


def _report(plan: Plan, dry_run: bool) -> None:
    verb = "would record" if dry_run else "records"
    typer.echo(f"{plan.rows} row(s): {verb} up to {plan.awards} credential(s)")
    for name, count in sorted(plan.by_achievement.items()):
        typer.echo(f"  {count:>8}  {name}")
    typer.echo(f"learners: {plan.new_learners} new, {plan.known_learners} already enrolled")
    if plan.repeated_rows:
        typer.echo(f"{plan.repeated_rows} row(s) repeat an earlier one and are recorded once")
    for refused in plan.refused[:SHOWN_REFUSALS]:
        typer.echo(f"line {refused.line}: {refused.reason}", err=True)
    if len(plan.refused) > SHOWN_REFUSALS:
        typer.echo(f"… and {len(plan.refused) - SHOWN_REFUSALS} more refused row(s)", err=True)
    if plan.refused:
        typer.echo(f"{len(plan.refused)} row(s) refused", err=True)


def import_records(
    file: Annotated[Path, typer.Argument(help="The report: a CSV file, one row per completion.")],
    mapping: Annotated[
        Path, typer.Option("--mapping", help="JSON: columns, date formats, course codes.")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every row and report; write nothing.")
    ] = False,
    skip_invalid: Annotated[
        bool,
        typer.Option("--skip-invalid", help="Record the valid rows even if some are refused."),
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            min=1,
            help="Processes signing credentials (default 1; more helps only on idle cores).",
        ),
    ] = None,
) -> None:
    """Load existing training records: every row is checked first, then recorded in batches.

    A rerun (after a kill, or of the same file) records nothing twice. Exit 0 when every row
    is recorded (or, with --dry-run, would be); 1 when --skip-invalid left refused rows out;
    2 when the file or mapping is unusable or rows are refused (nothing is recorded); 3 when it
    stopped at a chunk it could not record (the chunks before it are recorded: rerun).
    """
    try:
        rules = ImportMapping.from_file(mapping)
    except ValueError as exc:
        fail(str(exc))
    if not file.is_file():
        fail(f"{file}: no such file")
    workers = jobs or 1
    # Started before the check pass, so the workers are up by the first chunk.
    pool = SigningPool(workers) if workers > 1 and not dry_run else None
    services = Services.open(Settings())
    try:
        importer = Importer(services, rules)
        settle_heap()
        plan = importer.plan(file)
        _report(plan, dry_run)
        if dry_run:
            raise typer.Exit(EXIT_UNUSABLE if plan.refused else 0)
        if plan.refused and not skip_invalid:
            fail("nothing was recorded: fix the rows above, or use --skip-invalid")
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            disable=not sys.stderr.isatty(),
            console=None,
        ) as bar:
            task = bar.add_task("importing", total=plan.rows)
            with writers_for(services, plan) as writers:
                done = importer.run(
                    file, utcnow(), lambda n: bar.advance(task, n), pool=pool, writers=writers
                )
        typer.echo(f"recorded {done} row(s) as credentials (rows recorded before are kept once)")
    except (LedgerError, WriterError) as exc:
        fail(
            f"the import stopped at a chunk it could not record ({exc.__class__.__name__}: "
            f"{exc}); the chunks before it are recorded: run the same command again to "
            "record the rest",
            EXIT_STOPPED,
        )
    except ValueError as exc:
        fail(str(exc))
    finally:
        services.close()
        if pool is not None:
            pool.close()
    raise typer.Exit(EXIT_REFUSED if plan.refused else 0)
