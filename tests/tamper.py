"""Changes stored events behind the ledger's back, as someone with database access could."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import psycopg

from passport.settings import Settings

PG_EVENTS = "staffpassport_events"


@contextmanager
def _cursor(settings: Settings) -> Iterator[tuple[Any, str, str]]:
    """A connection to the store, its events table and its placeholder."""
    if settings.is_postgres:
        with psycopg.connect(settings.postgres_conninfo(), autocommit=True) as conn:
            # A superuser can switch triggers off for the session; the application does not.
            conn.execute("SET session_replication_role = replica")
            yield conn, PG_EVENTS, "%s"
    else:
        lite: sqlite3.Connection = sqlite3.connect(settings.sqlite_path)
        try:
            with lite:
                # Whoever holds the file can drop the triggers; the ledger re-creates them.
                lite.execute("DROP TRIGGER IF EXISTS stored_events_no_update")
                lite.execute("DROP TRIGGER IF EXISTS stored_events_no_delete")
                yield lite, "stored_events", "?"
        finally:
            lite.close()


def flip_byte(settings: Settings, position: int, offset: int) -> None:
    """Flip the low bit of one byte of the stored state of the event at a log position."""
    key = "notification_id" if settings.is_postgres else "rowid"
    with _cursor(settings) as (conn, table, p):
        (state,) = conn.execute(
            f"SELECT state FROM {table} WHERE {key} = {p}",  # noqa: S608
            (position,),
        ).fetchone()
        changed = bytearray(state)
        changed[offset] ^= 0x01
        conn.execute(
            f"UPDATE {table} SET state = {p} WHERE {key} = {p}",  # noqa: S608
            (bytes(changed), position),
        )


def move_event(settings: Settings, version: int, to: UUID) -> None:
    """Re-home every event with this version to another aggregate id."""
    with _cursor(settings) as (conn, table, p):
        value: Any = to if settings.is_postgres else to.hex
        conn.execute(
            f"UPDATE {table} SET originator_id = {p} "  # noqa: S608
            f"WHERE originator_version = {p}",
            (value, version),
        )
