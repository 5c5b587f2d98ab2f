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

from projections.database import ReadModelDatabase

SCHEMA = """CREATE TABLE IF NOT EXISTS award_idempotency_keys (
    issuer_id TEXT NOT NULL, key_digest TEXT NOT NULL, credential_id TEXT NOT NULL,
    recorded_at TEXT NOT NULL, PRIMARY KEY (issuer_id, key_digest))"""


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

        One primary-key read and at most one insert per key, whatever the size of the table.
        """
        now = datetime.now(UTC).isoformat()
        found: dict[str, str] = {}
        with self._database.transaction() as tx:
            for key in dict.fromkeys(keys):
                fresh = f"urn:uuid:{uuid.uuid4()}"
                tx.execute(
                    "INSERT INTO award_idempotency_keys (issuer_id, key_digest, credential_id, "
                    "recorded_at) VALUES (?, ?, ?, ?) ON CONFLICT (issuer_id, key_digest) "
                    "DO NOTHING",
                    (issuer_id, _digest(key), fresh, now),
                )
                rows = tx.execute(
                    "SELECT credential_id FROM award_idempotency_keys "
                    "WHERE issuer_id = ? AND key_digest = ?",
                    (issuer_id, _digest(key)),
                )
                found[key] = str(rows[0][0])
        return found
