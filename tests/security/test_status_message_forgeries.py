"""Attacks on the one two-bit status entry: rewriting what a value means, downgrading its size,
and bringing a revoked credential back."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from typing import Any

import pytest

from events.errors import StatusChangeError
from events.issuer import AchievementKind
from issuers.awarding import Award, Learner
from passport.publishing import status_list_at
from passport.services import Services
from passport.verification import verify_against_ledger
from verifier.report import Outcome
from verifier.status_list import bit_at, check_status, decode_encoded_list

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def revoked(services: Services) -> Award:
    """A credential of ours, revoked: its entry's value is 0x1."""
    issuer = services.awarding.register_issuer("academy", "Academy", "https://a.example", NOW)
    achievement = services.awarding.define_achievement(
        issuer.id,
        name="Safeguarding Adults",
        description="Level 2",
        criteria="Pass",
        kind=AchievementKind.TRAINING,
        refresher_months=36,
    )
    award = services.awarding.award(
        issuer.id,
        achievement,
        Learner("NMC-99A9999Z", "Eve Example", "eve@example.nhs.net"),
        earned_on=date(2026, 11, 1),
        at=NOW,
    )
    services.ledger.revoke_credential(award.learner_id, award.credential_id, "not passed")
    services.projections.catch_up()
    return award


def _list(services: Services, award: Award) -> dict[str, Any]:
    document = status_list_at(
        services, award.credential["credentialStatus"]["statusListCredential"]
    )
    assert document is not None
    return document


@pytest.mark.parametrize(
    "rewrite",
    [
        lambda e: e["statusMessage"][1].update(message="valid"),
        lambda e: e.update(statusSize=1, statusMessage=e["statusMessage"][:2]),
        lambda e: e.update(statusListIndex=str(int(e["statusListIndex"]) + 1)),
    ],
    ids=["0x1 means valid", "one bit instead of two", "the neighbour's place"],
)
def test_a_holder_cannot_rewrite_the_signed_entry(services, revoked, rewrite):
    """Editing the entry (what 0x1 means, its size, its place) breaks the issuer's proof: the
    credential does not verify, and never as "not revoked"."""
    forged = copy.deepcopy(revoked.credential)
    rewrite(forged["credentialStatus"])
    report = verify_against_ledger(services, forged, NOW)
    assert not report.verified
    assert report.check("proof").outcome is Outcome.FAILED
    assert report.check("status").outcome is not Outcome.PASSED


def test_a_list_that_says_0x1_means_valid_decides_nothing(services, revoked):
    """A list carrying its own statusMessage, where 0x1 is "valid", does not override the
    meaning the credential committed to: the status is unknown, not cleared."""
    document = _list(services, revoked)
    entry = revoked.credential["credentialStatus"]
    relabelled = [
        {**m, "message": "valid"} if m["status"] == "0x1" else m for m in entry["statusMessage"]
    ]
    document["credentialSubject"]["statusMessage"] = relabelled
    outcome = check_status(entry, document, now=NOW)
    assert outcome.state == "unknown"
    assert "statusMessage differs" in outcome.reason
    document["credentialSubject"].pop("statusMessage")
    document["credentialSubject"]["statusSize"] = 1  # read as one bit: a different place
    assert check_status(entry, document, now=NOW).state == "unknown"


def test_a_revoked_credential_never_becomes_valid_or_suspended_again(services, revoked):
    """Revocation is final: reinstating or suspending a revoked credential is refused, and its
    published value stays 0x1 (revoked)."""
    for change in (services.ledger.reinstate_credential, services.ledger.suspend_credential):
        with pytest.raises(StatusChangeError):
            change(revoked.learner_id, revoked.credential_id, "try again")
    services.projections.catch_up()
    entry = revoked.credential["credentialStatus"]
    bits = decode_encoded_list(_list(services, revoked)["credentialSubject"]["encodedList"])
    assert bit_at(bits, int(entry["statusListIndex"]), 2) == 1
    report = verify_against_ledger(services, revoked.credential, NOW)
    assert report.check("status").problem == "revoked"
