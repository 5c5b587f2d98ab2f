"""The schema setup run when a store is opened: one process at a time, and skipped once current.

Processes that open one store together (`passport serve --workers N`, several hosts starting at
once) would otherwise run the same DDL at the same instant, and PostgreSQL refuses concurrent
`CREATE OR REPLACE FUNCTION` or `CREATE TYPE` of one name ("tuple concurrently updated", a
duplicate key in its catalogue). So the setup runs under a lock across processes and hosts (a
session-level advisory lock on a connection of its own on PostgreSQL, an exclusive `flock` on a
file beside the SQLite database), and ends by recording the fingerprint of the DDL it ran. A
later opening that finds the same fingerprint runs no DDL at all: no lock on the log's table, no
wait behind processes already serving.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version

import psycopg

from events import postgres_recorder, sqlite_recorder
from issuers import claim_backfill, jobs
from passport import immutability, outbox, sharing
from passport.settings import Settings
from projections import idempotency, schema

MARKER_TABLE = "schema_setup"
# Every statement run at open: a change to any of them (or to the library's own) runs the setup
# again on stores set up before. A test checks no module's DDL is missing here.
STATEMENTS: tuple[str, ...] = (
    f"read models v{schema.SCHEMA_VERSION}",
    *schema.SCHEMA,
    idempotency.SCHEMA,
    jobs.SCHEMA,
    claim_backfill.SCHEMA,
    *sharing.SCHEMA,
    *outbox.SCHEMA,
    *immutability.PG_STATEMENTS,
    *immutability.SQLITE_TRIGGERS,
    f"eventsourcing {version('eventsourcing')}",
    postgres_recorder.TOPIC,
    sqlite_recorder.TOPIC,
)
FINGERPRINT = hashlib.sha256("\n\0".join(STATEMENTS).encode()).hexdigest()
_PG_LOCK_KEY = int.from_bytes(
    hashlib.sha256(b"staff-passport/schema-setup").digest()[:8], "big", signed=True
)
# The log's guards, looked for at every opening: whoever holds the SQLite file (or a superuser)
# can drop them, and the next opening puts them back.
_PG_GUARDS = "SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND NOT tgisinternal"
_PG_TRIGGERS = [s for s in immutability.PG_STATEMENTS if s.startswith("CREATE TRIGGER")]
_SQLITE_GUARDS = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?"


@contextmanager
def schema_setup(settings: Settings, *, owner: bool) -> Iterator[bool]:
    """Whether the block must create the schema: False for a role that does not own it, or a
    store already set up by this version; else True, with the setup lock held for the block,
    and the store marked as set up when the block ends without error."""
    if not owner or _current(settings):
        yield False
        return
    with _setup_lock(settings):
        if not _current(settings):  # another process may have set it up while this one waited
            yield True
            _mark_current(settings)
            return
    yield False


@contextmanager
def _setup_lock(settings: Settings) -> Iterator[None]:
    if settings.is_postgres:
        # Session-level, on a connection of its own: the setup spans many transactions and
        # connections, and if this process dies the server drops the lock with the session.
        with psycopg.connect(settings.postgres_conninfo(), autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (_PG_LOCK_KEY,))
            yield
        return
    settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)  # a first start: no var/ yet
    path = settings.sqlite_path.with_name(settings.sqlite_path.name + ".setup-lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor drops the lock


def _current(settings: Settings) -> bool:
    """Whether the store records this version's fingerprint and still has the log's guards (two
    small reads, no lock)."""
    if settings.is_postgres:
        with psycopg.connect(settings.postgres_conninfo(), autocommit=True) as conn:
            found = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (MARKER_TABLE,)).fetchone()
            if not (found and found[0]):
                return False
            guards = conn.execute(_PG_GUARDS, (immutability.PG_TABLE,)).fetchone()
            if not guards or guards[0] != len(_PG_TRIGGERS):
                return False
            rows = conn.execute(f"SELECT fingerprint FROM {MARKER_TABLE}").fetchall()  # noqa: S608
    else:
        if not settings.sqlite_path.exists():
            return False
        with _sqlite(settings) as lite:
            if not lite.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (MARKER_TABLE,)
            ).fetchall():
                return False
            guards = lite.execute(_SQLITE_GUARDS, (immutability.SQLITE_TABLE,)).fetchone()
            if not guards or guards[0] != len(immutability.SQLITE_TRIGGERS):
                return False
            rows = lite.execute(f"SELECT fingerprint FROM {MARKER_TABLE}").fetchall()  # noqa: S608
    return [str(r[0]) for r in rows] == [FINGERPRINT]


def _mark_current(settings: Settings) -> None:
    statements = (
        f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (fingerprint TEXT NOT NULL)",
        f"DELETE FROM {MARKER_TABLE}",  # noqa: S608 - our constant
        f"INSERT INTO {MARKER_TABLE} (fingerprint) VALUES ('{FINGERPRINT}')",  # noqa: S608 - hex
    )
    if settings.is_postgres:
        with psycopg.connect(settings.postgres_conninfo()) as conn, conn.transaction():
            for statement in statements:
                conn.execute(statement.encode())
        return
    with _sqlite(settings) as lite:
        lite.execute("BEGIN IMMEDIATE")
        for statement in statements:
            lite.execute(statement)
        lite.execute("COMMIT")


@contextmanager
def _sqlite(settings: Settings) -> Iterator[sqlite3.Connection]:
    lite = sqlite3.connect(settings.sqlite_path, isolation_level=None, timeout=30)
    try:
        yield lite
    finally:
        lite.close()
