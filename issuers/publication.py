"""Public documents of an issuer: its did:web DID document and its signed status lists."""

from __future__ import annotations

import copy
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from events.application import IssuerDetails
from issuers.status_list import encode_bitstring, status_list_credential
from keys import KeyStore
from keys.canonical import canonical_json
from projections.status_lists import ListState
from verifier.eddsa_jcs_2022 import create_proof
from verifier.keyset import parse_time

DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]


def did_document(issuer: IssuerDetails) -> dict[str, Any]:
    """The issuer's DID document: every key it has had, current and retired, as Multikey."""
    methods = [
        {
            "id": k["id"],
            "type": "Multikey",
            "controller": issuer.did,
            "publicKeyMultibase": k["publicKeyMultibase"],
        }
        for k in issuer.keys
    ]
    ids = [m["id"] for m in methods]
    return {
        "@context": DID_CONTEXTS,
        "id": issuer.did,
        "verificationMethod": methods,
        "assertionMethod": ids,
        "authentication": ids,
    }


class SignedLists:
    """Status list credentials signed once per content: the same state (bits, last change,
    signing key) always gives the same document, so it is signed on first request and kept."""

    def __init__(self, capacity: int = 256) -> None:
        self._capacity = capacity
        self._signed: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(
        self, unsigned: dict[str, Any], key_id: str, sign: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        """The signed document for this content and key: from the cache, or `sign()` once."""
        # The fast RFC 8785 path (byte-identical to `rfc8785`, several times faster): every share
        # page and status list request computes this digest.
        digest = hashlib.sha256(canonical_json([key_id, unsigned])).hexdigest()
        with self._lock:
            if digest in self._signed:
                self._signed.move_to_end(digest)
                return copy.deepcopy(self._signed[digest])
        document = sign()
        with self._lock:
            self._signed[digest] = document
            while len(self._signed) > self._capacity:
                self._signed.popitem(last=False)
        return copy.deepcopy(document)


SIGNED_LISTS = SignedLists()


def signed_status_list(
    issuer: IssuerDetails,
    url: str,
    purpose: str,
    state: ListState,
    key_store: KeyStore,
    cache: SignedLists = SIGNED_LISTS,
) -> dict[str, Any]:
    """The issuer's `BitstringStatusListCredential`, signed with its current key.

    Its `validFrom` is the last status change in the list (or when the current key was added,
    if later), so the same state always gives the same document and the same ETag.
    """
    if issuer.current_key is None:
        raise LookupError(f"issuer {issuer.id} has no current key")
    key_id = issuer.current_key
    key = next(k for k in issuer.keys if k["id"] == key_id)
    moments = [parse_time(key["validFrom"]), parse_time(state.changed_at)]
    valid_from: datetime = max(m for m in moments if m is not None)
    unsigned = status_list_credential(
        url, issuer.did, purpose, encode_bitstring(state.bits), valid_from
    )

    def sign() -> dict[str, Any]:
        signer = key_store.signer(key_id.rsplit("#", 1)[1])
        return create_proof(unsigned, signer, key_id, valid_from)

    return cache.get(unsigned, key_id, sign)
