"""Reads of many aggregates' last events at once: one query per chunk instead of one per id."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from uuid import UUID

from eventsourcing.persistence import AggregateRecorder, StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder
from psycopg.sql import SQL, Composed, Identifier

CHUNK = 1000  # ids per statement: well under PostgreSQL's 65,535 parameters


def last_events(
    recorder: AggregateRecorder, ids: Collection[UUID], *, with_state: bool = True
) -> dict[UUID, StoredEvent]:
    """Each id's last stored event (ids with none are absent); without `with_state`, only
    its version and topic (the state is left empty, so nothing needs decoding or checking).

    On PostgreSQL, one indexed statement per CHUNK ids (`DISTINCT ON` the primary key); on
    other stores (SQLite runs in-process, so a read is not a round trip) one read per id.
    """
    wanted = list(dict.fromkeys(ids))
    found: dict[UUID, StoredEvent] = {}
    if isinstance(recorder, PostgresAggregateRecorder):
        for start in range(0, len(wanted), CHUNK):
            found.update(_postgres_last(recorder, wanted[start : start + CHUNK], with_state))
        return found
    for originator_id in wanted:
        last = recorder.select_events(originator_id, desc=True, limit=1)
        if last:
            found[originator_id] = last[0]
    return found


def postgres_last_events_statement(
    recorder: PostgresAggregateRecorder, *, with_state: bool = True
) -> Composed:
    """The statement `last_events` sends on PostgreSQL, taking a list of ids as text."""
    return SQL(
        "SELECT DISTINCT ON (originator_id) originator_id, originator_version, topic, {state} "
        "FROM {schema}.{table} WHERE originator_id = ANY(%s::{kind}[]) "
        "ORDER BY originator_id, originator_version DESC"
    ).format(
        state=SQL("state") if with_state else SQL("NULL AS state"),
        kind=SQL("text" if recorder.datastore.originator_id_type == "text" else "uuid"),
        schema=Identifier(recorder.datastore.schema),
        table=Identifier(recorder.events_table_name),
    )


def _postgres_last(
    recorder: PostgresAggregateRecorder, ids: Sequence[UUID], with_state: bool
) -> dict[UUID, StoredEvent]:
    statement = postgres_last_events_statement(recorder, with_state=with_state)
    with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
        # Sent as text: psycopg dumps a list of strings far faster than one of UUIDs.
        curs.execute(statement, [[str(i) for i in ids]])
        return {
            UUID(str(row["originator_id"])): StoredEvent(
                originator_id=row["originator_id"],
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=bytes(row["state"]) if row["state"] is not None else b"",
            )
            for row in curs.fetchall()
        }
