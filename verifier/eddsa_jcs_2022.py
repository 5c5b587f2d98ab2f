"""The Data Integrity cryptosuite `eddsa-jcs-2022` (W3C vc-di-eddsa v1.0 §3.3), both directions.

1. Proof configuration = the proof options (plus the document's `@context`, §3.3.5), JCS-canonical.
2. Transformation = the document without `proof`, JCS-canonical (RFC 8785, §3.3.3).
3. Hashing = SHA-256(canonical proof configuration) || SHA-256(canonical document) (§3.3.4).
4. Serialization = Ed25519 signature of the hash data, base58btc multibase `proofValue` (§3.3.6).

JCS signs the JSON, not the JSON-LD, but the document is still read as JSON-LD by everyone
else: verification applies the rules `eddsa-rdfc-2022` enforces (undefined terms, protected
terms, types that are IRIs; contexts only from the bundled set), as Digital Bazaar's vc.js
does, through the same cached expansion templates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import rfc8785

from keys import PublicKey, SigningKey
from verifier.canonical import canonical_json
from verifier.data_integrity import (
    check_signature,
    checked_proof,
    json_copy,
    proof_options,
    secured,
    single_proof,
    under_proof_context,
    unsecured,
)
from verifier.eddsa_rdfc_2022 import check_json_ld
from verifier.errors import ProofError

CRYPTOSUITE = "eddsa-jcs-2022"
_MAX_SAFE_INT = 2**53 - 1  # beyond it, not every integer is a double (RFC 8785 §3.2.2.3)


def _exact_doubles(value: Any) -> Any:
    """The value with each integer beyond ±(2**53 - 1) that is exactly a double made that double.

    RFC 8785 canonicalises JSON numbers as IEEE 754 doubles, as ECMAScript does (§3.2.2.3): so
    `100000000000000000000` and `1e20` are one number, written `100000000000000000000`. Python's
    `json` reads the former as an int, which `rfc8785` refuses beyond 2**53 - 1, though a
    JavaScript issuer (or any wallet that re-serialises our `1e20` as JavaScript does) signs it.
    An integer no double holds exactly (2**53 + 1) stays as it is, and is refused: JavaScript
    would read it as a different number, so which one was signed is ambiguous.
    """
    if isinstance(value, dict):
        return {key: _exact_doubles(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_exact_doubles(item) for item in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _MAX_SAFE_INT:
        try:
            double = float(value)
        except OverflowError:
            return value
        return double if int(double) == value else value
    return value


def _canonical(value: dict[str, Any]) -> bytes:
    try:
        return canonical_json(value)
    except rfc8785.CanonicalizationError:
        return canonical_json(_exact_doubles(value))  # only then: the common case stays fast


def hash_data(document: dict[str, Any], proof_config: dict[str, Any]) -> bytes:
    """The 64 bytes that are signed: SHA-256 of the proof configuration, then of the document."""
    return (
        hashlib.sha256(_canonical(proof_config)).digest()
        + hashlib.sha256(_canonical(document)).digest()
    )


def create_proof(
    unsecured_document: dict[str, Any],
    key: SigningKey,
    verification_method: str,
    created: datetime,
    proof_purpose: str = "assertionMethod",
    *,
    proof_as_array: bool = False,
    extra_options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the document secured with an `eddsa-jcs-2022` proof (the input is not changed).

    `extra_options` adds proof options such as a presentation's `challenge` and `domain`. The
    proof carries the document's `@context` (§3.3.5).
    """
    document = unsecured(unsecured_document)
    proof_config = proof_options(
        CRYPTOSUITE, verification_method, created, proof_purpose, extra_options
    )
    if "@context" in document:
        proof_config["@context"] = json_copy(document["@context"])
    signature = key.sign(hash_data(document, proof_config))
    return secured(document, proof_config, signature, proof_as_array)


def verify_proof(
    secured_document: dict[str, Any],
    public_key: PublicKey,
    expected_purpose: str = "assertionMethod",
) -> None:
    """Return if the `eddsa-jcs-2022` proof holds for `public_key`, else raise `ProofError`.

    A document that is not JSON-LD read with the bundled contexts alone raises `ProofError`, or
    `UnknownContextError` for a context outside the bundled, pinned set.
    """
    verify_proof_over(
        unsecured(secured_document), single_proof(secured_document), public_key, expected_purpose
    )


def verify_proof_over(
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    public_key: PublicKey,
    expected_purpose: str = "assertionMethod",
) -> None:
    """Return if `proof` holds over `document` (the unsecured document, with the proofs a
    chained proof names as its `proof`, Data Integrity §4.3), else raise `ProofError`."""
    options, proof_value = checked_proof(proof, CRYPTOSUITE, expected_purpose)
    covered = under_proof_context(document, options)
    try:
        signed_data = hash_data(covered, options)
    except rfc8785.CanonicalizationError as exc:
        # RFC 8785 §3.2.2: no NaN, no infinities, no integer that no double holds exactly.
        raise ProofError(f"the credential has no canonical JSON form (RFC 8785): {exc}") from exc
    check_signature(public_key, proof_value, signed_data)
    # After the signature, so a tampered document is told so first. The document's hash (the
    # second half of what is signed) fingerprints its exact content.
    check_json_ld(covered, signed_data[32:])
