"""`passport trust`: the registries an employer's `passport verify` trusts (add, list, remove)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from passport.cli_common import fail
from passport.settings import Settings
from passport.trust_store import TrustStore, TrustStoreError
from verifier.trust import Trust

trust_app = typer.Typer(
    help="The issuer registries `passport verify` trusts (PASSPORT_TRUST_DIR).",
    no_args_is_help=True,
)


def _fetch_ca_file() -> Path | None:
    """`PASSPORT_FETCH_CA_FILE`, the authorities for a registry's HTTPS certificate."""
    try:
        return Settings().fetch_ca_file
    except ValidationError as exc:
        fail(f"configuration: {exc.errors()[0]['msg']}")


@trust_app.command("add")
def trust_add(
    source: Annotated[str, typer.Argument(help="The registry's HTTPS URL, or a file.")],
    fingerprint: Annotated[
        str,
        typer.Option(
            "--fingerprint",
            help="The registry key (z6Mk…) its operator told you, out of band.",
        ),
    ],
) -> None:
    """Pin a registry: fetched once (HTTPS, or read from a file), then used offline."""
    try:
        pinned = TrustStore(ca_file=_fetch_ca_file()).add(source, fingerprint)
    except TrustStoreError as exc:
        fail(str(exc))
    registry = pinned.registry
    typer.echo(
        f"trusting {registry.name} (version {registry.version}, "
        f"{len(registry.entities)} recognised entities), signed by {pinned.fingerprint}"
    )


@trust_app.command("list")
def trust_list() -> None:
    """The pinned registries: key, name, version, source."""
    try:
        pinned = TrustStore().pinned()
    except TrustStoreError as exc:
        fail(str(exc))
    if not pinned:
        typer.echo("no registry is pinned: passport trust add URL --fingerprint KEY")
    for entry in pinned:
        typer.echo(
            f"{entry.fingerprint}  {entry.registry.name}  version {entry.registry.version}  "
            f"{entry.source}"
        )


@trust_app.command("remove")
def trust_remove(
    fingerprint: Annotated[str, typer.Argument(help="The registry key to stop trusting.")],
) -> None:
    """Stop trusting a registry."""
    try:
        TrustStore().remove(fingerprint)
    except TrustStoreError as exc:
        fail(str(exc))
    typer.echo(f"no longer trusting {fingerprint}")


def with_carried_registry(
    store: TrustStore, document: Mapping[str, Any] | str, trust: Trust
) -> Trust:
    """The trust after a registry copy a passport file carries: kept when newer and signed by
    a pinned key (as `--online` keeps a fetched one), else ignored with a line saying why."""
    extension = document.get("staffPassport") if isinstance(document, Mapping) else None
    carried = extension.get("registry") if isinstance(extension, Mapping) else None
    if not isinstance(carried, Mapping):
        return trust
    try:
        line = store.accept_copy(carried)
        updated = store.trust(trust.policy)
    except TrustStoreError as exc:
        fail(str(exc))
    if line is not None:
        typer.echo(line, err=True)
    return updated
