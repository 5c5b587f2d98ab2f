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
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pyoxigraph
from pyld.context_resolver import ContextResolver  # type: ignore[import-untyped]
from pyld.jsonld import JsonLdProcessor  # type: ignore[import-untyped]

from keys import InvalidSignatureError, MalformedKeyError, PublicKey, SigningKey
from keys.multibase import decode_base58btc, encode_base58btc
from verifier.document_loader import document_loader
from verifier.eddsa_jcs_2022 import PROOF_TYPE, single_proof
from verifier.eddsa_jcs_2022 import _timestamp as xsd_timestamp
from verifier.errors import ProofError, UnknownContextError

CRYPTOSUITE = "eddsa-rdfc-2022"
RESOLVED_CONTEXT_CACHE_SIZE = 128
_ABSOLUTE_IRI = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:|_:)")


class _ResolvedContexts:
    """pyld's resolver cache (a context URL, or an inline context, to the processed context).

    Bounded, because inline contexts come from untrusted documents, and locked, because the web
    app verifies in several threads.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
            return self._entries.get(key)

    def __setitem__(self, key: str, value: Any) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


_RESOLVED_CONTEXTS = _ResolvedContexts(RESOLVED_CONTEXT_CACHE_SIZE)


def _refuse_dropped(term: str | None) -> None:
    raise ProofError(
        f"the term {term!r} is not defined by the credential's contexts, so it would not be signed"
    )


def _ours(exc: BaseException) -> UnknownContextError | ProofError | None:
    """Our own error inside the chain of exceptions pyld wraps around what its callbacks raise."""
    seen: BaseException | None = exc
    for _ in range(32):  # pyld nests a few levels deep; a cycle must not loop forever
        if seen is None or isinstance(seen, UnknownContextError | ProofError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _expand(document: Mapping[str, Any]) -> list[Any]:
    """JSON-LD expansion with the pinned contexts only, refusing any term it would drop."""
    options = {
        "base": None,  # no document base: a relative IRI stays relative and is refused below
        "documentLoader": document_loader,
        "contextResolver": ContextResolver(_RESOLVED_CONTEXTS, document_loader),
    }
    try:
        expanded: list[Any] = JsonLdProcessor(on_property_dropped=_refuse_dropped).expand(
            dict(document), options
        )
    except RecursionError:
        raise ProofError("the credential is nested too deeply to canonicalise") from None
    except Exception as exc:
        # pyld wraps our errors in its own and, on some malformed contexts, raises bare
        # KeyError or TypeError: every failure of an untrusted document becomes one of ours.
        ours = _ours(exc)
        if ours is not None:
            raise ours from exc
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ProofError(f"the credential is not valid JSON-LD: {first_line}") from exc
    return expanded


def _refuse_relative_iris(node: Any) -> None:
    """Refuse relative `@id` and `@type` IRIs, which RDF conversion would silently drop."""
    if isinstance(node, list):
        for item in node:
            _refuse_relative_iris(item)
        return
    if not isinstance(node, dict):
        return
    if "@value" in node:  # a literal: only its datatype is an IRI
        datatype = node.get("@type")
        if isinstance(datatype, str) and datatype != "@json":
            _require_absolute(datatype, "@type")
        return
    for key, value in node.items():
        if key in ("@id", "@type"):
            for iri in value if isinstance(value, list) else [value]:
                _require_absolute(iri, key)
        elif not key.startswith("@"):
            _require_absolute(key, "property")
        _refuse_relative_iris(value)


def _require_absolute(iri: object, role: str) -> None:
    if not isinstance(iri, str) or not _ABSOLUTE_IRI.match(iri):
        raise ProofError(f"the {role} {iri!r} is not an absolute IRI, so it would not be signed")


def canonical_nquads(document: Mapping[str, Any]) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document: sorted lines, each ending in a newline."""
    expanded = _expand(document)
    _refuse_relative_iris(expanded)
    try:
        quads = pyoxigraph.parse(json.dumps(expanded), format=pyoxigraph.RdfFormat.JSON_LD)
        dataset = pyoxigraph.Dataset(quads)
    except (SyntaxError, ValueError) as exc:
        raise ProofError(f"the credential has no RDF form: {exc}") from exc
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    text = pyoxigraph.serialize(dataset, format=pyoxigraph.RdfFormat.N_QUADS)
    assert isinstance(text, bytes)  # serialize returns bytes when given no output
    # Split on "\n" only: str.splitlines() would also split inside literals at U+2028 and kin.
    return "".join(sorted(line + "\n" for line in text.decode("utf-8").split("\n") if line))


