"""Makes the stored log refuse change: the database itself rejects UPDATE, DELETE and TRUNCATE.

Our code only ever inserts; these triggers make that a property of the store, so an
application bug or a careless script cannot rewrite history (someone with the power to drop the
triggers can, and `passport audit` is what catches that).

On PostgreSQL the owner of the tables can also restrict the role the application connects as
(`passport database restrict ROLE`): that role may only insert into and read the log and the
published checkpoints, and cannot drop the triggers. The app then notices it does not own the
schema and leaves every table as the owner made it.
"""

from __future__ import annotations

import sqlite3

import psycopg
from psycopg import sql

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


# Inserting roles serialise on this lock instead of eventsourcing's `LOCK TABLE … IN EXCLUSIVE
# MODE`, which PostgreSQL grants only to roles that may UPDATE, DELETE or TRUNCATE the table.
# Held to the end of the inserting transaction, it keeps commit order equal to notification order
# just as the table lock does, provided every writer takes it (every writer is this app).
ADVISORY_LOCK = sql.SQL("SELECT pg_advisory_xact_lock(7272740001)")
INSERT_ONLY = ("staffpassport_events", "log_checkpoints")
NO_DELETE = ("learner_data_keys",)
# What the owner's schema setup recorded (`passport.schema_setup.MARKER_TABLE`): the role only
# reads; were it to change it, the owner's next start could skip DDL a new version needs.
READ_ONLY = ("schema_setup",)


def serialise_inserts_without_table_lock(recorder: object) -> None:
    """Make a PostgreSQL recorder take the advisory lock instead of the table lock."""
    statements = getattr(recorder, "lock_table_statements", None)
    if isinstance(statements, list):
        statements[:] = [s for s in statements if "LOCK TABLE" not in str(s)] + [ADVISORY_LOCK]


def owns_schema(settings: Settings) -> bool:
    """Whether the configured role may create and alter the tables (or they do not exist yet)."""
    if not settings.is_postgres:
        return True
    with psycopg.connect(settings.postgres_conninfo(), autocommit=True) as conn:
        row = conn.execute(
            "SELECT pg_has_role(current_user, tableowner, 'USAGE') FROM pg_tables "
            "WHERE schemaname = current_schema() AND tablename = %s",
            (PG_TABLE,),
        ).fetchone()
    return row is None or bool(row[0])


def restrict_role(settings: Settings, role: str) -> list[str]:
    """Grant `role` what the app needs and no more; returns the statements run.

    Run as the tables' owner, after they exist. The log and the checkpoints: SELECT and INSERT.
    The learners' data keys: no DELETE (erasure blanks a key and keeps its tombstone). The read
    models, rebuilt from the log at will: SELECT, INSERT, UPDATE and DELETE.
    """
    role_id = sql.Identifier(role)
    with psycopg.connect(settings.postgres_conninfo(), autocommit=True) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "ORDER BY tablename"
            ).fetchall()
        ]
        statements = [
            sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(
                sql.Identifier(_current_schema(conn)), role_id
            ),
            sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA {} TO {}").format(
                sql.Identifier(_current_schema(conn)), role_id
            ),
        ]
        for table in tables:
            if table in READ_ONLY:
                rights = "SELECT"
            elif table in INSERT_ONLY:
                rights = "SELECT, INSERT"
            elif table in NO_DELETE:
                rights = "SELECT, INSERT, UPDATE"
            else:
                rights = "SELECT, INSERT, UPDATE, DELETE"
            statements += [
                sql.SQL("REVOKE ALL ON {} FROM {}").format(sql.Identifier(table), role_id),
                sql.SQL("GRANT " + rights + " ON {} TO {}").format(sql.Identifier(table), role_id),
            ]
        with conn.transaction():
            for statement in statements:
                conn.execute(statement)
        return [statement.as_string(conn) for statement in statements]


def _current_schema(conn: psycopg.Connection[tuple[object, ...]]) -> str:
    row = conn.execute("SELECT current_schema()").fetchone()
    return str(row[0]) if row else "public"
