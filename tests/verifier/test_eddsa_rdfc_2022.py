"""eddsa-rdfc-2022: the W3C vectors reproduced byte for byte, tampering caught, nothing fetched."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keys import SigningKey, did_key, did_key_verification_method
from tests.badges import open_badge
from tests.verifier.conftest import NOW, VECTORS, Vectors, json_paths, replace_at
from verifier import Outcome, eddsa_rdfc_2022, verify_credential
from verifier.eddsa_rdfc_2022 import canonical_nquads, create_proof, hash_data, verify_proof
from verifier.errors import ProofError, UnknownContextError

FOLDER = VECTORS / "eddsa-rdfc-2022"


def _vectors(folder: Any, unsigned: str) -> Vectors:
    key_pair = json.loads((VECTORS / "keyPair.json").read_text())
    return Vectors(
        key=SigningKey.from_private_multibase(key_pair["privateKeyMultibase"]),
        unsigned=json.loads((VECTORS / unsigned).read_text()),
        proof_config=json.loads((folder / "proofConfigDataInt.json").read_text()),
        signed=json.loads((folder / "signedDataInt.json").read_text()),
        # Canonical N-Quads end in a newline that is part of what is hashed: keep it.
        texts={p.stem: p.read_text() for p in folder.glob("*.txt")},
    )


@pytest.fixture
def rdfc_vectors() -> Vectors:
    """The `eddsa-rdfc-2022` vectors of the W3C Recommendation (the alumni credential)."""
    return _vectors(FOLDER, "unsigned.json")


@pytest.fixture
def employment_vectors() -> Vectors:
    """The employment-authorisation variant, whose citizenship context is not bundled."""
    return _vectors(FOLDER / "employ", "employmentAuth.json")


def _created(config: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(config["created"].replace("Z", "+00:00"))


def test_canonical_forms_and_hashes_match_the_vectors(rdfc_vectors):
    """RDFC-1.0 N-Quads of document and proof configuration, and their hashes, are the published."""
    config, texts = rdfc_vectors.proof_config, rdfc_vectors.texts
    assert canonical_nquads(rdfc_vectors.unsigned) == texts["canonDocDataInt"]
    assert canonical_nquads(config) == texts["proofCanonDataInt"]
    doc_hash = hashlib.sha256(canonical_nquads(rdfc_vectors.unsigned).encode()).hexdigest()
    assert doc_hash == texts["docHashDataInt"].strip()
    proof_hash = hashlib.sha256(canonical_nquads(config).encode()).hexdigest()
    assert proof_hash == texts["proofHashDataInt"].strip()
    assert hash_data(rdfc_vectors.unsigned, config).hex() == texts["combinedHashDataInt"].strip()


def test_signing_the_vector_document_reproduces_the_published_proof(rdfc_vectors):
    """Ed25519 is deterministic: our proof is the vector's signature, proofValue and document."""
    config = rdfc_vectors.proof_config
    signed = create_proof(
        rdfc_vectors.unsigned, rdfc_vectors.key, config["verificationMethod"], _created(config)
    )
    assert signed["proof"]["proofValue"] == rdfc_vectors.texts["sigBTC58DataInt"].strip()
    signature = rdfc_vectors.key.sign(hash_data(rdfc_vectors.unsigned, config))
    assert signature.hex() == rdfc_vectors.texts["sigHexDataInt"].strip()
    assert signed == rdfc_vectors.signed


def test_the_published_signed_credential_verifies(rdfc_vectors):
    """The vector's secured document verifies under the vector's public key."""
    verify_proof(rdfc_vectors.signed, rdfc_vectors.key.public_key)


def test_a_changed_claim_fails(rdfc_vectors):
    """A changed claim value, deep in the subject, breaks the proof."""
    signed = copy.deepcopy(rdfc_vectors.signed)
    signed["credentialSubject"]["alumniOf"] = "The School of Exemples"
    with pytest.raises(ProofError, match="signature does not match"):
        verify_proof(signed, rdfc_vectors.key.public_key)


