"""Public documents of an issuer: its did:web DID document and its signed status lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from events.application import IssuerDetails
from issuers.status_list import bitstring_with, encode_bitstring, status_list_credential
from keys import KeyStore
from projections.status_lists import StatusIndexes
from verifier.eddsa_jcs_2022 import create_proof
from verifier.keyset import parse_time

DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
STATUS_FOR_PURPOSE = {"revocation": "revoked", "suspension": "suspended"}


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


def signed_status_list(
    issuer: IssuerDetails,
    url: str,
    purpose: str,
    list_no: int,
    indexes: StatusIndexes,
    key_store: KeyStore,
) -> dict[str, Any]:
    """The issuer's `BitstringStatusListCredential`, signed with its current key.

    Its `validFrom` is the last status change in the list (or when the current key was added,
    if later), so the same state always gives the same document and the same ETag.
    """
    if issuer.current_key is None:
        raise LookupError(f"issuer {issuer.id} has no current key")
    key = next(k for k in issuer.keys if k["id"] == issuer.current_key)
    moments = [
        parse_time(key["validFrom"]),
        parse_time(indexes.last_change(str(issuer.id), list_no)),
    ]
    valid_from: datetime = max(m for m in moments if m is not None)
    bits = indexes.set_bits(str(issuer.id), list_no, STATUS_FOR_PURPOSE[purpose])
    unsigned = status_list_credential(
        url, issuer.did, purpose, encode_bitstring(bitstring_with(bits)), valid_from
    )
    signer = key_store.signer(issuer.current_key.rsplit("#", 1)[1])
    return create_proof(unsigned, signer, issuer.current_key, valid_from)
