"""eddsa-jcs-2022: the W3C vectors reproduced byte for byte, and tampering caught."""

from __future__ import annotations

import copy
import hashlib
import string
from datetime import datetime
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from keys import SigningKey
from verifier.eddsa_jcs_2022 import create_proof, hash_data, verify_proof
from verifier.errors import ProofError


def _created(config: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(config["created"].replace("Z", "+00:00"))


def test_canonical_forms_and_hashes_match_the_vectors(jcs_vectors):
    """JCS of the document and proof configuration, and their SHA-256, are the published ones."""
    config = {**jcs_vectors.proof_config}
    assert rfc8785.dumps(jcs_vectors.unsigned).decode() == jcs_vectors.texts["canonDocJCS"]
    assert rfc8785.dumps(config).decode() == jcs_vectors.texts["proofCanonJCS"]
    assert (
        hashlib.sha256(rfc8785.dumps(jcs_vectors.unsigned)).hexdigest()
        == (jcs_vectors.texts["docHashJCS"])
    )
    assert hashlib.sha256(rfc8785.dumps(config)).hexdigest() == jcs_vectors.texts["proofHashJCS"]
    assert hash_data(jcs_vectors.unsigned, config).hex() == jcs_vectors.texts["combinedHashJCS"]


def test_signing_the_vector_document_reproduces_the_published_proof(jcs_vectors):
    """Ed25519 is deterministic: our proof is the vector's signature, proofValue and document."""
    signed = create_proof(
        jcs_vectors.unsigned,
        jcs_vectors.key,
        jcs_vectors.proof_config["verificationMethod"],
        _created(jcs_vectors.proof_config),
    )
    assert signed["proof"]["proofValue"] == jcs_vectors.texts["sigBTC58JCS"]
    assert (
        jcs_vectors.key.sign(hash_data(jcs_vectors.unsigned, jcs_vectors.proof_config)).hex()
        == jcs_vectors.texts["sigHexJCS"]
    )
    assert signed == jcs_vectors.signed


def test_the_published_signed_credential_verifies(jcs_vectors):
    """The vector's secured document verifies under the vector's public key."""
    verify_proof(jcs_vectors.signed, jcs_vectors.key.public_key)


def test_any_change_to_the_published_credential_fails(jcs_vectors):
    """One changed character of the vector's credential breaks its proof."""
    signed = {**jcs_vectors.signed, "name": "Alumni Credentiak"}
    with pytest.raises(ProofError, match="signature does not match"):
        verify_proof(signed, jcs_vectors.key.public_key)


def test_proof_as_an_array_of_one_verifies(unsigned_credential, issuer_key, method):
    """Open Badges 3.0 wants `proof` as an array; an array of one proof verifies the same."""
    signed = create_proof(
        unsigned_credential, issuer_key, method, datetime.now().astimezone(), proof_as_array=True
    )
    assert isinstance(signed["proof"], list)
    verify_proof(signed, issuer_key.public_key)


def test_a_proof_under_another_key_or_context_is_refused(unsigned_credential, issuer_key, method):
    """Another key, a different proof purpose or a mismatched @context fail with named reasons."""
    signed = create_proof(unsigned_credential, issuer_key, method, datetime.now().astimezone())
    with pytest.raises(ProofError, match="signature does not match"):
        verify_proof(signed, SigningKey.generate().public_key)
    with pytest.raises(ProofError, match="proof purpose"):
        verify_proof(signed, issuer_key.public_key, expected_purpose="authentication")
    other = {**signed, "proof": {**signed["proof"], "@context": ["https://example.org/other"]}}
    with pytest.raises(ProofError, match="@context"):
        verify_proof(other, issuer_key.public_key)
    wrong_suite = {**signed, "proof": {**signed["proof"], "cryptosuite": "eddsa-2022"}}
    with pytest.raises(ProofError, match="unsupported cryptosuite"):
        verify_proof(wrong_suite, issuer_key.public_key)


# Claim names no context defines (so never a keyword alias such as `id`), which the
# undefined-terms context maps to IRIs: JSON-LD accepts any JSON value under them.
CLAIM_NAMES = st.text(string.ascii_letters, min_size=1, max_size=8).map("claim".__add__)
CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://www.w3.org/ns/credentials/undefined-terms/v2",
]
json_leaf = st.one_of(
    st.booleans(),
    st.integers(-(2**53) + 1, 2**53 - 1),
    st.text(max_size=20),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(CLAIM_NAMES, inner, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None)
@given(
    subject=st.dictionaries(CLAIM_NAMES, json_value, min_size=1, max_size=5),
    replacement=st.text(min_size=1, max_size=5),
)
def test_round_trip_holds_and_any_changed_string_fails(subject, replacement):
    """For any subject content the proof verifies, and changing the name to anything else fails."""
    key = SigningKey.generate()
    credential = {
        "@context": CONTEXTS,
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "name": "Original",
        "credentialSubject": subject,
    }
    signed = create_proof(credential, key, "did:example:issuer#k", datetime.now().astimezone())
    verify_proof(signed, key.public_key)
    if replacement != "Original":
        with pytest.raises(ProofError):
            verify_proof({**signed, "name": replacement}, key.public_key)


def _string_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, str):
        return [prefix]
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    return [path for key, item in items for path in _string_paths(item, (*prefix, key))]


@settings(max_examples=100, deadline=None)
@given(
    subject=st.dictionaries(CLAIM_NAMES, json_value, min_size=1, max_size=5),
    data=st.data(),
)
def test_one_changed_character_in_any_string_of_the_secured_document_fails(subject, data):
    """Whatever the subject holds, the proof verifies, and changing any one character of any
    string anywhere in the secured document (proof included) fails it."""
    key = SigningKey.generate()
    credential = {
        "@context": CONTEXTS,
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": subject,
    }
    signed = create_proof(
        credential, key, "did:example:issuer#k", datetime(2026, 1, 1).astimezone()
    )
    verify_proof(signed, key.public_key)
    path = data.draw(st.sampled_from(_string_paths(signed)))
    tampered = copy.deepcopy(signed)
    parent = tampered
    for step in path[:-1]:
        parent = parent[step]
    original = parent[path[-1]]
    position = data.draw(st.integers(0, max(len(original) - 1, 0)))
    replacement = data.draw(
        st.characters(codec="utf-8").filter(lambda c: c != original[position : position + 1])
    )
    parent[path[-1]] = original[:position] + replacement + original[position + 1 :]
    with pytest.raises(ProofError):
        verify_proof(tampered, key.public_key)
