"""Proofs already verified in this process, by fingerprint: a signature over the same exact bytes
under the same key holds again, so its pure cryptography (canonicalisation, JSON-LD reading,
Ed25519) is done once. Bounded; only the proof's own check is remembered, never a verdict."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from keys import PublicKey
from verifier.content_digest import content_digest

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
    """A digest of the inputs (`content_digest`), or None for input it cannot write exactly."""
    if type(covered) is not dict or type(proof) is not dict or len(key) != 32:
        return None
    return content_digest((suite, purpose, covered, proof), key)


VERIFIED = VerifiedProofs(KEPT)
