"""Background work elected once across processes and hosts: the projection follower, the signer.

Each serving process runs a `Follower` per job; only the holder of the job's `Lease` does the
work. On PostgreSQL the lease is a session-level advisory lock (`pg_try_advisory_lock`) held by
the follower's own connection: if that connection (or its process, or its host) dies, the
server releases the lock and another process's follower takes it on its next poll. On SQLite
(one host) it is an exclusive `flock` on a file next to the database, released when the process
ends. A failing round is logged and retried after a growing pause; the thread keeps going.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import psycopg

log = logging.getLogger(__name__)

MAX_BACKOFF = 5.0


class Lease(Protocol):
    """The right to do one job, held by at most one process at a time."""

    def acquire(self) -> bool:
        """Whether this process holds the lease now (taking it if it is free)."""
        ...

    def release(self) -> None:
        """Give the lease up (another process may take it)."""
        ...


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for a job's name."""
    digest = hashlib.sha256(f"staff-passport/lease/{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PostgresLease:
    """A session-level advisory lock on a connection of its own."""

    def __init__(self, conninfo: str, name: str) -> None:
        self._conninfo = conninfo
        self._key = lock_key(name)
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None

    def acquire(self) -> bool:
        """Take the lock if free; while held, check the session still lives (else it is lost)."""
        try:
            if self._conn is None or self._conn.closed:
                self._conn = psycopg.connect(self._conninfo, autocommit=True)
                row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self._key,)).fetchone()
                if not (row and row[0]):
                    self.release()
                    return False
                return True
            self._conn.execute("SELECT 1")
            return True
        except psycopg.Error:
            self.release()
            return False

    def release(self) -> None:
        """Close the session, which ends the lock."""
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None


class FileLease:
    """An exclusive `flock` on a file (one process on this host holds it)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock if free; keep it while held."""
        if self._fd is not None:
            return True
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        """Unlock and close the file."""
        if self._fd is not None:
            os.close(self._fd)  # closing the last descriptor drops the flock
            self._fd = None


class Follower:
    """Runs `work` on a thread whenever this process holds `lease`.

    `work` returns whether it did something; if so the next round starts at once (a backlog is
    applied batch after batch), otherwise after `poll` seconds. A process that does not hold the
    lease asks for it again every `poll` seconds.
    """

    def __init__(self, name: str, lease: Lease, work: Callable[[], bool], poll: float) -> None:
        self.name = name
        self._lease = lease
        self._work = work
        self._poll = poll
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.leading = False

    def start(self) -> None:
        """Begin following (nothing happens if `poll` is 0)."""
        if self._poll > 0:
            self._thread.start()

    def stop(self) -> None:
        """Stop after the round in progress, and give up the lease."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        backoff = self._poll
        try:
            while not self._stop.is_set():
                self.leading = self._lease.acquire()
                pause = self._poll
                if self.leading:
                    try:
                        if self._work():
                            pause = 0.0
                        backoff = self._poll
                    except Exception:  # logged; the next round tries again, the server serves
                        log.exception("%s failed; trying again in %.1f s", self.name, backoff)
                        pause, backoff = backoff, min(backoff * 2, MAX_BACKOFF)
                self._stop.wait(pause)
        finally:
            self.leading = False
            self._lease.release()
