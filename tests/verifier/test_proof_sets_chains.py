"""The W3C vc-di-eddsa proof-set, proof-chain and Ed25519Signature2020 vectors reproduce, verify."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from keys import SigningKey
from keys.multibase import encode_base58btc
from tests.verifier.conftest import NOW, VECTORS
from verifier import Outcome, Policy, Trust, verify_credential
from verifier.eddsa_rdfc_2022 import canonical_nquads, hash_data
from verifier.proofs import all_proofs, covered_document

CHAIN = VECTORS / "proof-set-chain"
EDSIG = VECTORS / "Ed25519Signature2020"
SIGNED = ["signedProofSet1", "signedProofSet2", "signedProofChain1", "signedProofChain2"]
PROOF_ONLY = Trust().with_policy(Policy.PROOF_ONLY)


def _json(path: Path) -> Any:
    return json.loads(path.read_text())


def _keys() -> dict[str, SigningKey]:
    """The vectors' signing keys by public multibase."""
    pairs = _json(CHAIN / "multiKeyPairs.json").values()
    return {
        p["publicKeyMultibase"]: SigningKey.from_private_multibase(p["privateKeyMultibase"])
        for p in pairs
    }


def _proof_values(document: dict[str, Any]) -> list[str]:
    return [p["proofValue"] for p in all_proofs(document)]


@pytest.mark.parametrize("name", SIGNED)
def test_each_proof_of_the_spec_vectors_is_reproduced_byte_for_byte(name):
    """Re-signing what each proof covers with the vectors' keys gives the published proofValue."""
    signed = _json(CHAIN / f"{name}.json")
    keys = _keys()
    proofs = all_proofs(signed)
    for proof in proofs:
        options = {k: v for k, v in proof.items() if k != "proofValue"}
        covered = covered_document(signed, proof, proofs)
        config = {**options, "@context": covered["@context"]}
        key = keys[proof["verificationMethod"].split("#")[1]]
        assert encode_base58btc(key.sign(hash_data(covered, config))) == proof["proofValue"]


@pytest.mark.parametrize(("signed", "temp"), [("Chain1", "1"), ("Chain2", "2")])
def test_a_chained_proof_covers_the_documents_the_spec_shows(signed, temp):
    """The document a chained proof covers equals the spec's intermediate `proofChainTempDoc`."""
    document = _json(CHAIN / f"signedProof{signed}.json")
    proofs = all_proofs(document)
    expected = _json(CHAIN / f"proofChainTempDoc{temp}.json")
    chained = [p for p in proofs if "previousProof" in p]
    assert covered_document(document, chained[-1], proofs) == expected


@pytest.mark.parametrize("name", SIGNED)
def test_every_proof_set_and_chain_vector_verifies_with_each_proof_reported(name):
    """Every proof verifies and is its own named check; only the issuer (an https URL that
    controls none of the did:keys, as the vectors' README warns) keeps it from verifying."""
    report = verify_credential(_json(CHAIN / f"{name}.json"), now=NOW, trust=PROOF_ONLY)
    count = len(all_proofs(_json(CHAIN / f"{name}.json")))
    assert report.check("proof").outcome is Outcome.PASSED
    each = [c for c in report.checks if c.id.startswith("proof_")]
    assert len(each) == (count if count > 1 else 0)
    assert all(c.outcome is Outcome.PASSED for c in each)
    assert report.check("issuer").problem == "issuer_mismatch"
    assert report.form == "eddsa-rdfc-2022"


@pytest.mark.parametrize("name", SIGNED)
def test_a_tampered_copy_of_each_vector_fails_its_proofs(name):
    """Changing the subject after signing fails `proof` and every per-proof check."""
    tampered = _json(CHAIN / f"{name}.json")
    tampered["credentialSubject"]["alumniOf"] = "The School of Forgeries"
    report = verify_credential(tampered, now=NOW, trust=PROOF_ONLY)
    proof = report.check("proof")
    assert (proof.outcome, proof.problem) == (Outcome.FAILED, "bad_signature")
    assert all(c.outcome is Outcome.FAILED for c in report.checks if c.id.startswith("proof_"))
    assert report.check("issuer").outcome is Outcome.UNKNOWN  # not judged after a bad proof


