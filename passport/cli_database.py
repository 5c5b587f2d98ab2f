"""`passport database`: limits the app's PostgreSQL role to insert-and-read on the log."""

from __future__ import annotations

import re
from typing import Annotated

import psycopg
import typer

from passport.cli_common import fail, open_services, settings_now

database_app = typer.Typer(help="The database the ledger runs on.", no_args_is_help=True)


@database_app.command("restrict")
def database_restrict(
    role: Annotated[str, typer.Argument(help="The PostgreSQL role the app will connect as.")],
) -> None:
    """Limit the app's PostgreSQL role: the log and checkpoints become insert-and-read only.

    Run it as the tables' owner (PASSPORT_DATABASE_URL naming the owner); it creates the
    tables and triggers first if they are not there. Then run the app as ROLE.
    """
    from passport.immutability import restrict_role  # noqa: PLC0415

    settings = settings_now()
    if not settings.is_postgres:
        fail("roles are a PostgreSQL feature: PASSPORT_DATABASE_URL names a SQLite file")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", role):
        fail(f"{role!r} is not a PostgreSQL role name (letters, digits and _)")
    open_services().close()  # creates the tables and the triggers, as the owner
    try:
        statements = restrict_role(settings, role)
    except psycopg.errors.UndefinedObject:
        fail(f"no role {role!r}: create it first (CREATE ROLE {role} LOGIN PASSWORD '…')")
    except psycopg.errors.InsufficientPrivilege as exc:
        fail(f"run this as the owner of the tables: {str(exc).splitlines()[0]}")
    for statement in statements:
        typer.echo(statement)
    typer.echo(f"role {role} may now only insert into and read the log and its checkpoints")
