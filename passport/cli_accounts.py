"""`passport issuer` and `passport operator`: API clients for academies and the operator."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError

from passport.cli_common import fail, open_services, print_record
from passport.cli_registry import accredit
from passport.services import utcnow

issuer_app = typer.Typer(help="Register and manage issuers (academies).", no_args_is_help=True)
operator_app = typer.Typer(help="The ledger operator's own API access.", no_args_is_help=True)
issuer_app.command("accredit")(accredit)  # the registry's command, where academies are managed


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
        fail(f"{first['loc'][0]}: {first['msg']}")
    services = open_services()
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
    print_record(result, as_json)


@operator_app.command("client")
def operator_client(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create client credentials for the admin API (POST /api/v1/admin/issuers)."""
    services = open_services()
    try:
        credentials = services.accounts.new_operator_client()
    finally:
        services.close()
    result = {"client_id": credentials.client_id, "client_secret": credentials.client_secret}
    print_record(result, as_json)