def hash_data(document: Mapping[str, Any], proof_config: Mapping[str, Any]) -> bytes:
    """The 64 bytes that are signed: SHA-256 of the proof configuration, then of the document."""
    return (
        hashlib.sha256(canonical_nquads(proof_config).encode("utf-8")).digest()
        + hashlib.sha256(canonical_nquads(document).encode("utf-8")).digest()
    )


def _proof_config(options: Mapping[str, Any], document: Mapping[str, Any]) -> dict[str, Any]:
    """§3.2.5: the proof options with the document's `@context`, what the signature covers."""
    config = {k: v for k, v in options.items() if k != "proofValue"}
    if "@context" in document:
        config["@context"] = copy.deepcopy(document["@context"])
    return config


def create_proof(
    unsecured: dict[str, Any],
    key: SigningKey,
    verification_method: str,
    created: datetime,
    proof_purpose: str = "assertionMethod",
    *,
    proof_as_array: bool = False,
) -> dict[str, Any]:
    """Return the document secured with an `eddsa-rdfc-2022` proof (the input is not changed)."""
    document = {k: v for k, v in unsecured.items() if k != "proof"}
    options: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": xsd_timestamp(created),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    signature = key.sign(hash_data(document, _proof_config(options, document)))
    proof = {**options, "proofValue": encode_base58btc(signature)}
    return {**copy.deepcopy(document), "proof": [proof] if proof_as_array else proof}


def _document_under_proof_context(
    secured: Mapping[str, Any], options: Mapping[str, Any]
) -> dict[str, Any]:
    """The unsecured document; with the proof's `@context` when the proof carries one (§3.2.2)."""
    document = {k: v for k, v in secured.items() if k != "proof"}
    if "@context" not in options:
        return document
    # §3.2.2 step 4: the document's contexts must start with the proof's, in order.
    proof_context = options["@context"]
    contexts = proof_context if isinstance(proof_context, list) else [proof_context]
    doc_context = document.get("@context")
    doc_contexts = doc_context if isinstance(doc_context, list) else [doc_context]
    if doc_contexts[: len(contexts)] != contexts:
        raise ProofError("the proof's @context does not match the document's")
    document["@context"] = proof_context
    return document


def verify_proof(
    secured: dict[str, Any], public_key: PublicKey, expected_purpose: str = "assertionMethod"
) -> None:
    """Return if the `eddsa-rdfc-2022` proof holds for `public_key`, else raise `ProofError`.

    A context outside the bundled, pinned set raises `UnknownContextError`: the proof could not
    be checked, and nothing was fetched to try.
    """
    proof = single_proof(secured)
    if proof.get("type") != PROOF_TYPE:
        raise ProofError(f"proof type must be {PROOF_TYPE}, got {proof.get('type')!r}")
    if proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(f"unsupported cryptosuite {proof.get('cryptosuite')!r}")
    if proof.get("proofPurpose") != expected_purpose:
        raise ProofError(
            f"proof purpose must be {expected_purpose}, got {proof.get('proofPurpose')!r}"
        )
    proof_value = proof.get("proofValue")
    if not isinstance(proof_value, str):
        raise ProofError("proof has no proofValue")
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    document = _document_under_proof_context(secured, options)
    signed_data = hash_data(document, _proof_config(options, document))
    try:
        public_key.verify(decode_base58btc(proof_value), signed_data)
    except (MalformedKeyError, InvalidSignatureError) as exc:
        raise ProofError("signature does not match the credential's content") from exc
