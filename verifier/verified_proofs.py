"""Proofs already verified in this process, by fingerprint: a signature over the same exact bytes
under the same key holds again, so its pure cryptography (canonicalisation, JSON-LD reading,
Ed25519) is done once. Bounded; only the proof's own check is remembered, never a verdict."""

from __future__ import annotations

import hashlib
import marshal
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from keys import PublicKey

KEPT = 4096  # about 200 KB of fingerprints: the credentials of some four hundred passports


class VerifiedProofs:
    """Fingerprints of (suite, purpose, key, covered document, proof) whose check passed, the
    most recently used kept."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._seen: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()

    def verify(
        self,
        check: Callable[[Mapping[str, Any], Mapping[str, Any], PublicKey, str], None],
        suite: str,
        covered: Mapping[str, Any],
        proof: Mapping[str, Any],
        public_key: PublicKey,
        purpose: str,
    ) -> None:
        """`check(covered, proof, public_key, purpose)`, unless these exact inputs passed it
        before; raises what `check` raises (failures are never remembered)."""
        seen = fingerprint(suite, covered, proof, public_key.raw, purpose)
        with self._lock:
            if seen is not None and seen in self._seen:
                self._seen.move_to_end(seen)
                return
        check(covered, proof, public_key, purpose)
        if seen is None:
            return
        with self._lock:
            self._seen[seen] = None
            while len(self._seen) > self._size:
                self._seen.popitem(last=False)

    def __len__(self) -> int:
        return len(self._seen)


def fingerprint(
    suite: str, covered: Mapping[str, Any], proof: Mapping[str, Any], key: bytes, purpose: str
) -> bytes | None:
    """SHA-256 of the inputs written by `marshal`, or None for input it cannot write exactly."""
    # marshal writes every value with its exact type (a str subclass, or any mapping but a dict,
    # is refused), so two inputs that differ in any value or type never share bytes; a different
    # member order only costs a miss. Format 2: from 3 on, the bytes also depend on which
    # objects are shared or interned, so equal input would miss. The key is of fixed length.
    if type(covered) is not dict or type(proof) is not dict or len(key) != 32:
        return None
    try:
        written = marshal.dumps((suite, purpose, covered, proof), 2)
    except ValueError:
        return None
    return hashlib.sha256(key + written).digest()


VERIFIED = VerifiedProofs(KEPT)
