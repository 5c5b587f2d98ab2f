"""Attacks on proof sets, proof chains and legacy proofs (issue 14) fail with a named check."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from keys import SigningKey, did_key, did_key_verification_method
from tests.registries import did_key_issuer
from verifier import Outcome, eddsa_jcs_2022, eddsa_rdfc_2022, verify_credential
from verifier.proofs import MAX_PROOFS

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SIGNED = datetime(2026, 2, 1, tzinfo=UTC)
ISSUER = SigningKey.from_seed(b"proof set security: the issuer!!")
OTHER = SigningKey.from_seed(b"proof set security: someone else")
ISSUER_METHOD = did_key_verification_method(ISSUER.public_key)
OTHER_METHOD = did_key_verification_method(OTHER.public_key)
TRUST = did_key_issuer(ISSUER, "Proof Set Academy")
SUITES = [eddsa_rdfc_2022, eddsa_jcs_2022]


def _credential(subject: str = "urn:example:learner") -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "id": "urn:uuid:4f3d1c5e-0d7e-4c55-9d0a-3c2f1b0e0001",
        "type": ["VerifiableCredential"],
        "issuer": did_key(ISSUER.public_key),
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": subject, "completed": True},
    }


def _proof_set(suite: Any, document: dict[str, Any]) -> dict[str, Any]:
    """Signed by someone else and by the issuer, independently (a proof set)."""
    first = suite.create_proof(document, OTHER, OTHER_METHOD, SIGNED)["proof"]
    second = suite.create_proof(document, ISSUER, ISSUER_METHOD, SIGNED)["proof"]
    return {**document, "proof": [first, second]}


@pytest.mark.parametrize("suite", SUITES)
def test_a_proof_set_by_the_issuer_and_another_party_verifies_under_the_registry(suite):
    """The issuer's proof speaks for the issuer wherever it sits in the set, and both verify."""
    report = verify_credential(_proof_set(suite, _credential()), now=NOW, trust=TRUST)
    assert report.verified, report.to_dict()
    assert report.check("proof_1").outcome is Outcome.PASSED
    assert report.check("proof_2").outcome is Outcome.PASSED


@pytest.mark.parametrize("suite", SUITES)
def test_a_proof_spliced_in_from_another_credential_fails_the_set(suite):
    """A valid issuer proof of another credential added to a set does not verify over this one."""
    mine = _proof_set(suite, _credential())
    theirs = suite.create_proof(_credential("urn:example:other"), ISSUER, ISSUER_METHOD, SIGNED)
    mine["proof"].append(theirs["proof"])
    report = verify_credential(mine, now=NOW, trust=TRUST)
    assert not report.verified
    assert report.check("proof").outcome is Outcome.FAILED
    assert report.check("proof_3").problem == "bad_signature"
    assert "proof 3 of 3" in report.check("proof").reason


@pytest.mark.parametrize("suite", SUITES)
def test_a_chain_naming_a_proof_that_is_not_there_fails(suite):
    """A `previousProof` that matches no proof in the document fails, naming the missing id."""
    document = _credential()
    extra = {"previousProof": "urn:uuid:not-in-this-document"}
    signed = suite.create_proof(
        {**document, "proof": []}, ISSUER, ISSUER_METHOD, SIGNED, extra_options=extra
    )
    report = verify_credential(signed, now=NOW, trust=TRUST)
    proof = report.check("proof")
    assert (proof.outcome, proof.problem) == (Outcome.FAILED, "bad_signature")
    assert "urn:uuid:not-in-this-document" in proof.reason


def test_a_proof_naming_itself_as_previous_proof_does_not_count_as_a_chain():
    """A proof whose `previousProof` is its own id is refused as a missing earlier proof."""
    signed = eddsa_rdfc_2022.create_proof(
        _credential(),
        ISSUER,
        ISSUER_METHOD,
        SIGNED,
        extra_options={"id": "urn:uuid:me", "previousProof": "urn:uuid:me"},
    )
    proof = verify_credential(signed, now=NOW, trust=TRUST).check("proof")
    assert proof.outcome is Outcome.FAILED
    assert "urn:uuid:me" in proof.reason


def test_a_document_with_too_many_proofs_is_refused_before_any_is_checked():
    """More than MAX_PROOFS proofs is refused with a reason, bounding one request's work."""
    signed = eddsa_jcs_2022.create_proof(_credential(), ISSUER, ISSUER_METHOD, SIGNED)
    flooded = {**signed, "proof": [copy.deepcopy(signed["proof"])] * (MAX_PROOFS + 1)}
    proof = verify_credential(flooded, now=NOW, trust=TRUST).check("proof")
    assert proof.outcome is Outcome.FAILED
    assert f"at most {MAX_PROOFS}" in proof.reason


def test_an_unknown_suite_hidden_in_a_set_fails_the_set():
    """One proof of an unsupported suite in a set fails it; the good proof does not carry it."""
    signed = _proof_set(eddsa_rdfc_2022, _credential())
    signed["proof"][0] = {**signed["proof"][0], "cryptosuite": "ecdsa-rdfc-2019"}
    report = verify_credential(signed, now=NOW, trust=TRUST)
    assert report.check("proof_1").reason == "unsupported cryptosuite ecdsa-rdfc-2019"
    assert not report.verified


def test_a_data_integrity_proof_relabelled_as_ed25519_signature_2020_fails():
    """Relabelling an eddsa-rdfc-2022 proof as the legacy suite (same hashing) fails its proof."""
    signed = eddsa_rdfc_2022.create_proof(_credential(), ISSUER, ISSUER_METHOD, SIGNED)
    signed["@context"].append("https://w3id.org/security/suites/ed25519-2020/v1")
    proof = {k: v for k, v in signed["proof"].items() if k != "cryptosuite"}
    signed["proof"] = {**proof, "type": "Ed25519Signature2020"}
    check = verify_credential(signed, now=NOW, trust=TRUST).check("proof")
    assert (check.outcome, check.problem) == (Outcome.FAILED, "bad_signature")


@pytest.mark.parametrize("suite", SUITES)
def test_a_credential_proof_past_its_expires_fails(suite):
    """A proof whose `expires` has passed fails `proof` as `proof_expired` (Data Integrity §2.1)."""
    extra = {"expires": "2026-06-01T00:00:00Z"}
    signed = suite.create_proof(_credential(), ISSUER, ISSUER_METHOD, SIGNED, extra_options=extra)
    proof = verify_credential(signed, now=NOW, trust=TRUST).check("proof")
    assert (proof.outcome, proof.problem) == (Outcome.FAILED, "proof_expired")
    assert "2026-06-01 00:00" in proof.reason
    before = datetime(2026, 5, 1, tzinfo=UTC)
    assert verify_credential(signed, now=before, trust=TRUST).verified
