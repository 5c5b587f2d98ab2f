"""The PostgreSQL event recorder, sending new events' rows to the server in binary.

`eventsourcing` 9.5.6 inserts a batch as one array of its stored-event composite type, in
text: psycopg escapes each event's state (a few KiB of JSON as `bytea`) byte by byte in
Python, about 0.6 ms an event, more than the server takes to store it. The binary form of
the same array is a copy of the bytes. Everything else (the table lock that keeps commit
order the log order, the notification ids returned, the retries) is the library's own.
"""

from __future__ import annotations

from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.sql import SQL, Identifier

TOPIC = "events.postgres_recorder:BinaryInsertRecorder"


class BinaryInsertRecorder(PostgresApplicationRecorder):
    """`PostgresApplicationRecorder` with the rows of an insert sent in binary (`%b`)."""

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