def test_a_changed_proof_fails(rdfc_vectors):
    """A changed `created` or `proofValue`, or another key, breaks the proof."""
    proof = rdfc_vectors.signed["proof"]
    later = {**rdfc_vectors.signed, "proof": {**proof, "created": "2023-02-24T23:36:39Z"}}
    flipped = proof["proofValue"][:-1] + ("a" if proof["proofValue"][-1] != "a" else "b")
    forged = {**rdfc_vectors.signed, "proof": {**proof, "proofValue": flipped}}
    for tampered in (later, forged):
        with pytest.raises(ProofError, match="signature does not match"):
            verify_proof(tampered, rdfc_vectors.key.public_key)
    with pytest.raises(ProofError, match="signature does not match"):
        verify_proof(rdfc_vectors.signed, SigningKey.generate().public_key)


def test_a_relative_id_is_refused_not_ignored(rdfc_vectors):
    """A relative `id` would drop out of the RDF, so it fails instead of verifying unsigned."""
    subject = {**rdfc_vectors.signed["credentialSubject"], "id": "abcdefgh"}
    with pytest.raises(ProofError, match="not an absolute IRI"):
        verify_proof(
            {**rdfc_vectors.signed, "credentialSubject": subject}, rdfc_vectors.key.public_key
        )


def test_control_characters_are_escaped_as_rdfc_1_0_requires(rdfc_vectors):
    """Canonical N-Quads escape control characters as \\b, \\f or \\uXXXX (RDFC-1.0 §4.2)."""
    document = {**rdfc_vectors.unsigned, "name": "a\b\x01\x0b\x0c\x7f\u2028z"}
    name_line = next(
        line for line in canonical_nquads(document).split("\n") if "schema.org/name" in line
    )
    assert '"a\\b\\u0001\\u000B\\f\\u007F\u2028z" .' in name_line


def test_proof_config_with_another_context_is_refused(rdfc_vectors):
    """A proof `@context` that is not the start of the document's is refused by name."""
    proof = {**rdfc_vectors.signed["proof"], "@context": ["https://www.w3.org/ns/did/v1"]}
    with pytest.raises(ProofError, match="@context"):
        verify_proof({**rdfc_vectors.signed, "proof": proof}, rdfc_vectors.key.public_key)


def test_an_unknown_context_is_refused_without_touching_the_network(employment_vectors, no_network):
    """The employment vector's citizenship context is not bundled: a clear error, no connection."""
    with pytest.raises(UnknownContextError, match="citizenship/v4rc1"):
        verify_proof(employment_vectors.signed, employment_vectors.key.public_key)
    assert no_network == []


def test_the_verifier_reports_an_unknown_context_as_unknown(rdfc_vectors, no_network):
    """Through the verifier, a credential naming an unpinned context has an unknown proof."""
    signed = {
        **rdfc_vectors.signed,
        "@context": [*rdfc_vectors.signed["@context"], "https://evil.example/context.jsonld"],
    }
    report = verify_credential(signed, now=NOW)
    assert report.form == "eddsa-rdfc-2022"
    proof = report.check("proof")
    assert proof.outcome is Outcome.UNKNOWN
    assert "https://evil.example/context.jsonld" in proof.reason
    assert "not one of the bundled contexts" in proof.reason
    assert not report.verified
    assert no_network == []


def _open_badge(key: SigningKey) -> dict[str, Any]:
    return open_badge(did_key(key.public_key))


@pytest.fixture
def signed_badge(issuer_key: SigningKey) -> dict[str, Any]:
    """An Open Badges 3.0 credential as issuers build it, secured with eddsa-rdfc-2022."""
    return create_proof(
        _open_badge(issuer_key),
        issuer_key,
        did_key_verification_method(issuer_key.public_key),
        datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        proof_as_array=True,
    )


def test_an_rdfc_secured_open_badge_passes_the_verifier(signed_badge, no_network, trust):
    """The verifier accepts an OB 3.0.3 credential secured with eddsa-rdfc-2022, offline."""
    report = verify_credential(signed_badge, now=NOW, trust=trust)
    assert report.form == "eddsa-rdfc-2022"
    assert report.check("proof").outcome is Outcome.PASSED, report.check("proof").reason
    assert report.check("issuer").outcome is Outcome.PASSED
    assert no_network == []


def test_a_term_the_contexts_do_not_define_is_refused_not_ignored(signed_badge, issuer_key):
    """A property added to a badge that no context defines would go unsigned: it fails instead."""
    with pytest.raises(ProofError, match="'admin' is not defined"):
        verify_proof({**signed_badge, "admin": True}, issuer_key.public_key)


