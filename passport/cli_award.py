"""`passport award`: an academy awards a whole cohort from a CSV file."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer

from issuers.cohort import CSV_COLUMNS, MAX_ROWS, Mode, csv_rows, validate
from issuers.jobs import Job, job_id_for
from passport.cli_common import MAX_CSV_BYTES, fail, open_services, read_input
from passport.services import utcnow


def award(
    issuer_id: Annotated[str, typer.Option("--issuer", help="The issuer's id.")],
    csv_file: Annotated[Path, typer.Option("--csv", help="Rows: " + ",".join(CSV_COLUMNS))],
    key: Annotated[
        str | None,
        typer.Option("--key", help="Idempotency key; default: derived from the file's content."),
    ] = None,
    mode: Annotated[Mode, typer.Option(help="all-or-nothing or per-row.")] = Mode.ALL_OR_NOTHING,
) -> None:
    """Award a whole cohort from a CSV file, with a progress bar. Exit 1 if any row failed."""
    try:
        issuer_uuid = UUID(issuer_id)
    except ValueError:
        fail(f"--issuer must be an issuer id (a UUID), got {issuer_id!r}")
    raw = read_input(csv_file, MAX_CSV_BYTES)
    try:
        rows = csv_rows(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        fail(f"{csv_file}: {exc}")
    if not rows or len(rows) > MAX_ROWS:
        fail(f"{csv_file}: a cohort has 1 to {MAX_ROWS} rows")
    batch_key = key or "csv-sha256:" + hashlib.sha256(raw).hexdigest()
    services = open_services()
    try:
        issuer = services.ledger.issuer(issuer_uuid)
        valid, refused = validate(
            rows, issuer, issuer.slug, batch_key, erased_among=services.erased_among
        )
        for error in refused:
            typer.echo(f"row {error.row}: {error.field}: {error.message}", err=True)
        if refused and mode is Mode.ALL_OR_NOTHING:
            fail(
                f"{len(refused)} of {len(rows)} rows are invalid; nothing was issued "
                "(fix them, or use --mode per-row)",
                code=1,
            )
        job = Job(
            job_id_for(issuer_uuid, batch_key),
            str(issuer_uuid),
            mode.value,
            len(rows),
            done=len(refused),
            errors=[e.to_dict() for e in refused],
        )
        with typer.progressbar(length=len(rows), label="awarding") as bar:
            bar.update(len(refused))
            last = [job.done]

            def advance(current: Job) -> None:
                bar.update(current.done - last[0])
                last[0] = current.done

            services.cohorts.run(job, issuer_uuid, valid, utcnow(), progress=advance)
        services.projections.catch_up()
    finally:
        services.close()
    typer.echo(f"awarded {len(valid)} of {len(rows)} rows (job {job.id})")
    raise typer.Exit(1 if refused else 0)
