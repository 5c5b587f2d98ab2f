"""A shadow set of read-model tables, built beside the live ones and swapped in atomically.

A rebuild replays the log into `<table>__next` tables (with their own tracking row, in
`rm_tracking__next`) while requests read, and the follower writes, the live tables. The
projections' SQL names the live tables; `ShadowTransaction` rewrites those names, so the same
handlers build either set. The swap runs in one transaction that holds the live projection's
lock (`rm_tracking`, which is never swapped): each live table is dropped and its shadow renamed
in its place, and the live position becomes the shadow's. A rebuild that dies before the swap
leaves the live tables as they were; the next one drops what it left and starts again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from projections.database import Row, Transaction
from projections.schema import SCHEMA, TABLES

SUFFIX = "__next"
TRACKING = "rm_tracking"
_CREATES = re.compile(
    r"CREATE\s+(?:UNIQUE\s+)?(?:TABLE|INDEX)\s+IF\s+NOT\s+EXISTS\s+(\w+)(?:\s+ON\s+(\w+))?"
)


def _target(statement: str) -> tuple[str, str | None]:
    """(table, index or None) of one CREATE statement of the schema ("" if not one)."""
    found = _CREATES.search(statement)
    if found is None:
        return "", None
    if found.group(2) is not None:
        return found.group(2), found.group(1)
    return found.group(1), None


STATEMENTS = tuple(s for s in SCHEMA if _target(s)[0] in (*TABLES, TRACKING))
INDEXES = {index: s for s in STATEMENTS if (index := _target(s)[1]) is not None}
_NAMES = re.compile(
    r"\b(" + "|".join(sorted((*TABLES, TRACKING, *INDEXES), key=len, reverse=True)) + r")\b"
)


def shadow_sql(sql: str) -> str:
    """The statement with every live read-model table (and index) named by its shadow."""
    return _NAMES.sub(lambda m: m.group(1) + SUFFIX, sql)


class ShadowTransaction:
    """A transaction whose statements read and write the shadow tables instead of the live."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run one statement against the shadow tables."""
        return self._tx.execute(shadow_sql(sql), params)

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement per row of parameters against the shadow tables."""
        self._tx.execute_many(shadow_sql(sql), rows)

    def insert_rows(self, target: str, rows: Sequence[Sequence[Any]]) -> None:
        """Insert rows into the shadow of `target` ("table (columns)")."""
        self._tx.insert_rows(shadow_sql(target), rows)

    def lock_tracking(self, name: str) -> int:
        """The shadow's position (one rebuild at a time holds the shadow: no lock needed)."""
        self.execute(
            "INSERT INTO rm_tracking (name, position) VALUES (?, 0) ON CONFLICT (name) DO NOTHING",
            (name,),
        )
        return int(self.execute("SELECT position FROM rm_tracking WHERE name = ?", (name,))[0][0])

    @property
    def connection(self) -> object:
        """The live transaction's connection."""
        return self._tx.connection


def can_swap(tx: Transaction, is_postgres: bool) -> bool:
    """Whether this database role may create, drop and rename the read-model tables (on
    PostgreSQL a role restricted by `passport database restrict` may not)."""
    if not is_postgres:
        return True
    rows = tx.execute(
        "SELECT has_schema_privilege(current_schema(), 'CREATE') AND COALESCE(bool_and("
        "pg_has_role(current_user, tableowner, 'USAGE')), true) FROM pg_tables "
        "WHERE schemaname = current_schema() AND tablename = ANY(?)",
        (list(TABLES),),
    )
    return bool(rows[0][0])


def drop(tx: Transaction) -> None:
    """Drop whatever shadow tables are there (a rebuild's leftovers; their indexes go too)."""
    for table in (*TABLES, TRACKING):
        tx.execute(f"DROP TABLE IF EXISTS {table}{SUFFIX}")


def create(tx: Transaction) -> None:
    """A fresh, empty shadow set: the leftovers of an earlier rebuild are dropped first."""
    drop(tx)
    for statement in STATEMENTS:
        tx.execute(shadow_sql(statement))


def swap(tx: Transaction, is_postgres: bool, tracking_name: str) -> int:
    """Put the shadow tables in place of the live ones, in the caller's transaction (which
    holds the live projection's lock), and move the live position to the shadow's; returns
    it. Indexes keep their names, and on PostgreSQL the grants on the live tables carry over."""
    position = ShadowTransaction(tx).lock_tracking(tracking_name)
    for table in TABLES:
        grants = _grants(tx, table) if is_postgres else []
        tx.execute(f"DROP TABLE {table}")
        tx.execute(f"ALTER TABLE {table}{SUFFIX} RENAME TO {table}")
        if is_postgres:
            _rename_indexes(tx, table)
            for grantee, privileges in grants:
                tx.execute(f"GRANT {privileges} ON {table} TO {grantee}")
    if not is_postgres:
        # SQLite cannot rename an index: each is made again under its own name.
        for index, statement in INDEXES.items():
            if _target(statement)[0] != TRACKING:
                tx.execute(f"DROP INDEX IF EXISTS {index}{SUFFIX}")
                tx.execute(statement)
    tx.execute(f"DROP TABLE {TRACKING}{SUFFIX}")
    tx.execute("UPDATE rm_tracking SET position = ? WHERE name = ?", (position, tracking_name))
    return position


def _rename_indexes(tx: Transaction, table: str) -> None:
    """Give the renamed table's indexes (and constraints) the names the live ones had."""
    rows = tx.execute(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ?",
        (table,),
    )
    for (name,) in rows:
        if SUFFIX in name:
            tx.execute(f'ALTER INDEX "{name}" RENAME TO "{name.replace(SUFFIX, "")}"')


def _grants(tx: Transaction, table: str) -> list[tuple[str, str]]:
    """(grantee, privileges) granted on a live table to roles other than its owner."""
    rows = tx.execute(
        "SELECT grantee, string_agg(privilege_type, ', ' ORDER BY privilege_type) "
        "FROM information_schema.role_table_grants WHERE table_schema = current_schema() "
        "AND table_name = ? AND grantee <> (SELECT tableowner FROM pg_tables "
        "WHERE schemaname = current_schema() AND tablename = ?) GROUP BY grantee",
        (table, table),
    )
    return [
        (grantee if grantee == "PUBLIC" else '"' + grantee.replace('"', '""') + '"', privileges)
        for grantee, privileges in rows
    ]
