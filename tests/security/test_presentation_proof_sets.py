"""Attacks on a presentation's proof set or chain (issue 14) fail a named check."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from keys import SigningKey
from tests.verifier.presentation_proofs import (
    CHALLENGE,
    DOMAIN,
    SUITES,
    presentation,
    proof_by,
    proof_chain,
    proof_set,
)
from verifier import Outcome, PresentationReport, verify_presentation
from verifier.proofs import MAX_PROOFS

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
HOLDER = SigningKey.from_seed(b"presentation set attacks: holder")
WITNESS = SigningKey.from_seed(b"presentation set attack: witness")
STRANGER = SigningKey.from_seed(b"presentation set attack: strange")


def _vp() -> dict[str, Any]:
    """A presentation with no credentials: the holder's proofs are all that is judged."""
    return presentation(HOLDER, [])


def _verify(vp: Any) -> PresentationReport:
    return verify_presentation(vp, now=NOW, challenge=CHALLENGE, domain=DOMAIN)


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: s.CRYPTOSUITE)
def test_a_proof_spliced_in_from_another_presentation_fails_that_proof(suite):
    """A holder's valid proof of another presentation added to a set fails as proof 2 of 2."""
    vp = proof_set(suite, _vp(), HOLDER)
    other = {**_vp(), "id": "urn:uuid:another-presentation"}
    vp["proof"].append(proof_by(suite, other, HOLDER))
    report = _verify(vp)
    assert not report.verified
    assert report.check("presentation_proof_1").outcome is Outcome.PASSED
    spliced = report.check("presentation_proof_2")
    assert (spliced.outcome, spliced.problem) == (Outcome.FAILED, "bad_signature")
    assert report.check("presentation_proof").reason.startswith("proof 2 of 2: ")


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: s.CRYPTOSUITE)
def test_a_replayed_proof_added_beside_a_fresh_one_fails_the_challenge(suite):
    """A proof made for another request, next to one for this request, fails `challenge`."""
    document = _vp()
    fresh = proof_by(suite, document, HOLDER)
    replayed = proof_by(suite, document, WITNESS, challenge="an-earlier-request")
    report = _verify({**document, "proof": [fresh, replayed]})
    challenge = report.check("challenge")
    assert (challenge.outcome, challenge.problem) == (Outcome.FAILED, "challenge_mismatch")
    assert "proof 2 of 2" in challenge.reason and "replayed" in challenge.reason
    assert not report.verified


def test_a_proof_without_the_challenge_in_a_set_fails_it():
    """Every proof must carry the verifier's challenge, not only one of them."""
    document = _vp()
    bare = proof_by(SUITES[0], document, WITNESS, challenge=None)
    report = _verify({**document, "proof": [proof_by(SUITES[0], document, HOLDER), bare]})
    assert report.check("presentation_proof").outcome is Outcome.PASSED
    challenge = report.check("challenge")
    assert (challenge.outcome, challenge.problem) == (Outcome.FAILED, "missing_challenge")
    assert "proof 2 of 2 has no challenge" in challenge.reason
    assert not report.verified


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: s.CRYPTOSUITE)
def test_a_set_signed_only_by_others_does_not_make_them_the_holder(suite):
    """Two valid proofs by keys that are not the named holder's fail `holder`."""
    report = _verify(proof_set(suite, _vp(), WITNESS, STRANGER))
    assert report.check("presentation_proof").outcome is Outcome.PASSED
    holder = report.check("holder")
    assert (holder.outcome, holder.problem) == (Outcome.FAILED, "holder_mismatch")
    assert not report.verified


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: s.CRYPTOSUITE)
def test_dropping_the_proof_a_chain_names_fails_naming_it(suite):
    """The chained proof alone, without the proof it names, fails with that proof's id."""
    vp = proof_chain(suite, _vp(), HOLDER, WITNESS)
    missing = vp["proof"][0]["id"]
    vp["proof"] = [vp["proof"][1]]
    proof = _verify(vp).check("presentation_proof")
    assert (proof.outcome, proof.problem) == (Outcome.FAILED, "bad_signature")
    assert missing in proof.reason


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: s.CRYPTOSUITE)
def test_swapping_the_earlier_proof_of_a_chain_breaks_the_later_one(suite):
    """Replacing the first proof by another valid one (new created time) fails the chained proof,
    which signed the first."""
    vp = proof_chain(suite, _vp(), HOLDER, WITNESS)
    redone = proof_by(suite, _vp(), HOLDER, id=vp["proof"][0]["id"], created="2026-03-01T00:00:00Z")
    vp["proof"][0] = redone
    report = _verify(vp)
    assert report.check("presentation_proof_1").outcome is Outcome.PASSED
    assert report.check("presentation_proof_2").problem == "bad_signature"
    assert not report.verified


def test_a_set_with_an_assertion_proof_is_refused():
    """A proof made for `assertionMethod`, not `authentication`, fails even inside a set."""
    document = _vp()
    wrong = proof_by(SUITES[1], document, WITNESS)
    wrong["proofPurpose"] = "assertionMethod"
    report = _verify({**document, "proof": [proof_by(SUITES[1], document, HOLDER), wrong]})
    assert "proof purpose must be authentication" in report.check("presentation_proof_2").reason
    assert not report.verified


def test_a_presentation_with_too_many_proofs_is_refused_before_any_is_checked():
    """More than MAX_PROOFS holder proofs are refused with a reason, bounding one request's work."""
    vp = proof_set(SUITES[1], _vp(), HOLDER)
    vp["proof"] = [copy.deepcopy(vp["proof"][0])] * (MAX_PROOFS + 1)
    report = _verify(vp)
    proof = report.check("presentation_proof")
    assert proof.outcome is Outcome.FAILED
    assert f"at most {MAX_PROOFS}" in proof.reason
    assert not any(c.id.startswith("presentation_proof_") for c in report.checks)
