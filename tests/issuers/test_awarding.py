"""Awarding on real stores: both forms verify, retries issue nothing twice, rotation holds."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from events.errors import AchievementNotFoundError, CredentialIdTakenError, IssuerKeyError
from issuers.awarding import Learner
from passport.services import Services
from passport.verification import verify_against_ledger
from tests.issuers.academy import NOW, register_academy

ANN = Learner("NMC-12A3456B", "Ann Example", "ann@example.nhs.net")


def test_an_award_earned_before_the_issuer_key_existed_verifies_in_both_forms(services):
    """A completion earned last month but signed today verifies as JSON proof and as JWT."""
    issuer_id, achievement = register_academy(services)
    award = services.awarding.award(
        issuer_id, achievement, ANN, earned_on=date(2026, 10, 20), at=NOW
    )
    services.projections.catch_up()
    for form in (award.credential, award.jwt):
        report = verify_against_ledger(services, form, NOW)
        assert report.verified, [c for c in report.checks if c.outcome != "passed"]
    assert award.credential["validUntil"] == "2027-10-20T00:00:00Z"


def test_retrying_with_the_same_idempotency_key_issues_nothing_twice(services):
    """The same request retried returns the same credential and the passport holds one."""
    issuer_id, achievement = register_academy(services)
    first = services.awarding.award(
        issuer_id,
        achievement,
        ANN,
        earned_on=date(2026, 10, 20),
        at=NOW,
        idempotency_key="lms-run-42/row-7",
    )
    again = services.awarding.award(
        issuer_id,
        achievement,
        ANN,
        earned_on=date(2026, 10, 20),
        at=NOW + timedelta(minutes=5),
        idempotency_key="lms-run-42/row-7",
    )
    assert again.credential == first.credential
    assert list(services.ledger.learner(first.learner_id).credentials) == [first.credential_id]


def test_after_key_rotation_old_credentials_verify_and_new_ones_use_the_new_key(services):
    """Rotating the issuer key retires the old one from then on without breaking its credentials."""
    issuer_id, achievement = register_academy(services)
    old = services.awarding.award(issuer_id, achievement, ANN, earned_on=date(2026, 11, 1), at=NOW)
    new_key = services.awarding.rotate_issuer_key(issuer_id, NOW + timedelta(days=1))
    new = services.awarding.award(
        issuer_id, achievement, ANN, earned_on=date(2026, 11, 2), at=NOW + timedelta(days=2)
    )
    services.projections.catch_up()
    later = NOW + timedelta(days=3)
    assert verify_against_ledger(services, old.credential, later).verified
    assert verify_against_ledger(services, old.jwt, later).verified
    assert new.credential["proof"][0]["verificationMethod"] == new_key
    assert verify_against_ledger(services, new.credential, later).verified


def test_the_same_learner_keeps_one_passport_and_one_identity_hash(services):
    """Two awards to one staff identifier land in one passport with the same identity hash."""
    issuer_id, achievement = register_academy(services)
    a = services.awarding.award(issuer_id, achievement, ANN, earned_on=date(2026, 1, 1), at=NOW)
    b = services.awarding.award(
        issuer_id,
        achievement,
        Learner(ANN.staff_identifier, ANN.name, "ann@new-trust.nhs.net"),
        earned_on=date(2026, 2, 1),
        at=NOW,
    )
    assert a.learner_id == b.learner_id
    hashes = {x.credential["credentialSubject"]["identifier"][0]["identityHash"] for x in (a, b)}
    assert len(hashes) == 1


def test_awarding_an_unknown_achievement_changes_nothing(services):
    """An award of an achievement the issuer never defined is refused before anything is written."""
    issuer_id, _ = register_academy(services)
    before = services.ledger.recorder.max_notification_id()
    with pytest.raises(AchievementNotFoundError):
        services.awarding.award(
            issuer_id, "no-such-achievement", ANN, earned_on=date(2026, 1, 1), at=NOW
        )
    assert services.ledger.recorder.max_notification_id() == before


def test_a_did_key_issuer_cannot_rotate_its_key(services: Services):
    """Its DID is its key: a new key would make it another issuer."""
    issuer = services.awarding.register_issuer(
        "fixed-key", "Fixed Key Academy", "https://fixed.example", NOW, did_method="key"
    )
    assert issuer.did.startswith("did:key:z6Mk")
    with pytest.raises(IssuerKeyError, match="cannot change"):
        services.awarding.rotate_issuer_key(issuer.id, NOW + timedelta(days=1))


def test_a_credential_id_already_recorded_never_reaches_the_log_twice(services: Services):
    """Two issue requests can race past the read models' id check; the id's claim, written with
    the credential, refuses the second. The first stays the one read; the read models go on."""
    first = services.awarding.register_issuer("race-one", "Race One", "https://1.example", NOW)
    second = services.awarding.register_issuer("race-two", "Race Two", "https://2.example", NOW)
    shared = "urn:uuid:2c0d8c4e-5b1e-4f7a-9a55-000000000001"

    def credential(did: str, subject: str) -> dict[str, object]:
        return {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": shared,
            "type": ["VerifiableCredential"],
            "issuer": did,
            "credentialSubject": {"id": subject, "name": "Claim"},
        }

    services.awarding.issue_document(first.id, credential(first.did, "did:example:a"), NOW)
    with pytest.raises(CredentialIdTakenError):
        services.awarding.issue_document(second.id, credential(second.did, "did:example:b"), NOW)
    services.projections.catch_up()
    record = services.views.credential(shared)
    assert record is not None and record["issuer_id"] == str(first.id)
    later = services.awarding.register_issuer("after", "After", "https://3.example", NOW)
    services.projections.catch_up()
    assert str(later.id) in {issuer.id for issuer in services.views.issuers()}
