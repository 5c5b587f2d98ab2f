"""Follows the log in order and applies it to the read models, exactly once, resumably.

Each batch of events and the new tracked position are written in one transaction, under the
projection's lock, so a crash leaves either all of a batch applied or none of it, and two
processes catching up at once never apply an event twice.
"""

from __future__ import annotations

from typing import Any, Protocol

from eventsourcing.persistence import ApplicationRecorder, Mapper

from projections import merkle_log, passports, registry
from projections.database import ReadModelDatabase, Transaction
from projections.schema import clear, create_tables

TRACKING_NAME = "passports"
BATCH = 500


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

    def catch_up(self) -> int:
        """Apply every event recorded after the tracked position; return how many."""
        applied = 0
        while True:
            with self._database.transaction() as tx:
                count = self._apply_batch(tx)
            applied += count
            if count < BATCH:
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
        """The log position the read models reflect."""
        with self._database.transaction() as tx:
            return tx.lock_tracking(TRACKING_NAME)

    def _apply_batch(self, tx: Transaction) -> int:
        position = tx.lock_tracking(TRACKING_NAME)
        notifications = self._ledger.recorder.select_notifications(
            start=position, limit=BATCH, inclusive_of_start=False
        )
        for notification in notifications:
            event = self._ledger.mapper.to_domain_event(notification)
            passports.apply(tx, event, notification.id)
            registry.apply(tx, event)
            merkle_log.append(tx, notification, notification.id)
        if notifications:
            tx.execute(
                "UPDATE rm_tracking SET position = ? WHERE name = ?",
                (notifications[-1].id, TRACKING_NAME),
            )
        return len(notifications)
