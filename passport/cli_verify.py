"""`passport verify`: check a file offline (or `--online`) against the pinned registries."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from passport.cli_common import fail, read_input, settings_now
from passport.services import utcnow


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
    from verifier.verify import MAX_INPUT_BYTES, parse_document  # noqa: PLC0415

    if policy not in {p.value for p in Policy}:
        fail(f"unknown policy {policy!r}: use registry or proof-only")
    lists = None
    documents = None
    store = TrustStore()
    try:
        if online:
            settings = settings_now()
            store = TrustStore(ca_file=settings.fetch_ca_file)
            fetched = FetchedStatusLists(settings.base_url)
            lists = StatusLists(fetched, fetched.source)
            documents = DidWebFetcher(settings.fetch_ca_file)
            for problem in store.refresh():
                typer.echo(f"warning: {problem}", err=True)
        trust = store.trust(Policy(policy))
    except TrustStoreError as exc:
        fail(str(exc))
    try:
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1) if file == "-" else read_input(Path(file))

        def check(raw: bytes) -> DocumentReport:
            document = parse_document(raw)
            trusted = with_carried_registry(store, document, trust)
            return verify_document(
                document, now=utcnow(), trust=trusted, status_lists=lists, did_documents=documents
            )

        report, carried_in = verify_file(data, check)
    except MalformedInputError as exc:
        fail(str(exc))
    if as_json:
        found = {"carriedIn": carried_in} if carried_in else {}
        typer.echo(json.dumps({**report.to_dict(), **found, "policy": policy}, indent=2))
    else:
        where = "".join(f"carried in {w}\n" for w in carried_in)
        typer.echo(f"{where}{report.to_text()}\n\npolicy: {policy}")
    raise typer.Exit(0 if report.verified else 1)
