"""The `passport` command line: the app, `serve`, `demo`, `export`; groups in `cli_<group>.py`."""

from __future__ import annotations

import contextlib
import functools
import json
import sqlite3
import ssl
import sys
from pathlib import Path
from typing import Annotated

import psycopg
import typer
from eventsourcing.persistence import PersistenceError

from events.errors import LedgerError
from keys import KeysError
from passport.cli_accounts import issuer_app, operator_app
from passport.cli_award import award
from passport.cli_common import EXIT_UNUSABLE, fail, open_services, settings_now
from passport.cli_database import database_app
from passport.cli_import import import_records
from passport.cli_learner import learner_app, outbox_app
from passport.cli_ledger import audit, log_app, projections_app
from passport.cli_registry import registry_app
from passport.cli_trust import trust_app
from passport.cli_verify import verify
from passport.collector import pace_collector
from passport.services import utcnow

app = typer.Typer(
    help="Staff Passport: a tamper-evident ledger of NHS staff credentials.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# The order of registration is the order `passport --help` lists them in.
for name, group in (
    ("projections", projections_app),
    ("log", log_app),
    ("issuer", issuer_app),
    ("operator", operator_app),
    ("learner", learner_app),
    ("outbox", outbox_app),
    ("database", database_app),
):
    app.add_typer(group, name=name)

APP_FACTORY = "passport.web.app:app_from_environment"


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    tls_cert: Annotated[
        Path | None,
        typer.Option("--tls-cert", help="Serve HTTPS with this PEM certificate (chain)."),
    ] = None,
    tls_key: Annotated[
        Path | None, typer.Option("--tls-key", help="The certificate's PEM private key.")
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes answering requests.")
    ] = 1,
) -> None:
    """Run the web app on the configured store (HTTPS when given a certificate and its key), with
    its background jobs (the read models' follower, the checkpoint signer, …) in a process of
    their own."""
    import uvicorn  # noqa: PLC0415

    from passport.background import BackgroundProcess  # noqa: PLC0415
    from passport.web.app import create_app  # noqa: PLC0415
    from passport.web.operations import COUNTS_IN_FILES, serving_metrics  # noqa: PLC0415
    from passport.web.server import run_workers, server_config  # noqa: PLC0415

    if COUNTS_IN_FILES:
        fail(
            "PROMETHEUS_MULTIPROC_DIR (or prometheus_multiproc_dir) is set: passport serve keeps "
            "its processes' metrics in a fresh directory of its own (under TMPDIR); unset it and "
            "start again"
        )
    if (tls_cert is None) != (tls_key is None):
        fail("give both --tls-cert and --tls-key, or neither")
    for path in (tls_cert, tls_key):
        if path is not None and not path.is_file():
            fail(f"{path}: no such file")
    settings = settings_now()
    services = open_services(settings)  # a configuration problem is one line here, not a traceback
    try:
        config_for = functools.partial(
            server_config,
            host=host,
            port=port,
            tls_cert=tls_cert,
            tls_key=tls_key,
            workers=workers,
            log_format=settings.log_format,
        )
        config = config_for(
            create_app(settings, services, background=False) if workers == 1 else APP_FACTORY
        )
        try:
            config.load()  # reads the certificate and key now, to explain what is wrong
        except ssl.SSLError as exc:
            fail(
                "the certificate and key cannot be used for TLS (both must be PEM, and the key "
                f"the certificate's): {exc.reason or exc}"
            )
        except OSError as exc:
            fail(f"cannot read the certificate or key: {exc.strerror or type(exc).__name__}")
        with serving_metrics(), contextlib.closing(BackgroundProcess(settings)):
            if workers == 1:
                uvicorn.Server(config).run()
            else:
                services.close()  # each worker opens its own; a loaded config cannot go to one
                run_workers(config_for(APP_FACTORY))
    finally:
        services.close()


@app.command()
def demo(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    new_links: Annotated[
        bool,
        typer.Option(
            "--new-links",
            help="On a ledger already seeded, print fresh personal and share links "
            "(the personal links printed before stop working).",
        ),
    ] = False,
) -> None:
    """Seed the ledger with a demo academy, learners and awards (once)."""
    from passport.demo import seed_demo  # noqa: PLC0415

    services = open_services()
    try:
        seeded = seed_demo(services, utcnow(), new_links=new_links)
    finally:
        services.close()
    if as_json:
        typer.echo(json.dumps({"issuers": seeded.issuers, "learners": seeded.learners}, indent=2))
        return
    for issuer in seeded.issuers:
        typer.echo(f"issuer  {issuer['id']}  {issuer['did']}")
    for learner in seeded.learners:
        typer.echo(f"learner {learner['id']}  {learner['name']}")
        if learner["passport_url"]:
            typer.echo(f"        their passport: {learner['passport_url']}")
            typer.echo(f"        shared:         {learner['share_url']}")
    if not any(learner["passport_url"] for learner in seeded.learners):
        typer.echo(
            "Already seeded: the links printed before still work. "
            "`passport demo --new-links` prints new ones (the old personal links stop working)."
        )


@app.command()
def export(
    learner_id: Annotated[str, typer.Argument(help="The learner's id.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File to write.")] = None,
) -> None:
    """Write a learner's portable, offline-verifiable passport."""
    from passport.log import publish_checkpoint  # noqa: PLC0415
    from passport.publishing import passport_file  # noqa: PLC0415

    services = open_services()
    try:
        publish_checkpoint(services, utcnow())  # the file proves every credential it holds
        bundle = passport_file(services, learner_id, utcnow())
    finally:
        services.close()
    if bundle is None:
        fail(f"no learner with id {learner_id!r} (see `passport demo` for ids)")
    text = json.dumps(bundle, indent=2, ensure_ascii=False)
    if output is None:
        typer.echo(text)
    else:
        try:
            output.write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {output}: {exc.strerror or type(exc).__name__}")
        typer.echo(f"wrote {output} ({len(bundle['verifiableCredential'])} credentials)", err=True)


app.command()(verify)
app.command()(audit)
app.command()(award)
app.add_typer(trust_app, name="trust")
app.add_typer(registry_app, name="registry")
app.command("import")(import_records)


def main() -> None:
    """Entry point: domain errors become one-line messages, never tracebacks."""
    pace_collector()
    try:
        app()
    except (LedgerError, KeysError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(EXIT_UNUSABLE)
    except (PersistenceError, psycopg.Error, sqlite3.Error) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        print(f"error: cannot use the database at PASSPORT_DATABASE_URL: {reason}", file=sys.stderr)
        sys.exit(EXIT_UNUSABLE)


if __name__ == "__main__":
    main()
