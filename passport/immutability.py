"""Makes the stored log refuse change: the database itself rejects UPDATE, DELETE and TRUNCATE.

Our code only ever inserts; these triggers make that a property of the store, so an
application bug or a careless script cannot rewrite history (someone with the power to drop the
triggers can, and `passport audit` is what catches that).
"""

from __future__ import annotations

import sqlite3

import psycopg

from passport.settings import Settings

SQLITE_TABLE = "stored_events"
PG_TABLE = "staffpassport_events"
MESSAGE = "stored events are immutable: the ledger only appends"

SQLITE_TRIGGERS = [
    f"CREATE TRIGGER IF NOT EXISTS {SQLITE_TABLE}_no_{op.lower()} BEFORE {op} ON {SQLITE_TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    for op in ("UPDATE", "DELETE")
]

PG_STATEMENTS = [
    f"""CREATE OR REPLACE FUNCTION {PG_TABLE}_refuse_change() RETURNS trigger
        LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$""",
    f"DROP TRIGGER IF EXISTS {PG_TABLE}_no_change ON {PG_TABLE}",
    f"""CREATE TRIGGER {PG_TABLE}_no_change BEFORE UPDATE OR DELETE ON {PG_TABLE}
        FOR EACH ROW EXECUTE FUNCTION {PG_TABLE}_refuse_change()""",
    f"DROP TRIGGER IF EXISTS {PG_TABLE}_no_truncate ON {PG_TABLE}",
    f"""CREATE TRIGGER {PG_TABLE}_no_truncate BEFORE TRUNCATE ON {PG_TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION {PG_TABLE}_refuse_change()""",
]


def protect_event_store(settings: Settings) -> None:
    """Install the triggers (idempotent) on the configured store."""
    if not settings.is_postgres:
        with sqlite3.connect(settings.sqlite_path, timeout=30) as lite:
            for statement in SQLITE_TRIGGERS:
                lite.execute(statement)
        return
    conninfo = settings.postgres_conninfo()
    with psycopg.connect(conninfo, autocommit=True) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(727274)")  # one installer at a time
        for statement in PG_STATEMENTS:
            conn.execute(statement.encode())