def test_a_changed_open_badge_fails_the_verifier(signed_badge):
    """A badge whose credits were raised after signing fails its proof check."""
    tampered = copy.deepcopy(signed_badge)
    tampered["credentialSubject"]["creditsEarned"] = 30.0
    report = verify_credential(tampered, now=NOW)
    assert report.check("proof").outcome is Outcome.FAILED
    assert "signature does not match" in report.check("proof").reason


def _containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    )


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**63), 2**63),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=12),
        st.sampled_from(["@id", "@type", "@context", "_:b0", "https://evil.example/", "x:y"]),
    ),
    _containers,
    max_leaves=8,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), replacement=json_values)
def test_no_change_to_a_secured_badge_makes_the_verifier_raise(
    signed_badge, no_network, data, replacement
):
    """Any value swapped anywhere in the badge gives a report, never an exception or a fetch.

    The proof may still pass when the change leaves the signed RDF as it was: the string "true"
    for a property typed xsd:boolean is the literal `true` is.
    """
    document = copy.deepcopy(signed_badge)
    path = data.draw(st.sampled_from(json_paths(document)[1:]))
    replace_at(document, path, replacement)
    report = verify_credential(document, now=NOW)
    if report.check("proof").outcome is Outcome.PASSED:
        unsecured = {k: v for k, v in document.items() if k != "proof"}
        original = {k: v for k, v in signed_badge.items() if k != "proof"}
        assert document["proof"] == signed_badge["proof"]
        assert canonical_nquads(unsecured) == canonical_nquads(original)
    assert no_network == []


def _templated_and_direct(document: dict[str, Any]) -> tuple[Any, Any]:
    """The expansion through a template (the second call reuses it) and pyld's own expansion."""
    eddsa_rdfc_2022._expanded_json(document)
    templated = json.loads(eddsa_rdfc_2022._expanded_json(document))
    return templated, json.loads(eddsa_rdfc_2022._pyld_expanded_json(document))


def test_templated_expansion_is_pyld_expansion_on_the_vectors(rdfc_vectors):
    """The vector document and its proof configuration: a template gives pyld's result exactly."""
    for document in (rdfc_vectors.unsigned, rdfc_vectors.proof_config):
        templated, direct = _templated_and_direct(document)
        assert templated == direct


def test_templated_expansion_is_pyld_expansion_on_open_badges(signed_badge):
    document = {k: v for k, v in signed_badge.items() if k != "proof"}
    proof = signed_badge["proof"][0]
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    config["@context"] = document["@context"]
    for item in (document, config):
        templated, direct = _templated_and_direct(item)
        assert templated == direct


@pytest.mark.parametrize(
    "value",
    [
        "urn:uuid:00000000-0000-4000-8000-000000000000",
        "did:web:other.example",
        "https://other.example/a b",  # whitespace: no longer an absolute IRI to pyld
        "xsd:string",  # a prefix the contexts define
        'Line one\nline two "quoted" \u2028 \x07 ü',
        "identifier",  # a term the contexts define
        "relative/iri",
        "",
    ],
)
@pytest.mark.parametrize(
    "path",
    [("id",), ("name",), ("issuer", "url"), ("credentialSubject", "achievement", "criteria")],
)
def test_a_badge_with_other_values_still_expands_as_pyld_expands_it(signed_badge, path, value):
    """Values substituted into a cached badge template give pyld's expansion, or pyld's error."""
    document = {k: v for k, v in signed_badge.items() if k != "proof"}
    eddsa_rdfc_2022._expanded_json(document)  # the template of the original badge
    changed = copy.deepcopy(document)
    node = changed
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    try:
        direct = json.loads(eddsa_rdfc_2022._pyld_expanded_json(changed))
    except ProofError as exc:
        with pytest.raises(ProofError, match=re.escape(str(exc))):
            eddsa_rdfc_2022._expanded_json(changed)
        return
    assert json.loads(eddsa_rdfc_2022._expanded_json(changed)) == direct


def test_an_imported_context_is_refused(signed_badge):
    """pyld would merge the importing context into its cached copy of the imported one."""
    document = {k: v for k, v in signed_badge.items() if k != "proof"}
    document["@context"] = [
        *document["@context"],
        {"@import": "https://www.w3.org/ns/credentials/v2", "name": "https://evil.example/name"},
    ]
    with pytest.raises(ProofError, match="@import"):
        canonical_nquads(document)
