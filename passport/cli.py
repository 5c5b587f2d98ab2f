"""The `passport` command line."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import ssl
import sys
from pathlib import Path
from typing import Annotated, NoReturn
from uuid import UUID

import psycopg
import typer
from eventsourcing.persistence import PersistenceError
from pydantic import ValidationError

from events.audit import audit_log
from events.errors import LedgerError
from issuers.cohort import CSV_COLUMNS, MAX_ROWS, Mode, csv_rows, validate
from issuers.jobs import Job, job_id_for
from keys import KeysError, PublicKey
from passport.compliance import CatalogueError
from passport.log import checkpoints, first_divergence
from passport.services import LEDGER_ROLE, Services, utcnow
from passport.settings import Settings
from projections.set_aside import set_aside_events

app = typer.Typer(
    help="Staff Passport: a tamper-evident ledger of NHS staff credentials.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
projections_app = typer.Typer(
    help="Manage the read models built from the log.", no_args_is_help=True
)
app.add_typer(projections_app, name="projections")
log_app = typer.Typer(help="The transparency log: signed checkpoints.", no_args_is_help=True)
app.add_typer(log_app, name="log")
issuer_app = typer.Typer(help="Register and manage issuers (academies).", no_args_is_help=True)
app.add_typer(issuer_app, name="issuer")
operator_app = typer.Typer(help="The ledger operator's own API access.", no_args_is_help=True)
app.add_typer(operator_app, name="operator")
learner_app = typer.Typer(
    help="Learners: personal links, erasure of personal data.", no_args_is_help=True
)
app.add_typer(learner_app, name="learner")
outbox_app = typer.Typer(help="Emails to learners.", no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")
database_app = typer.Typer(help="The database the ledger runs on.", no_args_is_help=True)
app.add_typer(database_app, name="database")

EXIT_UNUSABLE = 2
MAX_INPUT_BYTES = 5 * 1024 * 1024
MAX_CSV_BYTES = 64 * 1024 * 1024


def _fail(message: str, code: int = EXIT_UNUSABLE) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        _fail(f"configuration: {first['msg']}")


def _learner_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        _fail(f"{text!r} is not a learner id (a UUID, as `passport demo` prints)")


def _services(settings: Settings | None = None) -> Services:
    try:
        return Services.open(settings or _settings())
    except (KeysError, CatalogueError) as exc:
        _fail(str(exc))


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
        int, typer.Option(min=1, max=64, help="Worker processes (one follower among them).")
    ] = 1,
) -> None:
    """Run the web app on the configured store (HTTPS when given a certificate and its key)."""
    import uvicorn  # noqa: PLC0415

    from passport.web.app import create_app  # noqa: PLC0415
    from passport.web.server import run_workers, server_config  # noqa: PLC0415

    if (tls_cert is None) != (tls_key is None):
        _fail("give both --tls-cert and --tls-key, or neither")
    for path in (tls_cert, tls_key):
        if path is not None and not path.is_file():
            _fail(f"{path}: no such file")
    settings = _settings()
    services = _services(settings)  # a configuration problem is one line here, not a traceback
    try:
        config = server_config(
            create_app(settings, services) if workers == 1 else APP_FACTORY,
            host=host,
            port=port,
            tls_cert=tls_cert,
            tls_key=tls_key,
            workers=workers,
            log_format=settings.log_format,
        )
        try:
            config.load()  # reads the certificate and key now, to explain what is wrong
        except ssl.SSLError as exc:
            _fail(
                "the certificate and key cannot be used for TLS (both must be PEM, and the key "
                f"the certificate's): {exc.reason or exc}"
            )
        except OSError as exc:
            _fail(f"cannot read the certificate or key: {exc.strerror or type(exc).__name__}")
        if workers == 1:
            uvicorn.Server(config).run()
        else:
            services.close()  # each worker opens its own; a loaded config cannot be sent to one
            run_workers(
                server_config(
                    APP_FACTORY,
                    host=host,
                    port=port,
                    tls_cert=tls_cert,
                    tls_key=tls_key,
                    workers=workers,
                    log_format=settings.log_format,
                )
            )
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

    services = _services()
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

    services = _services()
    try:
        publish_checkpoint(services, utcnow())  # the file proves every credential it holds
        bundle = passport_file(services, learner_id, utcnow())
    finally:
        services.close()
    if bundle is None:
        _fail(f"no learner with id {learner_id!r} (see `passport demo` for ids)")
    text = json.dumps(bundle, indent=2, ensure_ascii=False)
    if output is None:
        typer.echo(text)
    else:
        try:
            output.write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            _fail(f"cannot write {output}: {exc.strerror or type(exc).__name__}")
        typer.echo(f"wrote {output} ({len(bundle['verifiableCredential'])} credentials)", err=True)


@app.command()
def verify(
    file: Annotated[
        str,
        typer.Argument(
            help="Credential, presentation, passport, baked badge (PNG, SVG) or certificate "
            "(PDF); - for stdin."
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    online: Annotated[
        bool,
        typer.Option(
            "--online",
            help="Fetch the pinned registries again, and current status lists from this ledger "
            "(PASSPORT_BASE_URL), instead of the stored and carried copies.",
        ),
    ] = False,
    policy: Annotated[
        str,
        typer.Option(
            "--policy",
            help="registry: issuers must be recognised by a pinned registry; proof-only: "
            "recognition is reported but does not decide.",
        ),
    ] = "registry",
) -> None:
    """Verify a credential, presentation or passport offline against the pinned registries
    (`passport trust`). Exit 0 valid, 1 not, 2 unusable."""
    from passport.cli_trust import with_carried_registry  # noqa: PLC0415
    from passport.did_web import DidWebFetcher  # noqa: PLC0415
    from passport.online import FetchedStatusLists  # noqa: PLC0415
    from passport.trust_store import TrustStore, TrustStoreError  # noqa: PLC0415
    from verifier import DocumentReport, MalformedInputError, Policy, verify_document  # noqa: PLC0415
    from verifier.carried import verify_file  # noqa: PLC0415
    from verifier.checks import StatusLists  # noqa: PLC0415
    from verifier.verify import parse_document  # noqa: PLC0415

    if policy not in {p.value for p in Policy}:
        _fail(f"unknown policy {policy!r}: use registry or proof-only")
    lists = None
    documents = None
    store = TrustStore()
    try:
        if online:
            settings = _settings()
            store = TrustStore(ca_file=settings.fetch_ca_file)
            fetched = FetchedStatusLists(settings.base_url)
            lists = StatusLists(fetched, fetched.source)
            documents = DidWebFetcher(settings.fetch_ca_file)
            for problem in store.refresh():
                typer.echo(f"warning: {problem}", err=True)
        trust = store.trust(Policy(policy))
    except TrustStoreError as exc:
        _fail(str(exc))
    try:
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1) if file == "-" else _read(Path(file))

        def check(raw: bytes) -> DocumentReport:
            document = parse_document(raw)
            trusted = with_carried_registry(store, document, trust)
            return verify_document(
                document, now=utcnow(), trust=trusted, status_lists=lists, did_documents=documents
            )

        report, carried_in = verify_file(data, check)
    except MalformedInputError as exc:
        _fail(str(exc))
    if as_json:
        found = {"carriedIn": carried_in} if carried_in else {}
        typer.echo(json.dumps({**report.to_dict(), **found, "policy": policy}, indent=2))
    else:
        where = "".join(f"carried in {w}\n" for w in carried_in)
        typer.echo(f"{where}{report.to_text()}\n\npolicy: {policy}")
    raise typer.Exit(0 if report.verified else 1)


def _read(path: Path, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The file's bytes; a missing, unreadable or too large file ends the command (exit 2)."""
    try:
        if not path.is_file():
            _fail(f"no such file: {path}")
        if path.stat().st_size > limit:
            _fail(f"{path} is larger than {limit // (1024 * 1024)} MB")
        return path.read_bytes()
    except OSError as exc:
        _fail(f"cannot read {path}: {exc.strerror or type(exc).__name__}")


