"""Keyed pseudonyms of staff identifiers: without the ledger's secret no guess can be checked.

A staff number has only about 10^8 values, so any unkeyed hash of it (salted or not, when the
salt is published) is reversed by trying them all. Learner ids and the `identityHash` of
credentials are HMAC-SHA256 under secrets derived from a key-store role instead.
"""

from __future__ import annotations

import hashlib
import hmac
from uuid import UUID

LEARNER_ID_PURPOSE = b"staff-passport/learner-ids/v1"
IDENTITY_HASH_PURPOSE = b"staff-passport/identity-hashes/v1"


def normalise_identifier(staff_identifier: str) -> str:
    """The form every pseudonym is computed from: surrounding spaces dropped, upper case."""
    return staff_identifier.strip().upper()


class Pseudonyms:
    """Learner ids and identity hashes keyed with two ledger secrets (one per purpose)."""

    def __init__(self, learner_id_secret: bytes, identity_hash_secret: bytes) -> None:
        if len(learner_id_secret) < 32 or len(identity_hash_secret) < 32:
            raise ValueError("pseudonym secrets must be at least 32 bytes")
        self._id_secret = learner_id_secret
        self._hash_secret = identity_hash_secret

    def learner_id(self, staff_identifier: str) -> UUID:
        """The passport id of a staff identifier: an RFC 9562 version 8 UUID of its HMAC."""
        digest = self._mac(self._id_secret, staff_identifier)
        raw = bytearray(digest[:16])
        raw[6] = (raw[6] & 0x0F) | 0x80  # version 8: custom, here keyed-hash based
        raw[8] = (raw[8] & 0x3F) | 0x80  # the RFC 9562 variant
        return UUID(bytes=bytes(raw))

    def identity_hash(self, staff_identifier: str) -> str:
        """An Open Badges 3.0 `identityHash` (`sha256$` + hex) that only the ledger can compute."""
        return "sha256$" + self._mac(self._hash_secret, staff_identifier).hex()

    def record_digest(self, purpose: str, content: str) -> str:
        """A keyed digest (hex HMAC) of a record's content for `purpose`, such as an import
        row's idempotency key: stable for the same content, never computable by anyone else."""
        message = f"{purpose}\x00{content}".encode()
        return hmac.digest(self._id_secret, message, hashlib.sha256).hex()

    @staticmethod
    def _mac(secret: bytes, staff_identifier: str) -> bytes:
        message = normalise_identifier(staff_identifier).encode()
        return hmac.digest(secret, message, hashlib.sha256)

    def __repr__(self) -> str:
        return "Pseudonyms(<secret>)"
