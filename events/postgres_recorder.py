"""The PostgreSQL event recorder: rows sent in binary, and events stored in a caller's transaction.

`eventsourcing` 9.5.6 inserts a batch as one array of its stored-event composite type, in
text: psycopg escapes each event's state (a few KiB of JSON as `bytea`) byte by byte in
Python, about 0.6 ms an event, more than the server takes to store it. The binary form of
the same array is a copy of the bytes. Everything else (the table lock that keeps commit
order the log order, the notification ids returned, the retries) is the library's own.

`Application.save(..., within=connection)` stores the events in the open transaction of that
psycopg connection (to the same database; `events.sqlite_recorder` does the same on SQLite)
instead of one of the recorder's own: whatever else the caller writes there (an award chunk's
idempotency keys and status list places) commits with the events, or nothing does. The insert
lock is taken, and the listeners notified, as for any insert, so followers see the events only
once that transaction commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.rows import dict_row
from psycopg.sql import SQL, Identifier
from psycopg.types.composite import register_composite

TOPIC = "events.postgres_recorder:BinaryInsertRecorder"
WITHIN = "within"  # the keyword of `save` naming the connection whose transaction to join


class BinaryInsertRecorder(PostgresApplicationRecorder):
    """`PostgresApplicationRecorder` with the rows of an insert sent in binary (`%b`), and
    inserts that may join a caller's transaction."""

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.insert_events_statement = SQL(
            "INSERT INTO {schema}.{table} AS t (originator_id, originator_version, topic, state) "
            "SELECT originator_id, originator_version, topic, state "
            "FROM unnest(%b::{schema}.{stored_event_type}[]) RETURNING notification_id"
        ).format(
            schema=Identifier(self.datastore.schema),
            table=Identifier(self.events_table_name),
            stored_event_type=Identifier(self.stored_event_type_name),
        )

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Insert in a transaction of the recorder's own or, given `within`, in that one."""
        within = kwargs.pop(WITHIN, None)
        if within is None:
            ids: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            return ids
        if not isinstance(within, psycopg.Connection):
            raise TypeError(f"`within` must be a psycopg connection, not {type(within)}")
        if within.info.transaction_status != psycopg.pq.TransactionStatus.INTRANS:
            raise ValueError("`within` has no open transaction to join")
        if not stored_events:
            return []
        for info in self.datastore.psycopg_type_adapters.values():
            if not within.adapters.types.get(info.oid):
                register_composite(info, within)
        try:
            with within.cursor(row_factory=dict_row) as curs:
                self._insert_events(curs, stored_events, **kwargs)
                self._insert_stored_events(curs, stored_events, **kwargs)
                return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        except psycopg.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc
