"""The vault of learners' data keys: a table beside the log, never part of it.

Each row holds one learner's data key, wrapped under the key store's key-encryption key.
Destroying a key blanks its row and keeps a tombstone, so a key is never made again for an
erased learner. On SQLite the read models write with `secure_delete`, and the write-ahead log
is truncated after an erasure, so the wrapped key's bytes do not linger in the files.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from uuid import UUID

from keys import DataKey, KeyWrapper
from projections.database import ReadModelDatabase, Transaction

SCHEMA = """CREATE TABLE IF NOT EXISTS learner_data_keys (
    learner_id TEXT PRIMARY KEY, wrapped TEXT, created_at TEXT NOT NULL, destroyed_at TEXT)"""
_CHUNK = 500  # bound parameters per statement


def destroy_key(tx: Transaction, owner: str, at: str) -> None:
    """Blank the learner's key, leaving a tombstone (idempotent)."""
    tx.execute(
        "INSERT INTO learner_data_keys (learner_id, wrapped, created_at, destroyed_at) "
        "VALUES (?, NULL, ?, ?) ON CONFLICT (learner_id) DO UPDATE SET wrapped = NULL, "
        "destroyed_at = COALESCE(learner_data_keys.destroyed_at, excluded.destroyed_at)",
        (owner, at, at),
    )


class SqlVault:
    """`events.personal_data.PersonalDataVault` over the read-model database."""

    def __init__(
        self, database: ReadModelDatabase, wrapper: KeyWrapper, *, create: bool = True
    ) -> None:
        self._database = database
        self._wrapper = wrapper
        if create:
            with database.transaction() as tx:
                tx.execute(SCHEMA)

    def keys_for(self, owners: Collection[UUID], *, create: bool) -> Mapping[UUID, DataKey]:
        """The learners' keys (absent once destroyed); with `create`, new keys where none."""
        wanted = [str(o) for o in owners]
        if not wanted:
            return {}
        if not create:  # a read: never waits for a writer
            return self._read(wanted)
        memo = self._database.memo()
        if memo is not None:  # keys are made below: what this request read before may be stale
            for remembered in [k for k in memo if k[0] == "data keys"]:
                del memo[remembered]
        with self._database.transaction() as tx:
            rows = self._select(tx, wanted)
            # Sorted: two chunks enrolling the same learners lock their rows in the same order.
            missing = sorted(o for o in wanted if o not in rows)
            if missing:
                now = datetime.now(UTC).isoformat()
                step = _CHUNK // 3  # three parameters a row
                for start in range(0, len(missing), step):
                    chunk = missing[start : start + step]
                    rows_sql = ", ".join(["(?, ?, ?)"] * len(chunk))
                    tx.execute(
                        "INSERT INTO learner_data_keys (learner_id, wrapped, created_at) "  # noqa: S608
                        f"VALUES {rows_sql} ON CONFLICT (learner_id) DO NOTHING",
                        [
                            value
                            for owner in chunk
                            for value in (owner, self._wrapper.wrap(DataKey.generate(owner)), now)
                        ],
                    )
                rows |= self._select(tx, missing)  # a concurrent creator's key wins
        return self._unwrapped(rows)

    def _read(self, wanted: list[str]) -> dict[UUID, DataKey]:
        # A page asks for the same learner's key several times: within one request, read once.
        memo = self._database.memo()
        key = ("data keys", tuple(wanted))
        if memo is not None and key in memo:
            return dict(memo[key])
        with self._database.read() as tx:
            found = self._unwrapped(self._select(tx, wanted))
        if memo is not None:
            memo[key] = found
        return dict(found)

    def _unwrapped(self, rows: Mapping[str, str | None]) -> dict[UUID, DataKey]:
        return {
            UUID(owner): self._wrapper.unwrap(owner, wrapped)
            for owner, wrapped in rows.items()
            if wrapped is not None
        }

    def open_keys(self, owners: Collection[str]) -> dict[str, DataKey]:
        """The keys of these learners that still exist, by learner id as text."""
        found = self.keys_for([UUID(o) for o in owners], create=False)
        return {str(owner): key for owner, key in found.items()}

    def destroy(self, owner: UUID) -> None:
        """Destroy the learner's key for good."""
        with self._database.transaction() as tx:
            destroy_key(tx, str(owner), datetime.now(UTC).isoformat())
        self._database.scrub()

    @staticmethod
    def _select(tx: Transaction, owners: list[str]) -> dict[str, str | None]:
        found: dict[str, str | None] = {}
        for start in range(0, len(owners), _CHUNK):
            chunk = owners[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            rows = tx.execute(
                f"SELECT learner_id, wrapped FROM learner_data_keys WHERE learner_id IN ({marks})",  # noqa: S608
                chunk,
            )
            found.update({r[0]: r[1] for r in rows})
        return found