@app.command()
def audit() -> None:
    """Check every event's signature and the Merkle log. Exit 0 intact, 1 tampered."""
    services = _services()
    try:
        trusted = {
            kid: PublicKey.from_multibase(kid) for kid in services.key_store.role_keys(LEDGER_ROLE)
        }
        result = audit_log(services.ledger.recorder, trusted)
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
    services = _services()
    try:
        divergence = first_divergence(services)
        published = len(checkpoints(services))
        set_aside = set_aside_events(services.read_models)
    finally:
        services.close()
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

    services = _services()
    try:
        _, note = publish_checkpoint(services, utcnow())
    finally:
        services.close()
    typer.echo(note, nl=False)


@projections_app.command("rebuild")
def rebuild() -> None:
    """Rebuild every read model from the log."""
    services = _services()
    try:
        count = services.projections.rebuild()
    finally:
        services.close()
    typer.echo(f"rebuilt read models from {count} events")


@projections_app.command("set-aside")
def set_aside_list() -> None:
    """List the events the read models could not apply (set aside, with the error)."""
    services = _services()
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


@issuer_app.command("register")
def issuer_register(
    name: Annotated[str, typer.Argument(help="The academy's name, e.g. 'NHS Digital Academy'.")],
    url: Annotated[str, typer.Option("--url", help="The academy's public web address.")],
    did_method: Annotated[
        str,
        typer.Option(
            "--did-method",
            help="web (default): a did:web under this ledger, whose keys rotate. key: the "
            "did:key of its one key, resolvable offline by anyone; it cannot rotate.",
        ),
    ] = "web",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Register an issuer; prints its DID and API client credentials (the secret only now)."""
    from issuers.schemas import IssuerCreate  # noqa: PLC0415

    try:
        request = IssuerCreate.model_validate({"name": name, "url": url, "didMethod": did_method})
    except ValidationError as exc:
        first = exc.errors()[0]
        _fail(f"{first['loc'][0]}: {first['msg']}")
    services = _services()
    try:
        account = services.accounts.register_issuer(
            request.name, str(request.url), utcnow(), request.did_method
        )
    finally:
        services.close()
    result = {
        "id": str(account.id),
        "did": account.did,
        "client_id": account.client_id,
        "client_secret": account.client_secret,
    }
    _print_record(result, as_json)


def _print_record(record: dict[str, str], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(record, indent=2))
        return
    for key, value in record.items():
        typer.echo(f"{key:<14} {value}")
    typer.echo("Keep the client secret now: only its hash is stored.", err=True)


@app.command()
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
        _fail(f"--issuer must be an issuer id (a UUID), got {issuer_id!r}")
    raw = _read(csv_file, MAX_CSV_BYTES)
    try:
        rows = csv_rows(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        _fail(f"{csv_file}: {exc}")
    if not rows or len(rows) > MAX_ROWS:
        _fail(f"{csv_file}: a cohort has 1 to {MAX_ROWS} rows")
    batch_key = key or "csv-sha256:" + hashlib.sha256(raw).hexdigest()
    services = _services()
    try:
        issuer = services.ledger.issuer(issuer_uuid)
        valid, refused = validate(rows, issuer, issuer.slug, batch_key, services.erased_staff())
        for error in refused:
            typer.echo(f"row {error.row}: {error.field}: {error.message}", err=True)
        if refused and mode is Mode.ALL_OR_NOTHING:
            _fail(
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


@outbox_app.command("deliver")
def outbox_deliver() -> None:
    """Send each newly enrolled learner their personal link, and anything else queued."""
    from passport.mail import MailRelayError  # noqa: PLC0415

    settings = _settings()
    try:
        relay = settings.mail_relay()
    except MailRelayError as exc:
        _fail(str(exc))
    if relay is None:
        _fail("set PASSPORT_SMTP_URL (smtp://host:port) to say where emails go")
    services = _services()
    try:
        services.projections.catch_up()
        done = services.outbox.deliver(relay, settings.mail_from, utcnow())
    except MailRelayError as exc:
        _fail(str(exc))
    finally:
        services.close()
    typer.echo(
        f"queued {done.queued}, sent {done.sent}, failed {done.failed}; "
        f"{done.without_address} learner(s) have no email address"
    )
    raise typer.Exit(1 if done.failed else 0)


@learner_app.command("link")
def learner_link(
    learner_id: Annotated[str, typer.Argument(help="The learner's id (a UUID).")],
) -> None:
    """Make the learner a new personal link to their passport (the old one stops working)."""
    learner = _learner_id(learner_id)
    services = _services()
    try:
        services.projections.catch_up()
        view = services.views.passport(str(learner), utcnow().date())
        if view is None or view.erased:
            _fail(f"no learner {learner} with a record to show")
        token = services.sharing.issue_learner_link(str(learner), utcnow())
    finally:
        services.close()
    typer.echo(f"{services.settings.base_url.rstrip('/')}/me/{token}")


@learner_app.command("erase")
def learner_erase(
    learner_id: Annotated[str, typer.Argument(help="The learner's id (a UUID).")],
    reason: Annotated[
        str, typer.Option("--reason", help="Why, for the record (no personal data in it).")
    ],
) -> None:
    """Erase a learner's personal data for good; their credentials stay verifiable."""
    from passport.erasure import erase_learner  # noqa: PLC0415

    learner = _learner_id(learner_id)
    if not reason.strip():
        _fail("give a --reason: it is recorded with the erasure")
    services = _services()
    try:
        erase_learner(services, learner, by="operator", reason=reason.strip())
    finally:
        services.close()
    typer.echo(f"erased the personal data of learner {learner}; their credentials still verify")


@database_app.command("restrict")
def database_restrict(
    role: Annotated[str, typer.Argument(help="The PostgreSQL role the app will connect as.")],
) -> None:
    """Limit the app's PostgreSQL role: the log and checkpoints become insert-and-read only.

    Run it as the tables' owner (PASSPORT_DATABASE_URL naming the owner); it creates the
    tables and triggers first if they are not there. Then run the app as ROLE.
    """
    from passport.immutability import restrict_role  # noqa: PLC0415

    settings = _settings()
    if not settings.is_postgres:
        _fail("roles are a PostgreSQL feature: PASSPORT_DATABASE_URL names a SQLite file")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", role):
        _fail(f"{role!r} is not a PostgreSQL role name (letters, digits and _)")
    _services().close()  # creates the tables and the triggers, as the owner
    try:
        statements = restrict_role(settings, role)
    except psycopg.errors.UndefinedObject:
        _fail(f"no role {role!r}: create it first (CREATE ROLE {role} LOGIN PASSWORD '…')")
    except psycopg.errors.InsufficientPrivilege as exc:
        _fail(f"run this as the owner of the tables: {str(exc).splitlines()[0]}")
    for statement in statements:
        typer.echo(statement)
    typer.echo(f"role {role} may now only insert into and read the log and its checkpoints")


@operator_app.command("client")
def operator_client(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create client credentials for the admin API (POST /api/v1/admin/issuers)."""
    services = _services()
    try:
        credentials = services.accounts.new_operator_client()
    finally:
        services.close()
    result = {"client_id": credentials.client_id, "client_secret": credentials.client_secret}
    _print_record(result, as_json)


from passport.cli_import import import_records  # noqa: E402 - the commands need `app` first
from passport.cli_registry import registry_app  # noqa: E402
from passport.cli_trust import trust_app  # noqa: E402

app.add_typer(trust_app, name="trust")
app.add_typer(registry_app, name="registry")
app.command("import")(import_records)


def main() -> None:
    """Entry point: domain errors become one-line messages, never tracebacks."""
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
