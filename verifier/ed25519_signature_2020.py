"""The legacy Linked Data proof `Ed25519Signature2020`, verified only (what the Digital
Credentials Consortium stack and the Learner Credential Wallet issued for years).

Its signed bytes are made as `eddsa-rdfc-2022`'s (vc-di-eddsa §3.2, whose worked example the W3C
spec also gives for this suite): SHA-256 of the RDFC-1.0 canonical proof options, carrying the
document's `@context` unless the proof has its own, then SHA-256 of the canonical document; an
Ed25519 signature of those 64 bytes in a base58btc multibase `proofValue`. The terms
`Ed25519Signature2020` and `proofValue` come from the suite's context, which the document (or
the proof) must therefore name, as Digital Bazaar's `ed25519-signature-2020` requires.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from keys import PublicKey
from verifier.data_integrity import check_signature, checked_proof, single_proof, unsecured
from verifier.data_model import one_or_more
from verifier.eddsa_rdfc_2022 import hash_data
from verifier.errors import ProofError

PROOF_TYPE = "Ed25519Signature2020"
SUITE_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"


def verify_proof(
    secured_document: Mapping[str, Any],
    public_key: PublicKey,
    expected_purpose: str = "assertionMethod",
) -> None:
    """Return if the document's one `Ed25519Signature2020` proof holds, else `ProofError`."""
    verify_proof_over(
        unsecured(secured_document), single_proof(secured_document), public_key, expected_purpose
    )


def verify_proof_over(
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    public_key: PublicKey,
    expected_purpose: str = "assertionMethod",
) -> None:
    """Return if `proof` holds over `document` (without the proof), else raise `ProofError`."""
    options, proof_value = checked_proof(proof, "", expected_purpose, PROOF_TYPE)
    contexts = one_or_more(options.get("@context", document.get("@context")))
    if SUITE_CONTEXT not in contexts:
        raise ProofError(
            f"an {PROOF_TYPE} proof needs the context {SUITE_CONTEXT} in the credential's "
            "@context (the suite defines its terms there); add it and sign again"
        )
    config = {"@context": document.get("@context"), **options}
    check_signature(public_key, proof_value, hash_data(dict(document), config))
