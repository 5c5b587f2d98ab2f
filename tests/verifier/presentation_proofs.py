"""Builds holder-signed presentations with a proof set or a proof chain (Data Integrity §2.1.2,
§2.1.3) the way the spec's vc-di-eddsa vectors are signed: each set member over the document
without proofs, each chained proof over the document holding exactly the proofs it names."""

from __future__ import annotations

from datetime import UTC, datetime
from types import ModuleType
from typing import Any

from keys import SigningKey, did_key, did_key_verification_method
from keys.multibase import encode_base58btc
from verifier import eddsa_jcs_2022, eddsa_rdfc_2022
from verifier.data_integrity import proof_options, unsecured

V2 = "https://www.w3.org/ns/credentials/v2"
CHALLENGE = "1f44d55f-f161-4938-a659-f8026467f126"
DOMAIN = "employer.nhs.example"
SIGNED_AT = datetime(2026, 2, 1, tzinfo=UTC)
SUITES = [eddsa_rdfc_2022, eddsa_jcs_2022]
BINDING = {"challenge": CHALLENGE, "domain": DOMAIN}


def presentation(holder: SigningKey, credentials: list[Any]) -> dict[str, Any]:
    """An unsigned presentation naming `holder` (a did:key) and holding `credentials`."""
    return {
        "@context": [V2],
        "id": "urn:uuid:7d0f4a52-3c1e-4b8e-9a55-2f6e1c0d0001",
        "type": ["VerifiablePresentation"],
        "holder": did_key(holder.public_key),
        "verifiableCredential": credentials,
    }


def proof_by(
    suite: ModuleType,
    document: dict[str, Any],
    key: SigningKey,
    previous: list[dict[str, Any]] | None = None,
    **options: Any,
) -> dict[str, Any]:
    """One `authentication` proof by `key` over `document` (its proofs dropped) or, given the
    `previous` proofs, over the document holding exactly those and naming them in
    `previousProof`. Options default to the verifier's challenge and domain (None: left out)."""
    options = {k: v for k, v in {**BINDING, **options}.items() if v is not None}
    covered = unsecured(document)
    if previous:
        names = [p["id"] for p in previous]
        options["previousProof"] = names[0] if len(names) == 1 else names
        covered["proof"] = previous
    method = did_key_verification_method(key.public_key)
    fields = proof_options(suite.CRYPTOSUITE, method, SIGNED_AT, "authentication", options)
    if suite is eddsa_jcs_2022:  # the JCS suite carries the document's context in its proof
        fields["@context"] = covered["@context"]
    config = {**fields, "@context": covered["@context"]}
    signature = key.sign(suite.hash_data(covered, config))
    return {**fields, "proofValue": encode_base58btc(signature)}


def proof_set(
    suite: ModuleType, document: dict[str, Any], *keys: SigningKey, **options: Any
) -> dict[str, Any]:
    """The document with one independent proof by each key (a proof set)."""
    proofs = [proof_by(suite, document, key, **options) for key in keys]
    return {**unsecured(document), "proof": proofs}


def proof_chain(
    suite: ModuleType, document: dict[str, Any], first: SigningKey, second: SigningKey
) -> dict[str, Any]:
    """The document signed by `first`, then by `second` over the first proof (a proof chain)."""
    earlier = proof_by(suite, document, first, id="urn:uuid:26329423-bec9-4b2e-88cb-a7c7d9dc4544")
    later = proof_by(suite, document, second, [earlier], id="urn:uuid:8cc9022b-6b14-4cf3-8571")
    return {**unsecured(document), "proof": [earlier, later]}
