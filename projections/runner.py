"""Follows the log in order and applies it to the read models, exactly once, resumably.

Each batch of events and the new tracked position are written in one transaction, under the
projection's lock, so a crash leaves either all of a batch applied or none of it, and two
processes catching up at once never apply an event twice.

Readers never queue on that lock: a catch-up that finds the read models already at the log's
head takes no lock at all, and on PostgreSQL one that finds another process applying waits
for the position it needs (up to a timeout, then reads what is committed) instead of
queueing behind the whole backlog.
"""

from __future__ import annotations

import time
from typing import Any, Protocol

from eventsourcing.persistence import ApplicationRecorder, Mapper

from projections import merkle_log, passports, status_lists
from projections.database import ReadModelDatabase, Transaction
from projections.schema import clear, create_tables

TRACKING_NAME = "passports"
BATCH = 500
WAIT_SECONDS = 10.0  # how long a request waits for events another process is applying
POLL_SECONDS = 0.02


class FollowsLog(Protocol):
    """What the runner needs of the ledger: its recorder and its (signature-checking) mapper."""

    recorder: ApplicationRecorder
    mapper: Mapper[Any]


class ProjectionRunner:
    """Keeps the read models up to date with the log."""

    def __init__(
        self, ledger: FollowsLog, database: ReadModelDatabase, *, create: bool = True
    ) -> None:
        self._ledger = ledger
        self._database = database
        if create:
            with database.transaction() as tx:
                create_tables(tx)

    def catch_up(self, timeout: float = WAIT_SECONDS) -> int:
        """Apply the events recorded up to now; return how many this call applied.

        Takes no lock when the read models are already at the log's head. When another process
        holds the projection's lock (PostgreSQL), wait for it to pass the head seen on entry,
        for at most `timeout` seconds, then return: the read models are as last committed.
        """
        head = self._ledger.recorder.max_notification_id() or 0
        deadline = time.monotonic() + timeout
        applied = 0
        while self.position() < head:
            with self._database.transaction() as tx:
                count = self._apply_batch(tx) if self._try_lock(tx) else None
            if count is None:
                if time.monotonic() >= deadline:
                    break
                time.sleep(POLL_SECONDS)
                continue
            applied += count
            if count == 0:
                break
        return applied

    def rebuild(self) -> int:
        """Drop the read models and replay the whole log, in one transaction."""
        with self._database.transaction() as tx:
            tx.lock_tracking(TRACKING_NAME)
            clear(tx, TRACKING_NAME)
            applied = 0
            while (count := self._apply_batch(tx)) == BATCH:
                applied += count
            return applied + count

    def position(self) -> int:
        """The log position the read models reflect (as last committed; no lock taken)."""
        with self._database.transaction() as tx:
            rows = tx.execute("SELECT position FROM rm_tracking WHERE name = ?", (TRACKING_NAME,))
        return int(rows[0][0]) if rows else 0

    def _try_lock(self, tx: Transaction) -> bool:
        """Take the projection's lock if it is free (SQLite: the transaction already holds the
        database's write lock); False when another transaction holds it."""
        if not self._database.is_postgres:
            return True
        rows = tx.execute(
            "SELECT 1 FROM rm_tracking WHERE name = ? FOR UPDATE SKIP LOCKED", (TRACKING_NAME,)
        )
        if rows:
            return True
        exists = tx.execute("SELECT 1 FROM rm_tracking WHERE name = ?", (TRACKING_NAME,))
        return not exists  # no row yet: `lock_tracking` creates and locks it

    def _apply_batch(self, tx: Transaction) -> int:
        position = tx.lock_tracking(TRACKING_NAME)
        notifications = self._ledger.recorder.select_notifications(
            start=position, limit=BATCH, inclusive_of_start=False
        )
        for notification in notifications:
            event = self._ledger.mapper.to_domain_event(notification)
            passports.apply(tx, event, notification.id)
            status_lists.apply(tx, event, notification.id)
            merkle_log.append(tx, notification, notification.id)
        if notifications:
            tx.execute(
                "UPDATE rm_tracking SET position = ? WHERE name = ?",
                (notifications[-1].id, TRACKING_NAME),
            )
        return len(notifications)