def test_dropping_a_proof_that_a_chain_names_fails_with_the_missing_id():
    """Removing an earlier proof of a chain fails the chained proof, naming what is missing."""
    chain = _json(CHAIN / "signedProofChain1.json")
    chain["proof"] = [p for p in chain["proof"] if not p["id"].startswith("urn:uuid:8cc9")]
    report = verify_credential(chain, now=NOW, trust=PROOF_ONLY)
    assert report.check("proof").outcome is Outcome.FAILED
    chained = report.check("proof_2")
    assert chained.outcome is Outcome.FAILED
    assert "urn:uuid:8cc9022b-6b14-4cf3-8571-74972c5feb54" in chained.reason
    assert "previousProof" in chained.reason
    assert report.check("proof_1").outcome is Outcome.PASSED


def test_a_single_string_previous_proof_resolves():
    """In the second chain the last proof names one earlier proof as a string, and verifies."""
    chain = _json(CHAIN / "signedProofChain2.json")
    assert isinstance(chain["proof"][3]["previousProof"], str)
    report = verify_credential(chain, now=NOW, trust=PROOF_ONLY)
    assert report.check("proof_4").outcome is Outcome.PASSED
    assert "chained" in report.check("proof_4").name


def test_the_ed25519_signature_2020_vector_reproduces_step_by_step():
    """The legacy suite's canonical forms, hashes and signature equal the spec's example."""
    signed = _json(EDSIG / "signedEdSig.json")
    texts = {p.stem: p.read_text().strip() for p in EDSIG.glob("*.txt")}
    key_pair = _json(VECTORS / "keyPair.json")
    key = SigningKey.from_private_multibase(key_pair["privateKeyMultibase"])
    document = {k: v for k, v in signed.items() if k != "proof"}
    config = _json(EDSIG / "proofConfigEdSig.json")
    assert canonical_nquads(document).strip() == texts["canonDocEdSig"]
    assert canonical_nquads(config).strip() == texts["proofCanonEdSig"]
    data = hash_data(document, config)
    assert data.hex() == texts["combinedHashEdSig"]
    assert hashlib.sha256(canonical_nquads(config).encode()).hexdigest() == texts["proofHashEdSig"]
    assert (
        encode_base58btc(key.sign(data)) == texts["sigBTC58EdSig"] == signed["proof"]["proofValue"]
    )


def test_the_ed25519_signature_2020_vector_verifies_and_is_named_correctly():
    """The signed example verifies under its own suite name, not `unsupported cryptosuite`."""
    report = verify_credential(_json(EDSIG / "signedEdSig.json"), now=NOW, trust=PROOF_ONLY)
    assert report.form == "Ed25519Signature2020"
    proof = report.check("proof")
    assert proof.outcome is Outcome.PASSED
    assert proof.reason.startswith("Ed25519Signature2020 signature verifies")


def test_a_tampered_ed25519_signature_2020_credential_fails_its_proof():
    """Changing the credential after an Ed25519Signature2020 proof fails `proof`."""
    tampered = copy.deepcopy(_json(EDSIG / "signedEdSig.json"))
    tampered["name"] = "Forged Credential"
    proof = verify_credential(tampered, now=NOW, trust=PROOF_ONLY).check("proof")
    assert (proof.outcome, proof.problem) == (Outcome.FAILED, "bad_signature")
    assert "does not match" in proof.reason


def test_an_ed25519_signature_2020_proof_without_its_suite_context_is_refused_clearly():
    """Without the suite's context its terms are undefined; the reason says which context."""
    signed = _json(EDSIG / "signedEdSig.json")
    signed["@context"] = signed["@context"][:2]
    proof = verify_credential(signed, now=NOW, trust=PROOF_ONLY).check("proof")
    assert proof.outcome is Outcome.FAILED
    assert "https://w3id.org/security/suites/ed25519-2020/v1" in proof.reason
