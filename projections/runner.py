"""Follows the log in order and applies it to the read models, exactly once, resumably.

Each batch of events and the new tracked position are written in one transaction, under the
projection's lock, so a crash leaves either all of a batch applied or none of it, and two
processes catching up at once never apply an event twice.

An event the read models cannot apply is set aside (`projections.set_aside`) instead of stopping
them: a batch runs under a savepoint, and only when it fails is it applied again one event at a
time, each under its own savepoint, so the common case costs nothing extra. Within a batch the
inserts no handler reads back are sent together (`batch_writes`), so a batch costs a few round
trips, not a few per event; one by one, each write goes at once. An event whose
signature fails is not set aside: a tampered log stops the read models (and `passport audit`
names the event), since publishing checkpoints over it would vouch for it.

Readers never queue on that lock: a catch-up that finds the read models already at the log's
head takes no lock at all, and on PostgreSQL one that finds another process applying waits
for the position it needs (up to a timeout, then reads what is committed) instead of
queueing behind the whole backlog.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import Any, Protocol

import psycopg
from eventsourcing.persistence import ApplicationRecorder, Mapper, StoredEvent

from events.errors import EventSignatureError
from projections import (
    alignments,
    endorsements,
    maintenance,
    merkle_log,
    passports,
    programmes,
    registry,
    reviews,
    set_aside,
    shadow,
    status_lists,
)
from projections.batch_writes import BatchedWrites
from projections.database import ReadModelDatabase, Transaction
from projections.schema import clear, create_tables

TRACKING_NAME = "passports"
BATCH = 500
# Never set aside: a tampered event, or a database that is failing rather than refusing a value.
NOT_THE_EVENTS_FAULT = (EventSignatureError, sqlite3.OperationalError, psycopg.OperationalError)
# ...except a value over one of PostgreSQL's limits (an index entry over 8 KiB): the event's.
REFUSED_VALUE = psycopg.errors.ProgramLimitExceeded
WAIT_SECONDS = 10.0  # how long a request waits for events another process is applying
POLL_SECONDS = 0.02
SWAP_LOCK_TIMEOUT = "2s"  # how long the swap may wait for reads in flight before it retries
SWAP_ATTEMPTS = 30
SQLITE_REBUILD_BATCH = 100  # events a rebuild applies per SQLite write transaction
Progress = Callable[[int, int], None]  # (position reached, log head)


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

    def follow(self) -> bool:
        """One round of the background follower: apply what is there; whether anything was."""
        return self.catch_up(timeout=0) > 0

    def wait_for(self, position: int, timeout: float) -> bool:
        """Wait (polling the tracked position; no lock) until the read models reflect the log up
        to `position`; False if they still do not after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while self.position() < position:
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_SECONDS)
        return True

    def rebuild(self, progress: Progress | None = None) -> int:
        """Replay the whole log into fresh tables while the live ones serve, then swap them in;
        return how many events were applied.

        Each batch commits on its own and touches only the shadow tables, so requests and the
        live follower never wait for the rebuild; only the swap holds the projection's lock,
        for the last few events and the renames. `progress(position, head)` is called after
        each batch. A role that may not create tables (PostgreSQL, `passport database
        restrict`) rebuilds in place instead, in one transaction (`rebuild_in_place`).
        """
        with self._database.transaction() as tx:
            swappable = shadow.can_swap(tx, self._database.is_postgres)
            if swappable:
                shadow.create(tx)
        if not swappable:
            return self.rebuild_in_place()
        applied = 0
        # SQLite has one writer: smaller batches keep what others write from waiting long.
        limit = BATCH if self._database.is_postgres else min(BATCH, SQLITE_REBUILD_BATCH)
        while True:
            with self._database.transaction() as tx:
                count = self._apply_batch(shadow.ShadowTransaction(tx), limit)
                position = shadow.ShadowTransaction(tx).lock_tracking(TRACKING_NAME)
            applied += count
            if progress is not None:
                progress(position, self._ledger.recorder.max_notification_id() or 0)
            if count < limit:
                break
        return applied + self._swap(progress)

    def _swap(self, progress: Progress | None) -> int:
        """Apply what was appended since the last batch and swap, under the projection's lock;
        return how many events that was. On PostgreSQL the renames wait at most
        `SWAP_LOCK_TIMEOUT` for reads in flight, then give way and try again."""
        for attempt in range(SWAP_ATTEMPTS):
            try:
                with self._database.transaction() as tx:
                    tx.lock_tracking(TRACKING_NAME)
                    if self._database.is_postgres:
                        tx.execute(f"SET LOCAL lock_timeout = '{SWAP_LOCK_TIMEOUT}'")
                    applied = 0
                    while (count := self._apply_batch(shadow.ShadowTransaction(tx))) == BATCH:
                        applied += count
                    applied += count  # anything appended from here on, the follower applies
                    position = shadow.swap(tx, self._database.is_postgres, TRACKING_NAME)
            except psycopg.errors.LockNotAvailable:
                if attempt == SWAP_ATTEMPTS - 1:
                    raise
                continue
            if progress is not None:
                progress(position, position)
            return applied
        return 0  # not reached: the last attempt returns or raises

    def rebuild_in_place(self) -> int:
        """Empty the live read models and replay the whole log into them, in one transaction
        (readers see the old models until it commits; the follower waits for it)."""
        with self._database.transaction() as tx:
            tx.lock_tracking(TRACKING_NAME)
            clear(tx, TRACKING_NAME)
            applied = 0
            while (count := self._apply_batch(tx)) == BATCH:
                applied += count
            return applied + count

    def position(self) -> int:
        """The log position the read models reflect (as last committed; no lock taken)."""
        with self._database.read() as tx:
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

    def _apply_batch(self, tx: Transaction, limit: int | None = None) -> int:
        position = tx.lock_tracking(TRACKING_NAME)
        notifications = self._ledger.recorder.select_notifications(
            start=position, limit=limit or BATCH, inclusive_of_start=False
        )
        tx.execute("SAVEPOINT projection_batch")
        writes = BatchedWrites(tx)
        try:
            for notification in notifications:
                self._apply(writes, notification)
            writes.flush()
        except Exception as error:  # some event in the batch: find it, set it aside
            if not _events_fault(error):
                raise
            writes.discard()
            tx.execute("ROLLBACK TO SAVEPOINT projection_batch")
            # One by one, each write sent at once, so a failing write names its own event.
            for notification in notifications:
                self._apply_or_set_aside(tx, notification)
        tx.execute("RELEASE SAVEPOINT projection_batch")
        # Every event is a leaf, set aside or not: the log stays whole.
        merkle_log.append_all(tx, [(n, _notification_id(n)) for n in notifications])
        if notifications:
            tx.execute(
                "UPDATE rm_tracking SET position = ? WHERE name = ?",
                (notifications[-1].id, TRACKING_NAME),
            )
        return len(notifications)

    def _apply(self, tx: Transaction, notification: StoredEvent) -> None:
        event = self._ledger.mapper.to_domain_event(notification)
        passports.apply(tx, event, _notification_id(notification))
        status_lists.apply(tx, event, _notification_id(notification))
        endorsements.apply(tx, event, _notification_id(notification))
        reviews.apply(tx, event, _notification_id(notification))
        registry.apply(tx, event)
        programmes.apply(tx, event)
        maintenance.apply(tx, event)
        alignments.apply(tx, event)

    def _apply_or_set_aside(self, tx: Transaction, notification: StoredEvent) -> None:
        """Apply one event; if it cannot be applied, undo its changes and set it aside."""
        tx.execute("SAVEPOINT projection_event")
        try:
            self._apply(tx, notification)
        except Exception as error:  # whatever a handler meets must not stop the others
            if not _events_fault(error):
                raise
            tx.execute("ROLLBACK TO SAVEPOINT projection_event")
            set_aside.record(tx, notification, _notification_id(notification), error)
        tx.execute("RELEASE SAVEPOINT projection_event")


def _events_fault(error: Exception) -> bool:
    """Whether an error applying events is theirs (set the event aside), not a tampered log's
    or a failing database's (stop, and retry later)."""
    return isinstance(error, REFUSED_VALUE) or not isinstance(error, NOT_THE_EVENTS_FAULT)


def _notification_id(notification: StoredEvent) -> int:
    return int(getattr(notification, "id", 0))
