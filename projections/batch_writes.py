"""A batch's deferred writes: statements nobody reads the result of, sent one kind at a time.

Applying the log statement by statement cost a round trip per statement on PostgreSQL (about
three an event). Within a batch, a handler hands the writes whose result it does not read to
`write`; they are kept, grouped by statement, and sent with one `execute_many` each (pipelined
on PostgreSQL) when the batch ends or before any statement that reads (`execute`), so every read
sees every write made before it.

Grouping reorders deferred writes of different statements, so only writes that commute with
every deferred write of a later-appearing statement may be deferred: inserts into their own
keys (`ON CONFLICT DO NOTHING` keeps the first of a statement's rows, in log order), and an
insert that reads only rows an earlier-appearing statement inserts (the status list a new
credential opens reads that credential's row). Groups are sent in the order their statements
first appeared.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from projections.database import Row, Transaction


class BatchedWrites:
    """A transaction whose `write`s wait for the next read, or the end of the batch."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._pending: dict[str, list[Sequence[Any]]] = {}

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Send the deferred writes, then run this statement and return its rows."""
        self.flush()
        return self._tx.execute(sql, params)

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Send the deferred writes, then run this statement once per row."""
        self.flush()
        self._tx.execute_many(sql, rows)

    def insert_rows(self, target: str, rows: Sequence[Sequence[Any]]) -> None:
        """Send the deferred writes, then insert these rows (see `Transaction`)."""
        self.flush()
        self._tx.insert_rows(target, rows)

    def write(self, sql: str, params: Sequence[Any]) -> None:
        """Keep a write until the next read or the end of the batch."""
        self._pending.setdefault(sql, []).append(params)

    def lock_tracking(self, name: str) -> int:
        """Send the deferred writes, then take the projection's lock (see `Transaction`)."""
        self.flush()
        return self._tx.lock_tracking(name)

    @property
    def connection(self) -> object:
        """The underlying transaction's connection."""
        return self._tx.connection

    def flush(self) -> None:
        """Send the deferred writes, one `execute_many` per statement, in first-seen order."""
        pending, self._pending = self._pending, {}
        for sql, rows in pending.items():
            self._tx.execute_many(sql, rows)

    def discard(self) -> None:
        """Forget the deferred writes (the batch is being rolled back)."""
        self._pending = {}


def write(tx: Transaction, sql: str, params: Sequence[Any]) -> None:
    """Run a write whose result nobody reads: deferred to the batch's next read or end inside
    `BatchedWrites`, at once elsewhere. Only for writes that commute as the module says."""
    if isinstance(tx, BatchedWrites):
        tx.write(sql, params)
    else:
        tx.execute(sql, params)
