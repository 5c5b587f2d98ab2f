"""What the Data Integrity cryptosuites share (VC Data Integrity 1.0, vc-di-eddsa §3.2-3.3): the
proof options, the checks on a proof before its signature, the proof's `@context`, and the
Ed25519 signature in a base58btc `proofValue`. Each cryptosuite adds only how it turns the
document and the proof configuration into the bytes that are signed.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from keys import InvalidSignatureError, MalformedKeyError, PublicKey
from keys.multibase import decode_base58btc, encode_base58btc
from verifier.errors import ProofError
from verifier.timestamps import xsd_datetime

PROOF_TYPE = "DataIntegrityProof"


def single_proof(secured: Mapping[str, Any]) -> dict[str, Any]:
    """The document's one proof (an object, or an array of one, as Open Badges 3.0 requires)."""
    proof = secured.get("proof")
    if isinstance(proof, list):
        if len(proof) != 1:
            raise ProofError(f"expected one proof, found {len(proof)}")
        proof = proof[0]
    if not isinstance(proof, dict):
        raise ProofError("the credential has no embedded proof")
    return proof


def verification_method_of(secured: Mapping[str, Any]) -> str:
    """The verification method id the proof names."""
    method = single_proof(secured).get("verificationMethod")
    if not isinstance(method, str) or not method:
        raise ProofError("proof has no verificationMethod")
    return method


def unsecured(document: Mapping[str, Any]) -> dict[str, Any]:
    """The document without its `proof`."""
    return {k: v for k, v in document.items() if k != "proof"}


def proof_options(
    cryptosuite: str,
    verification_method: str,
    created: datetime,
    proof_purpose: str,
    extra_options: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The options of a new proof; `extra_options` adds a presentation's `challenge`, `domain`."""
    return {
        "type": PROOF_TYPE,
        "cryptosuite": cryptosuite,
        "created": xsd_datetime(created),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
        **(extra_options or {}),
    }


def secured(
    document: Mapping[str, Any],
    proof_fields: Mapping[str, Any],
    signature: bytes,
    proof_as_array: bool,
) -> dict[str, Any]:
    """A copy of the document with the proof added (the input is not changed)."""
    proof = {**proof_fields, "proofValue": encode_base58btc(signature)}
    return {**json_copy(dict(document)), "proof": [proof] if proof_as_array else proof}


def json_copy(value: Any) -> Any:
    """A deep copy of JSON data, three times faster than `copy.deepcopy`: objects and arrays
    are copied, strings, numbers, booleans and null (immutable) shared, anything else
    deep-copied."""
    kind = type(value)
    if kind is dict:
        return {k: v if type(v) is str else json_copy(v) for k, v in value.items()}
    if kind is list:
        return [v if type(v) is str else json_copy(v) for v in value]
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value
    return copy.deepcopy(value)


def opened_proof(
    secured_document: Mapping[str, Any], cryptosuite: str, expected_purpose: str
) -> tuple[dict[str, Any], str]:
    """The document's one proof, opened by `checked_proof`."""
    return checked_proof(single_proof(secured_document), cryptosuite, expected_purpose)


def checked_proof(
    proof: Mapping[str, Any], cryptosuite: str, expected_purpose: str, proof_type: str = PROOF_TYPE
) -> tuple[dict[str, Any], str]:
    """The proof's options (all but `proofValue`) and its `proofValue`, once the proof is of this
    cryptosuite and made for the expected purpose; else `ProofError` saying what is wrong."""
    if proof.get("type") != proof_type:
        raise ProofError(f"proof type must be {proof_type}, got {proof.get('type')!r}")
    if proof_type == PROOF_TYPE and proof.get("cryptosuite") != cryptosuite:
        raise ProofError(f"unsupported cryptosuite {proof.get('cryptosuite')!r}")
    if proof.get("proofPurpose") != expected_purpose:
        raise ProofError(
            f"proof purpose must be {expected_purpose}, got {proof.get('proofPurpose')!r}"
        )
    proof_value = proof.get("proofValue")
    if not isinstance(proof_value, str):
        raise ProofError("proof has no proofValue")
    return {k: v for k, v in proof.items() if k != "proofValue"}, proof_value


def document_under_proof_context(
    secured_document: Mapping[str, Any], options: Mapping[str, Any]
) -> dict[str, Any]:
    """The unsecured document; with the proof's `@context` when the proof carries one."""
    return under_proof_context(unsecured(secured_document), options)


def under_proof_context(document: Mapping[str, Any], options: Mapping[str, Any]) -> dict[str, Any]:
    """The document a proof covers (with the earlier proofs of a chain, if any), under the
    proof's `@context` when the proof carries one."""
    document = dict(document)
    if "@context" not in options:
        return document
    # The document's contexts must start with the proof's, in order (vc-di-eddsa §3.2.2 and
    # §3.3.2, step 4).
    proof_context = options["@context"]
    contexts = proof_context if isinstance(proof_context, list) else [proof_context]
    doc_context = document.get("@context")
    doc_contexts = doc_context if isinstance(doc_context, list) else [doc_context]
    if doc_contexts[: len(contexts)] != contexts:
        raise ProofError("the proof's @context does not match the document's")
    document["@context"] = proof_context
    return document


def check_signature(public_key: PublicKey, proof_value: str, signed_data: bytes) -> None:
    """Return if the `proofValue` signs the hash data, else raise `ProofError`."""
    try:
        public_key.verify(decode_base58btc(proof_value), signed_data)
    except (MalformedKeyError, InvalidSignatureError) as exc:
        raise ProofError("signature does not match the credential's content") from exc
