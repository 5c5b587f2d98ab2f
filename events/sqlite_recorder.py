"""The SQLite event recorder, whose inserts may join a caller's transaction on the same file.

`Application.save(..., within=connection)` stores the events in the open transaction of that
`sqlite3` connection (see `events.postgres_recorder`): what else the caller wrote there commits
with the events, or nothing does.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from events.postgres_recorder import WITHIN

TOPIC = "events.sqlite_recorder:JoiningSQLiteRecorder"


class JoiningSQLiteRecorder(SQLiteApplicationRecorder):
    """`SQLiteApplicationRecorder` whose inserts may join a caller's transaction."""

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Insert in a transaction of the recorder's own or, given `within`, in that one."""
        within = kwargs.pop(WITHIN, None)
        if within is None:
            return super().insert_events(stored_events, **kwargs)
        if not isinstance(within, sqlite3.Connection):
            raise TypeError(f"`within` must be a sqlite3 connection, not {type(within)}")
        if not within.in_transaction:
            raise ValueError("`within` has no open transaction to join")
        try:
            return self._insert_events(SQLiteCursor(within.cursor()), stored_events, **kwargs)
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc
