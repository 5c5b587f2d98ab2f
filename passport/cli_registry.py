"""`passport registry`: the operator recognises, aligns, suspends and derecognises issuers, and
recognises accrediting bodies (also `passport issuer accredit`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Annotated

import typer
from pydantic import ValidationError

from events.errors import LedgerError
from keys import KeysError
from passport import registry
from passport.cli_common import fail
from passport.services import Services, utcnow
from passport.settings import Settings
from verifier.timestamps import xsd_datetime

registry_app = typer.Typer(
    help="The issuer registry this ledger publishes (operator).", no_args_is_help=True
)
Did = Annotated[str, typer.Argument(help="The entity's DID.")]


@contextmanager
def _services() -> Iterator[Services]:
    try:
        services = Services.open(Settings())
    except ValidationError as exc:
        fail(f"configuration: {exc.errors()[0]['msg']}")
    except KeysError as exc:
        fail(str(exc))
    try:
        yield services
    except (LedgerError, ValueError, KeysError) as exc:
        fail(str(exc))
    finally:
        services.close()


def _moment(text: str | None, default: datetime | None = None) -> str | None:
    """A date (`2025-04-01`) or dateTime, as an XML Schema dateTime; None stays None."""
    if text is None:
        return xsd_datetime(default) if default is not None else None
    try:
        if len(text) == 10:
            return f"{date.fromisoformat(text).isoformat()}T00:00:00Z"
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        fail(f"{text!r} is not a date (YYYY-MM-DD) or a dateTime")
    if moment.tzinfo is None:
        fail(f"{text!r} has no time zone (add Z for UTC)")
    return xsd_datetime(moment)


def _done(change: Callable[[Services], None], message: str) -> None:
    with _services() as services:
        change(services)
        version = registry.current_version(services)
    typer.echo(f"{message}; the registry is now at version {version}")


@registry_app.command("recognise")
def recognise(
    did: Did,
    name: Annotated[str, typer.Option("--name", help="The entity's name.")],
    url: Annotated[str | None, typer.Option("--url", help="Its web site.")] = None,
    role: Annotated[str, typer.Option("--role", help="issuer or accreditor.")] = "issuer",
    since: Annotated[
        str | None, typer.Option("--from", help="Recognised from (default now).")
    ] = None,
    key: Annotated[
        list[str] | None,
        typer.Option("--key", help="METHOD_ID=z6Mk… (repeat); for a did:key, none needed."),
    ] = None,
    accredited_by: Annotated[
        list[str] | None, typer.Option("--accredited-by", help="An accrediting body's DID.")
    ] = None,
) -> None:
    """Recognise an issuer or accrediting body (then align it for what it may issue)."""
    at = _moment(since, utcnow())
    assert at is not None
    keys = []
    for entry in key or []:
        method, _, multibase = entry.partition("=")
        if not multibase:
            fail(f"--key {entry!r}: give METHOD_ID=PUBLIC_KEY_MULTIBASE")
        keys.append({"id": method, "publicKeyMultibase": multibase, "validFrom": at})
    _done(
        lambda s: registry.recognise(
            s, did, name, url=url, role=role, at=at, keys=keys, accredited_by=accredited_by or []
        ),
        f"recognised {name} ({did}) as {role}",
    )


@registry_app.command("align")
def align(
    did: Did,
    kind: Annotated[
        str | None, typer.Option("--kind", help="Open Badges achievementType, e.g. Badge.")
    ] = None,
    subject: Annotated[
        str | None, typer.Option("--subject", help="A catalogue subject, e.g. CSTF-FIRE.")
    ] = None,
    since: Annotated[str | None, typer.Option("--from", help="Aligned from (default now).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Aligned until.")] = None,
) -> None:
    """Recognise an entity for a kind of achievement and/or a subject, from a date."""
    start = _moment(since, utcnow())
    assert start is not None
    _done(
        lambda s: registry.align(
            s, did, achievement_type=kind, subject=subject, start=start, until=_moment(until)
        ),
        f"aligned {did} for {kind or 'any kind'} / {subject or 'any subject'} from {start}",
    )


@registry_app.command("accredit")
def accredit(
    did: Did,
    since: Annotated[
        str | None, typer.Option("--from", help="An accrediting body from (default now).")
    ] = None,
    until: Annotated[str | None, typer.Option("--until", help="Until (default: for good).")] = None,
) -> None:
    """Recognise an issuer as an accrediting body (operator): only then may it endorse."""
    start = _moment(since, utcnow())
    assert start is not None
    _done(
        lambda s: registry.accredit(s, did, start=start, until=_moment(until)),
        f"recognised {did} as an accrediting body from {start}",
    )


@registry_app.command("suspend")
def suspend(
    did: Did,
    since: Annotated[
        str | None, typer.Option("--from", help="Suspended from (default now).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Until (default: reinstated).")
    ] = None,
) -> None:
    """Suspend an entity's recognition."""
    at = _moment(since, utcnow())
    assert at is not None
    _done(lambda s: registry.suspend(s, did, at, _moment(until)), f"suspended {did} from {at}")


@registry_app.command("reinstate")
def reinstate(did: Did) -> None:
    """End an entity's open suspension, now."""
    at = _moment(None, utcnow())
    assert at is not None
    _done(lambda s: registry.reinstate(s, did, at), f"reinstated {did} from {at}")


@registry_app.command("derecognise")
def derecognise(
    did: Did,
    since: Annotated[str | None, typer.Option("--at", help="From when (default now).")] = None,
) -> None:
    """Stop recognising an entity; what it issued before stays recognised."""
    at = _moment(since, utcnow())
    assert at is not None
    _done(lambda s: registry.derecognise(s, did, at), f"derecognised {did} from {at}")


@registry_app.command("show")
def show(
    as_json: Annotated[bool, typer.Option("--json", help="Print the document.")] = False,
) -> None:
    """The registry as published now, and the key employers pin."""
    with _services() as services:
        document = registry.published_registry(services, utcnow())
        url = registry.registry_url(services)
    if as_json:
        typer.echo(json.dumps(document, indent=2))
        return
    subject = document["credentialSubject"]
    typer.echo(f"{subject['name']}, version {subject['version']}")
    typer.echo(f"published at {url}")
    typer.echo(
        f"pin with: passport trust add {url} --fingerprint {registry.fingerprint_of(document)}"
    )
    for entity in subject["recognizedEntities"]:
        state = "derecognised" if entity.get("derecognisedAt") else entity["role"]
        if entity.get("accrediting") and not entity.get("derecognisedAt"):
            state += ", accrediting body"
        typer.echo(f"  {entity['name']}  {entity['id']}  ({state})")
