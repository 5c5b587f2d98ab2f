"""Credential ids by issuers' idempotency keys: random ids, found again when a request is retried.

A credential's id is public (it is in the credential), so it must not be derivable from the
key an issuer chose (`demo-3`, a row number, a staff number). The first request with a key
records a fresh `urn:uuid:` (version 4) here, before anything is signed; a retry, or a racing
duplicate, reads the id recorded first. Kept beside the read models and never rebuilt: the
log does not hold idempotency keys. Keys are stored as SHA-256 digests.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
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

    def credential_ids(self, issuer_id: str, keys: Sequence[str]) -> dict[str, str]:
        """Each key's credential id: the one recorded first, or a new random one recorded now.

        In one transaction, an insert of every key (`ON CONFLICT DO NOTHING`: a key recorded
        before keeps its id) and a primary-key read of them: on PostgreSQL two statements for the
        lot (the keys sent as arrays), on SQLite two per CHUNK keys; whatever the size of the
        table.
        """
        now = datetime.now(UTC).isoformat()
        digests = {key: _digest(key) for key in dict.fromkeys(keys)}
        wanted = list(digests.values())
        by_digest: dict[str, str] = {}
        with self._database.transaction() as tx:
            if self._database.is_postgres:
                by_digest = _postgres_ids(tx, issuer_id, sorted(wanted), now)
            else:
                for start in range(0, len(wanted), CHUNK):
                    by_digest.update(_sqlite_ids(tx, issuer_id, wanted[start : start + CHUNK], now))
        return {key: by_digest[digest] for key, digest in digests.items()}


def _postgres_ids(tx: Transaction, issuer_id: str, digests: list[str], now: str) -> dict[str, str]:
    # Arrays keep the statement short whatever the batch (psycopg parses and PostgreSQL plans
    # a statement of thousands of placeholders anew each time); sorted, so two writers racing
    # on the same keys take their row locks in the same order.
    tx.execute(
        "INSERT INTO award_idempotency_keys (issuer_id, key_digest, credential_id, recorded_at) "
        "SELECT ?, d, c, ? FROM unnest(?::text[], ?::text[]) AS t(d, c) ORDER BY d "
        "ON CONFLICT (issuer_id, key_digest) DO NOTHING",
        (issuer_id, now, digests, [f"urn:uuid:{uuid.uuid4()}" for _ in digests]),
    )
    found = tx.execute(
        "SELECT key_digest, credential_id FROM award_idempotency_keys "
        "WHERE issuer_id = ? AND key_digest = ANY(?::text[])",
        (issuer_id, digests),
    )
    return {str(r[0]): str(r[1]) for r in found}


def _sqlite_ids(tx: Transaction, issuer_id: str, chunk: list[str], now: str) -> dict[str, str]:
    rows = [(issuer_id, d, f"urn:uuid:{uuid.uuid4()}", now) for d in chunk]
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
