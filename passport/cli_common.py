"""What every `passport` command shares: one-line failures, settings, services, input files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import NoReturn
from uuid import UUID

import typer
from pydantic import ValidationError

from keys import KeysError
from passport.compliance import CatalogueError
from passport.services import Services
from passport.settings import Settings
from verifier.verify import MAX_INPUT_BYTES

EXIT_UNUSABLE = 2
MAX_CSV_BYTES = 64 * 1024 * 1024


def fail(message: str, code: int = EXIT_UNUSABLE) -> NoReturn:
    """End the command with a one-line error on stderr and `code`."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def settings_now() -> Settings:
    """The configuration from the environment; a bad setting ends the command."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        fail(f"configuration: {first['msg']}")


def learner_id_of(text: str) -> UUID:
    """A learner id given on the command line; anything but a UUID ends the command."""
    try:
        return UUID(text)
    except ValueError:
        fail(f"{text!r} is not a learner id (a UUID, as `passport demo` prints)")


def open_services(settings: Settings | None = None) -> Services:
    """The wired services; a key store or catalogue problem ends the command."""
    try:
        return Services.open(settings or settings_now())
    except (KeysError, CatalogueError) as exc:
        fail(str(exc))


def read_input(path: Path, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The file's bytes; a missing, unreadable or too large file ends the command (exit 2)."""
    try:
        if not path.is_file():
            fail(f"no such file: {path}")
        if path.stat().st_size > limit:
            fail(f"{path} is larger than {limit // (1024 * 1024)} MB")
        return path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or type(exc).__name__}")


def print_record(record: dict[str, str], as_json: bool) -> None:
    """Print new client credentials, as JSON or aligned, with the warning to keep the secret."""
    if as_json:
        typer.echo(json.dumps(record, indent=2))
        return
    for key, value in record.items():
        typer.echo(f"{key:<14} {value}")
    typer.echo("Keep the client secret now: only its hash is stored.", err=True)
