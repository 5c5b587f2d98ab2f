"""Credential ids by issuers' idempotency keys: random ids, found again when a request is retried.

A credential's id is public (it is in the credential), so it must not be derivable from the
key an issuer chose (`demo-3`, a row number, a staff number). A request reads the ids of its
keys recorded before (`recorded`) and proposes a fresh `urn:uuid:` (version 4) for the others;
they are recorded (`credential_ids`) in the transaction that records the credentials, where a
retry, or a racing duplicate, finds the id recorded first. Kept beside the read models and
never rebuilt: the log does not hold idempotency keys. Keys are stored as SHA-256 digests.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from projections.database import ReadModelDatabase, Transaction

SCHEMA = """CREATE TABLE IF NOT EXISTS award_idempotency_keys (
    issuer_id TEXT NOT NULL, key_digest TEXT NOT NULL, credential_id TEXT NOT NULL,
    recorded_at TEXT NOT NULL, PRIMARY KEY (issuer_id, key_digest))"""


CHUNK = 200  # keys per statement: SQLite allows 32,766 parameters, PostgreSQL 65,535


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class IdempotencyKeys:
    """Which credential id each of an issuer's idempotency keys stands for."""

    def __init__(self, database: ReadModelDatabase, *, create: bool = True) -> None:
        self._database = database
        if create:
            with database.transaction() as tx:
                tx.execute(SCHEMA)

    def recorded(self, issuer_id: str, keys: Sequence[str]) -> dict[str, str]:
        """The credential id recorded for each of these keys that has one (a read: no lock)."""
        digests = {key: _digest(key) for key in dict.fromkeys(keys)}
        wanted = list(digests.values())
        by_digest: dict[str, str] = {}
        with self._database.read() as tx:
            for start in range(0, len(wanted), CHUNK):
                chunk = wanted[start : start + CHUNK]
                by_digest.update(_found(tx, issuer_id, chunk, self._database.is_postgres))
        return {key: by_digest[d] for key, d in digests.items() if d in by_digest}

    def credential_ids(
        self, issuer_id: str, keys: Sequence[str], proposed: Mapping[str, str] | None = None
    ) -> dict[str, str]:
        """Each key's credential id: the one recorded first, or a new one recorded now (the
        key's id in `proposed`, else a random one).

        In one transaction, an insert of every key (`ON CONFLICT DO NOTHING`: a key recorded
        before keeps its id) and a primary-key read of them: on PostgreSQL two statements for the
        lot (the keys sent as arrays), on SQLite two per CHUNK keys; whatever the size of the
        table.
        """
        now = datetime.now(UTC).isoformat()
        digests = {key: _digest(key) for key in dict.fromkeys(keys)}
        wanted = list(digests.values())
        fresh = {digests[k]: v for k, v in (proposed or {}).items() if k in digests}
        by_digest: dict[str, str] = {}
        with self._database.transaction() as tx:
            if self._database.is_postgres:
                by_digest = _postgres_ids(tx, issuer_id, sorted(wanted), now, fresh)
            else:
                for start in range(0, len(wanted), CHUNK):
                    chunk = wanted[start : start + CHUNK]
                    by_digest.update(_sqlite_ids(tx, issuer_id, chunk, now, fresh))
        return {key: by_digest[digest] for key, digest in digests.items()}


def _new_id(fresh: Mapping[str, str], digest: str) -> str:
    return fresh.get(digest) or f"urn:uuid:{uuid.uuid4()}"


# One primary-key probe per digest (the LIMIT keeps PostgreSQL from turning the lookup into a
# join): `issuer_id = ? AND key_digest = ANY(?)` was planned, before the growing table had been
# analysed, as a scan of all the issuer's rows filtered by digest, a cost that grew with every
# cohort (awards to the same learners fell from 1,550 to 800/s over six rounds of 5,000).
LOOKUP_BY_DIGESTS = (
    "SELECT d.digest, k.credential_id FROM unnest(?::text[]) AS d(digest) "
    "CROSS JOIN LATERAL (SELECT credential_id FROM award_idempotency_keys "
    "WHERE issuer_id = ? AND key_digest = d.digest LIMIT 1) AS k"
)


def _found(tx: Transaction, issuer_id: str, chunk: list[str], postgres: bool) -> dict[str, str]:
    if postgres:
        found = tx.execute(LOOKUP_BY_DIGESTS, (chunk, issuer_id))
    else:
        found = tx.execute(
            "SELECT key_digest, credential_id FROM award_idempotency_keys "  # noqa: S608
            f"WHERE issuer_id = ? AND key_digest IN ({', '.join('?' * len(chunk))})",
            [issuer_id, *chunk],
        )
    return {str(r[0]): str(r[1]) for r in found}


def _postgres_ids(
    tx: Transaction, issuer_id: str, digests: list[str], now: str, fresh: Mapping[str, str]
) -> dict[str, str]:
    # Arrays keep the statement short whatever the batch (psycopg parses and PostgreSQL plans
    # a statement of thousands of placeholders anew each time); sorted, so two writers racing
    # on the same keys take their row locks in the same order.
    tx.execute(
        "INSERT INTO award_idempotency_keys (issuer_id, key_digest, credential_id, recorded_at) "
        "SELECT ?, d, c, ? FROM unnest(?::text[], ?::text[]) AS t(d, c) ORDER BY d "
        "ON CONFLICT (issuer_id, key_digest) DO NOTHING",
        (issuer_id, now, digests, [_new_id(fresh, d) for d in digests]),
    )
    found = tx.execute(LOOKUP_BY_DIGESTS, (digests, issuer_id))
    return {str(r[0]): str(r[1]) for r in found}


def _sqlite_ids(
    tx: Transaction, issuer_id: str, chunk: list[str], now: str, fresh: Mapping[str, str]
) -> dict[str, str]:
    rows = [(issuer_id, d, _new_id(fresh, d), now) for d in chunk]
    tx.execute(
        "INSERT INTO award_idempotency_keys (issuer_id, key_digest, credential_id, "  # noqa: S608
        f"recorded_at) VALUES {', '.join(['(?, ?, ?, ?)'] * len(chunk))} "
        "ON CONFLICT (issuer_id, key_digest) DO NOTHING",
        [value for row in rows for value in row],
    )
    found = tx.execute(
        "SELECT key_digest, credential_id FROM award_idempotency_keys "  # noqa: S608
        f"WHERE issuer_id = ? AND key_digest IN ({', '.join('?' * len(chunk))})",
        [issuer_id, *chunk],
    )
    return {str(r[0]): str(r[1]) for r in found}
