"""Presentations secured by a proof set or a proof chain (Data Integrity §2.1.2, §2.1.3) verify,
every proof checked and reported on its own."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from keys import SigningKey, did_key
from tests.verifier.conftest import NOW
from tests.verifier.presentation_proofs import (
    CHALLENGE,
    DOMAIN,
    SUITES,
    presentation,
    proof_by,
    proof_chain,
    proof_set,
)
from verifier import (
    Outcome,
    eddsa_jcs_2022,
    eddsa_rdfc_2022,
    verify_document,
    verify_presentation,
)
from verifier.data_integrity import unsecured

HOLDER = SigningKey.from_seed(b"presentation proof sets: holder!")
WITNESS = SigningKey.from_seed(b"presentation proof sets: witness")


@pytest.fixture
def credential(unsigned_credential, issuer_key, method) -> dict[str, Any]:
    """A credential the `trust` fixture's registry recognises, signed eddsa-rdfc-2022."""
    return eddsa_rdfc_2022.create_proof(unsigned_credential, issuer_key, method, NOW)


def _outcomes(report: Any) -> dict[str, str]:
    return {c.id: c.outcome.value for c in report.checks}


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: s.CRYPTOSUITE)
def test_a_presentation_signed_by_its_holder_and_a_witness_as_a_proof_set_verifies(
    suite: ModuleType, credential, trust
):
    """Both proofs of the set verify, each is its own check, and the holder's key is among them."""
    vp = proof_set(suite, presentation(HOLDER, [credential]), WITNESS, HOLDER)
    report = verify_presentation(vp, now=NOW, trust=trust, challenge=CHALLENGE, domain=DOMAIN)
    assert report.verified, report.to_dict()
    assert _outcomes(report) == {
        "presentation_well_formed": "passed",
        "presentation_proof": "passed",
        "presentation_proof_1": "passed",
        "presentation_proof_2": "passed",
        "holder": "passed",
        "challenge": "passed",
        "domain": "passed",
    }
    assert report.check("presentation_proof").reason.startswith("all 2 proofs of the proof set")
    assert report.check("presentation_proof_2").name == "Holder's proof 2 of 2"
    assert did_key(WITNESS.public_key) in report.check("holder").reason


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: s.CRYPTOSUITE)
def test_a_presentation_countersigned_as_a_proof_chain_verifies(
    suite: ModuleType, credential, trust
):
    """The holder signs, a witness signs over the holder's proof: both verify, the second as a
    chained proof naming the first."""
    vp = proof_chain(suite, presentation(HOLDER, [credential]), HOLDER, WITNESS)
    report = verify_presentation(vp, now=NOW, trust=trust, challenge=CHALLENGE, domain=DOMAIN)
    assert report.verified, report.to_dict()
    assert report.check("presentation_proof").reason.startswith("all 2 proofs of the proof chain")
    chained = report.check("presentation_proof_2")
    assert chained.outcome is Outcome.PASSED
    assert chained.name.startswith("Holder's proof 2 of 2 chained")


def test_a_set_may_mix_the_two_cryptosuites(credential, trust):
    """One proof eddsa-rdfc-2022 and one eddsa-jcs-2022 over the same presentation both verify."""
    document = presentation(HOLDER, [credential])
    proofs = [
        proof_by(eddsa_rdfc_2022, document, HOLDER),
        proof_by(eddsa_jcs_2022, document, WITNESS),
    ]
    vp = {**unsecured(document), "proof": proofs}
    report = verify_presentation(vp, now=NOW, trust=trust, challenge=CHALLENGE, domain=DOMAIN)
    assert report.verified, report.to_dict()
    assert "eddsa-rdfc-2022, eddsa-jcs-2022" in report.check("presentation_proof").reason


def test_a_presentation_file_with_a_proof_set_reports_each_proof(credential, trust):
    """`passport verify`'s document path judges the holder's set and lists each proof."""
    vp = proof_set(eddsa_jcs_2022, presentation(HOLDER, [credential]), HOLDER, WITNESS)
    report = verify_document(vp, now=NOW, trust=trust)
    ids = [c.id for c in report.checks]
    assert ids[:4] == [
        "presentation_well_formed",
        "presentation_proof",
        "presentation_proof_1",
        "presentation_proof_2",
    ]
    assert report.verified, report.to_dict()


def test_one_proof_in_a_list_is_still_one_proof(credential, trust):
    """A single proof given as a list of one is judged as before, with no per-proof checks."""
    vp = proof_set(eddsa_rdfc_2022, presentation(HOLDER, [credential]), HOLDER)
    report = verify_presentation(vp, now=NOW, trust=trust, challenge=CHALLENGE, domain=DOMAIN)
    assert report.verified
    assert not any(c.id.startswith("presentation_proof_") for c in report.checks)
