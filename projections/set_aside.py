"""Events the read models could not apply: set aside, recorded and alerted, never blocking.

One event no projection can handle must not stop the read models for everyone (every later
event, every verification, every rebuild). The runner applies such an event's Merkle leaf (the
log stays whole) but not its read-model changes, and records it here with the error. The table
is a read model: a rebuild clears it and tries every event again, so a fixed handler recovers
the event with `passport projections rebuild`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from eventsourcing.persistence import StoredEvent

from projections.database import ReadModelDatabase, Transaction

log = logging.getLogger("passport.projections")
MAX_ERROR = 1000

SCHEMA = """CREATE TABLE IF NOT EXISTS rm_set_aside (
    notification_id BIGINT PRIMARY KEY, aggregate_id TEXT NOT NULL, version INTEGER NOT NULL,
    topic TEXT NOT NULL, error TEXT NOT NULL, set_aside_at TEXT NOT NULL)"""


@dataclass(frozen=True)
class SetAsideEvent:
    """An event of the log that the read models do not reflect, and why."""

    notification_id: int
    aggregate_id: str
    version: int
    topic: str
    error: str
    set_aside_at: str


def _describe(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}".replace("\x00", "")
    return text.encode("utf-8", "replace").decode("utf-8")[:MAX_ERROR]


def record(tx: Transaction, event: StoredEvent, notification_id: int, error: BaseException) -> None:
    """Record the event as set aside and raise the alert naming it."""
    reason = _describe(error)
    log.error(
        "projection alert: event set aside (aggregate %s, version %d, notification %d): %s",
        event.originator_id,
        event.originator_version,
        notification_id,
        reason,
    )
    tx.execute(
        "INSERT INTO rm_set_aside "
        "(notification_id, aggregate_id, version, topic, error, set_aside_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (notification_id) DO NOTHING",
        (
            notification_id,
            str(event.originator_id),
            event.originator_version,
            event.topic,
            reason,
            datetime.now(UTC).isoformat(),
        ),
    )


def set_aside_events(database: ReadModelDatabase, limit: int = 100) -> list[SetAsideEvent]:
    """The events set aside, in log order (at most `limit`)."""
    with database.read() as tx:
        rows = tx.execute(
            "SELECT notification_id, aggregate_id, version, topic, error, set_aside_at "
            "FROM rm_set_aside ORDER BY notification_id LIMIT ?",
            (limit,),
        )
    return [
        SetAsideEvent(int(r[0]), str(r[1]), int(r[2]), str(r[3]), str(r[4]), str(r[5]))
        for r in rows
    ]
