"""The Data Integrity cryptosuite `eddsa-rdfc-2022` (W3C vc-di-eddsa v1.0 §3.2), both directions.

1. Proof configuration = the proof options plus the document's `@context` (§3.2.5), canonicalised.
2. Transformation = the document without `proof`, canonicalised (§3.2.3).
3. Hashing = SHA-256(canonical proof configuration) || SHA-256(canonical document) (§3.2.4).
4. Serialization = Ed25519 signature of the hash data, base58btc multibase `proofValue` (§3.2.6).

Canonicalisation is RDF Dataset Canonicalization (RDFC-1.0) of the JSON-LD document as N-Quads.
pyld expands the JSON-LD, with contexts only from `verifier.document_loader` (bundled, pinned,
never fetched) and in "safe mode" as Data Integrity implementations run it: a term no context
defines, or a relative IRI, would be silently left out of the signed data, so it is refused
instead. pyoxigraph turns the expanded document into RDF and applies RDFC-1.0; pyld's own N-Quads
writer does not escape control characters the way RDFC-1.0's canonical N-Quads requires.

The expansion and its checks are `verifier.json_ld_expansion`. Credentials of one shape are
expanded once (expansion templates: see `verifier.expansion_templates`), and turned into RDF once
by pyoxigraph (N-Quads templates: see `verifier.nquads_templates`, which also holds
`oxigraph_nquads`, the path without templates).
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from keys import PublicKey, SigningKey
from verifier.data_integrity import (
    check_signature,
    checked_proof,
    proof_options,
    secured,
    single_proof,
    under_proof_context,
    unsecured,
)
from verifier.errors import ProofError
from verifier.expansion_templates import (
    check_json_ld,
    expanded_json,
    pyld_expanded_json,
    templated,
)
from verifier.json_ld_expansion import expand, refuse_relative_iris
from verifier.nquads_templates import oxigraph_nquads

CRYPTOSUITE = "eddsa-rdfc-2022"

# What tests and the docs reach for here, from before the expansion moved to its own modules.
_expanded_json = expanded_json
_pyld_expanded_json = pyld_expanded_json
_templated = templated
__all__ = [
    "CRYPTOSUITE",
    "canonical_nquads",
    "check_json_ld",
    "create_proof",
    "hash_data",
    "verify_proof",
    "verify_proof_over",
]


def canonical_nquads(document: Mapping[str, Any]) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document: sorted lines, each ending in a newline."""
    found = templated(document)
    if found is not None:
        template, values = found
        return template.canonical_nquads(values)
    return oxigraph_nquads(pyld_expanded_json(document))


def hash_data(document: Mapping[str, Any], proof_config: Mapping[str, Any]) -> bytes:
    """The 64 bytes that are signed: SHA-256 of the proof configuration, then of the document."""
    return (
        hashlib.sha256(canonical_nquads(proof_config).encode("utf-8")).digest()
        + hashlib.sha256(canonical_nquads(document).encode("utf-8")).digest()
    )


def _directional_nquads(document: Mapping[str, Any]) -> str:
    """Canonical N-Quads with `@direction` as RDF 1.2 directional language strings: how this
    verifier canonicalised before it followed vc.js (`rdf_direction`), so credentials it signed
    then still verify. Both forms carry the same language and direction."""
    expanded = expand(document, i18n=False)
    refuse_relative_iris(expanded)
    return oxigraph_nquads(json.dumps(expanded))


def _has_direction(node: Any) -> bool:
    if isinstance(node, list):
        return any(_has_direction(item) for item in node)
    if isinstance(node, dict):
        return "@direction" in node or any(_has_direction(v) for v in node.values())
    return False


def _proof_config(options: Mapping[str, Any], document: Mapping[str, Any]) -> dict[str, Any]:
    """§3.2.5: the proof options with the document's `@context`, what the signature covers."""
    config = {k: v for k, v in options.items() if k != "proofValue"}
    if "@context" in document:
        context = document["@context"]
        if type(context) is list and all(type(item) is str for item in context):
            config["@context"] = list(context)  # the usual list of URLs: as deep as a copy goes
        else:
            config["@context"] = copy.deepcopy(context)
    return config


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
    """Return the document secured with an `eddsa-rdfc-2022` proof (the input is not changed).

    `extra_options` adds proof options such as a presentation's `challenge` and `domain`.
    """
    document = unsecured(unsecured_document)
    options = proof_options(CRYPTOSUITE, verification_method, created, proof_purpose, extra_options)
    signature = key.sign(hash_data(document, _proof_config(options, document)))
    return secured(document, options, signature, proof_as_array)


def verify_proof(
    secured_document: dict[str, Any],
    public_key: PublicKey,
    expected_purpose: str = "assertionMethod",
) -> None:
    """Return if the `eddsa-rdfc-2022` proof holds for `public_key`, else raise `ProofError`.

    A context outside the bundled, pinned set raises `UnknownContextError`: the proof could not
    be checked, and nothing was fetched to try.
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
    config = _proof_config(options, covered)
    try:
        check_signature(public_key, proof_value, hash_data(covered, config))
    except ProofError:
        if not _has_direction(covered):
            raise
        earlier = (
            hashlib.sha256(canonical_nquads(config).encode("utf-8")).digest()
            + hashlib.sha256(_directional_nquads(covered).encode("utf-8")).digest()
        )
        check_signature(public_key, proof_value, earlier)
