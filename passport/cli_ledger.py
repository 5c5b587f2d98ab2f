"""`passport audit`, `log` and `projections`: the log, its checkpoints and the read models."""

from __future__ import annotations

import sqlite3
import sys
import time

import psycopg
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from events.audit import audit_log
from events.errors import EventSignatureError
from keys import PublicKey
from passport.background import REBUILD_JOB, lease
from passport.cli_common import fail, open_services
from passport.log import TreeReplay
from passport.services import LEDGER_ROLE, utcnow
from projections.set_aside import set_aside_events

log_app = typer.Typer(help="The transparency log: signed checkpoints.", no_args_is_help=True)
projections_app = typer.Typer(
    help="Manage the read models built from the log.", no_args_is_help=True
)


def _progress() -> Progress:
    """A progress bar on stderr, when it is a terminal: events done of the log, and the rate."""
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} events/s"),
        TimeRemainingColumn(),
        disable=not sys.stderr.isatty(),
        console=Console(stderr=True),
    )


def audit() -> None:
    """Check every event's signature and the Merkle log. Exit 0 intact, 1 tampered."""
    services = open_services()
    try:
        trusted = {
            kid: PublicKey.from_multibase(kid) for kid in services.key_store.role_keys(LEDGER_ROLE)
        }
        replay = TreeReplay(services)
        head = services.ledger.recorder.max_notification_id() or 0
        start = time.monotonic()
        with _progress() as bar:
            task = bar.add_task("auditing", total=head or None, rate="-")

            def advance(checked: int) -> None:
                rate = checked / max(time.monotonic() - start, 1e-9)
                bar.update(task, completed=checked, rate=f"{rate:,.0f}")

            result = audit_log(
                services.ledger.recorder, trusted, progress=advance, observe=replay.feed
            )
        divergence = replay.finish() if result.intact else None
        published = replay.checkpoints
        set_aside = set_aside_events(services.read_models)
    finally:
        services.close()
    if result.first_failure is not None:
        failure = result.first_failure
        typer.echo(
            f"TAMPERED: event at log position {result.position} "
            f"(aggregate {failure.aggregate_id}, version {failure.version}): {failure.reason}"
        )
        typer.echo(f"{result.checked} events before it verified.")
        raise typer.Exit(1)
    if divergence is not None:
        typer.echo(f"TAMPERED: {divergence}")
        raise typer.Exit(1)
    typer.echo(
        f"intact: {result.checked} events, every signature verified; the Merkle tree "
        f"matches the log and all {published} published checkpoints"
    )
    if set_aside:
        first = set_aside[0].notification_id
        typer.echo(
            f"warning: the read models set aside {len(set_aside)} event(s) they could not "
            f"apply (first: notification {first}); see `passport projections set-aside`"
        )


@log_app.command("checkpoint")
def log_checkpoint() -> None:
    """Sign and publish a checkpoint of the log now; prints the signed note."""
    from passport.log import publish_checkpoint  # noqa: PLC0415

    services = open_services()
    try:
        _, note = publish_checkpoint(services, utcnow())
    finally:
        services.close()
    typer.echo(note, nl=False)


@projections_app.command("rebuild")
def rebuild() -> None:
    """Rebuild every read model from the log into fresh tables, while the server keeps serving
    the live ones, and swap them in when caught up. Exit 1 if an event is tampered, 2 if
    another rebuild is running or the tables stayed busy (the live ones are then unchanged)."""
    services = open_services()
    job = lease(services.settings, REBUILD_JOB)
    try:
        if not job.acquire():
            fail("another `passport projections rebuild` is running on this database; wait for it")
        start = time.monotonic()
        with _progress() as bar:
            task = bar.add_task("rebuilding", total=None, rate="-")

            def advance(position: int, head: int) -> None:
                rate = position / max(time.monotonic() - start, 1e-9)
                bar.update(task, completed=position, total=head, rate=f"{rate:,.0f}")

            count = services.projections.rebuild(progress=advance)
    except EventSignatureError as exc:
        fail(
            f"the log is tampered ({exc}); the live read models are unchanged: run `passport audit`"
        )
    except (psycopg.errors.LockNotAvailable, sqlite3.OperationalError) as exc:
        fail(f"the read models stayed busy, so nothing was swapped ({exc}); run the rebuild again")
    finally:
        job.release()
        services.close()
    seconds = time.monotonic() - start
    typer.echo(
        f"rebuilt read models from {count} events in {seconds:.1f} s "
        f"({count / max(seconds, 1e-9):,.0f} events/s)"
    )


@projections_app.command("set-aside")
def set_aside_list() -> None:
    """List the events the read models could not apply (set aside, with the error)."""
    services = open_services()
    try:
        services.projections.catch_up()
        events = set_aside_events(services.read_models)
    finally:
        services.close()
    if not events:
        typer.echo("no events set aside: the read models reflect every event of the log")
    for e in events:
        typer.echo(
            f"notification {e.notification_id}  aggregate {e.aggregate_id} version {e.version}"
            f"  {e.topic}  since {e.set_aside_at}: {e.error}"
        )
