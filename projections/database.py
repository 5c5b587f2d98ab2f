"""One small SQL interface over the embedded SQLite file and PostgreSQL, for the read models."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import psycopg
from psycopg_pool import ConnectionPool

Row = tuple[Any, ...]


class Transaction(Protocol):
    """What a projection may do inside one transaction."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run one statement (`?` placeholders) and return its rows, if any."""
        ...

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement that returns nothing once per row of parameters, in order (on
        PostgreSQL pipelined: one round trip, not one per row)."""
        ...

    def insert_rows(self, target: str, rows: Sequence[Sequence[Any]]) -> None:
        """Insert rows into `target` ("table (columns)"), which hold no key already taken: on
        PostgreSQL with COPY, the cheapest bulk insert there is."""
        ...

    def lock_tracking(self, name: str) -> int:
        """Take the projection's exclusive lock and return its tracked log position."""
        ...

    @property
    def connection(self) -> object:
        """The driver's connection the transaction runs on, for the log's recorder to store
        events in the same transaction (`Ledger.record_awards(..., within=…)`)."""
        ...


class ReadModelDatabase(Protocol):
    """A database that holds the read models next to the event log."""

    is_postgres: bool

    def transaction(self) -> AbstractContextManager[Transaction]:
        """A transaction: committed when the block ends, rolled back if it raises. Opened while
        this thread has one open, it joins that one (a savepoint): its writes commit with it."""
        ...

    def read(self) -> AbstractContextManager[Transaction]:
        """A read-only snapshot that never waits for writers (and takes no write lock)."""
        ...

    def one_read(self) -> AbstractContextManager[None]:
        """Within the block, every `read()` of this thread shares one read-only transaction:
        for a request that reads much and writes nothing, one connection and no BEGIN or COMMIT
        per read. Each statement still sees everything committed before it began."""
        ...

    def memo(self) -> dict[Any, Any] | None:
        """Inside `one_read` on a server database, a dict that lives as long as the block: for
        a read the request makes more than once (a learner's data key, the registry's version)
        to be made once. None elsewhere: read as usual."""
        ...

    def scrub(self) -> None:
        """Push deleted data out of the files the database keeps beside its tables, if any."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class _SQLiteTransaction:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    @property
    def connection(self) -> sqlite3.Connection:
        return self._conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return [tuple(r) for r in self._conn.execute(sql, tuple(params)).fetchall()]

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._conn.executemany(sql, [tuple(r) for r in rows])

    def insert_rows(self, target: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            self.execute_many(f"INSERT INTO {target} VALUES ({marks})", rows)  # noqa: S608

    def lock_tracking(self, name: str) -> int:
        # BEGIN IMMEDIATE already holds the database's write lock.
        self.execute(
            "INSERT INTO rm_tracking (name, position) VALUES (?, 0) ON CONFLICT (name) DO NOTHING",
            (name,),
        )
        return int(self.execute("SELECT position FROM rm_tracking WHERE name = ?", (name,))[0][0])


class SQLiteReadModels:
    """Read models in the embedded SQLite file (the same file as the log)."""

    is_postgres = False

    def __init__(self, path: Path) -> None:
        self._path = path
        self._local = threading.local()  # one connection per thread, opened once

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self._path, isolation_level=None, timeout=30)
            conn.execute("PRAGMA secure_delete = ON")  # erased keys are zeroed, not left behind
            conn.execute("PRAGMA journal_mode = WAL")  # readers never wait behind a writer
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        conn = self._connection()
        if getattr(self._local, "open", False):
            with _savepoint(conn):
                yield _SQLiteTransaction(conn)
            return
        conn.execute("BEGIN IMMEDIATE")
        self._local.open = True
        try:
            yield _SQLiteTransaction(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        finally:
            self._local.open = False
        conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[Transaction]:
        conn = self._connection()
        if getattr(self._local, "open", False):
            yield _SQLiteTransaction(conn)  # inside this thread's write: it reads its own writes
            return
        # A deferred transaction reads a WAL snapshot: writers neither block it nor are blocked.
        conn.execute("BEGIN")
        try:
            yield _SQLiteTransaction(conn)
        finally:
            conn.execute("ROLLBACK")

    @contextmanager
    def one_read(self) -> Iterator[None]:
        # In process, a read costs no round trip; and one connection per thread serves reads and
        # writes alike, so a write inside the block must not find a read transaction open.
        yield

    def memo(self) -> dict[Any, Any] | None:
        return None

    def scrub(self) -> None:
        """Checkpoint and empty the write-ahead log, which still holds the pages as they were."""
        conn = sqlite3.connect(self._path, isolation_level=None, timeout=30)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


@contextmanager
def _savepoint(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("SAVEPOINT joined")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK TO joined")
        conn.execute("RELEASE joined")
        raise
    conn.execute("RELEASE joined")


class _PostgresTransaction:
    def __init__(self, conn: psycopg.Connection[Row]) -> None:
        self._conn = conn

    @property
    def connection(self) -> psycopg.Connection[Row]:
        return self._conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        cur = self._conn.execute(sql.replace("?", "%s"), tuple(params))
        return list(cur.fetchall()) if cur.description else []

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self._conn.cursor() as cur:
            cur.executemany(sql.replace("?", "%s"), [tuple(r) for r in rows])

    def insert_rows(self, target: str, rows: Sequence[Sequence[Any]]) -> None:
        with self._conn.cursor() as cur, cur.copy(f"COPY {target} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def lock_tracking(self, name: str) -> int:
        self.execute(
            "INSERT INTO rm_tracking (name, position) VALUES (?, 0) ON CONFLICT (name) DO NOTHING",
            (name,),
        )
        rows = self.execute("SELECT position FROM rm_tracking WHERE name = ? FOR UPDATE", (name,))
        return int(rows[0][0])


@dataclass(frozen=True)
class _SharedRead:
    """The transaction `one_read` shares, and what its block remembers."""

    transaction: Transaction
    memo: dict[Any, Any]


IDLE_CHECK_SECONDS = 2.0


class _IdleCheck:
    """Pings a pooled connection before use only if it has sat unused for a while.

    A restarted server, or a connection dropped while idle, leaves connections in the pool that
    fail on first use: checked, they are replaced before any request sees them. A connection
    in steady use (back in the pool a moment ago) costs no round trip.
    """

    def __init__(self) -> None:
        self._returned: dict[int, float] = {}

    def returned(self, conn: psycopg.Connection[Row]) -> None:
        self._returned[id(conn)] = time.monotonic()

    def check(self, conn: psycopg.Connection[Row]) -> None:
        returned = self._returned.pop(id(conn), None)
        if returned is None or time.monotonic() - returned >= IDLE_CHECK_SECONDS:
            ConnectionPool.check_connection(conn)


class PostgresReadModels:
    """Read models in the PostgreSQL database that holds the log."""

    is_postgres = True

    def __init__(self, conninfo: str) -> None:
        idle = _IdleCheck()
        self._pool: ConnectionPool[psycopg.Connection[Row]] = ConnectionPool(
            conninfo, min_size=1, max_size=8, open=True, check=idle.check, reset=idle.returned
        )
        self._local = threading.local()  # the connection of this thread's open transaction
        # One per instance: the read transaction `one_read` shares, in this context only.
        self._shared: ContextVar[_SharedRead | None] = ContextVar(
            f"shared_read_{id(self)}", default=None
        )

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        joined: psycopg.Connection[Row] | None = getattr(self._local, "conn", None)
        if joined is not None:
            with joined.transaction():  # a savepoint
                yield _PostgresTransaction(joined)
            return
        with self._pool.connection() as conn, conn.transaction():
            self._local.conn = conn
            try:
                yield _PostgresTransaction(conn)
            finally:
                self._local.conn = None

    @contextmanager
    def read(self) -> Iterator[Transaction]:
        shared = self._shared.get()
        if shared is not None:
            yield shared.transaction
            return
        with self._pool.connection() as conn:
            conn.read_only = True
            try:
                with conn.transaction():
                    yield _PostgresTransaction(conn)
            finally:
                conn.read_only = False

    @contextmanager
    def one_read(self) -> Iterator[None]:
        if self._shared.get() is not None:
            yield
            return
        with self.read() as tx:
            # READ COMMITTED: a later statement still sees what was committed since (a write made
            # in the block goes through `transaction()`, on a connection of its own).
            token = self._shared.set(_SharedRead(tx, {}))
            try:
                yield
            finally:
                self._shared.reset(token)

    def memo(self) -> dict[Any, Any] | None:
        shared = self._shared.get()
        return shared.memo if shared is not None else None

    def scrub(self) -> None:
        """Nothing to do here: PostgreSQL's own files are the server's to manage."""

    def close(self) -> None:
        self._pool.close()
