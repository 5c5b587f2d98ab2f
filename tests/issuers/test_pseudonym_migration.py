"""Stores written before ids were keyed: their passports and credential ids are still found."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, date, datetime
from uuid import UUID, uuid5

import httpx

from events.issuer import AchievementKind, Issuer
from events.passport import PASSPORT_NAMESPACE, Passport
from issuers.awarding import LEGACY_AWARD_NAMESPACE, Learner
from keys import DataKey
from passport.services import Services
from passport.settings import Settings
from passport.verification import verify_against_ledger
from tests.data.stores.make_store import settings_for
from tests.events.test_stores_last import STORES
from tests.passport.server import serving

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
STAFF = "ESR-40000001"
STAFF_V1 = "ESR-10000001"  # the learner of the committed v1 store (tests/data/stores)


def _legacy_passport(services: Services, issuer_id: UUID) -> tuple[UUID, str]:
    """A passport as the earlier code enrolled it: `uuid5` id, salted hash, one credential whose
    id was derived from the issuer and the idempotency key `old-key`."""
    legacy_id = uuid5(PASSPORT_NAMESPACE, STAFF)
    credential_id = f"urn:uuid:{uuid5(LEGACY_AWARD_NAMESPACE, f'{issuer_id}:old-key')}"
    salt = "0a1b2c3d"
    passport = Passport(
        id=legacy_id,
        identity_hash="sha256$" + hashlib.sha256((STAFF + salt).encode()).hexdigest(),
        salt=salt,
        personal=DataKey.generate(str(legacy_id)).seal("personal", "{}"),
    )
    passport.issue_credential(
        credential_id, str(issuer_id), "a1", "training", {"id": credential_id}, "a.b.c"
    )
    services.ledger.save(passport)
    return legacy_id, credential_id


def test_a_legacy_passport_is_found_by_staff_number_and_keeps_its_retries(services):
    """A learner enrolled under the old `uuid5` id keeps that id: new awards land in the same
    passport, a retry of an old idempotency key returns the old credential, and new awards get
    random ids and a keyed identity hash without a salt."""
    issuer = services.awarding.register_issuer("academy", "Academy", "https://a.example", NOW)
    achievement = services.awarding.define_achievement(
        issuer.id, name="IG", description="IG", criteria="Pass", kind=AchievementKind.TRAINING
    )
    legacy_id, old_credential = _legacy_passport(services, issuer.id)
    learner = Learner(STAFF.lower(), "Ann Example", "ann@example.nhs.net")

    assert services.ledger.learner_id_for(STAFF) == legacy_id
    retried = services.awarding.award(
        issuer.id,
        achievement,
        learner,
        earned_on=date(2026, 1, 1),
        at=NOW,
        idempotency_key="old-key",
    )
    assert (retried.learner_id, retried.credential_id) == (legacy_id, old_credential)

    new = services.awarding.award(
        issuer.id, achievement, learner, earned_on=date(2026, 1, 1), at=NOW, idempotency_key="new"
    )
    assert new.learner_id == legacy_id
    assert UUID(new.credential_id.removeprefix("urn:uuid:")).version == 4
    assert new.credential["credentialSubject"]["identifier"] == [
        {
            "type": "IdentityObject",
            "identityHash": services.ledger.pseudonyms.identity_hash(STAFF),
            "identityType": "identifier",
            "hashed": True,
        }
    ]
    assert set(services.ledger.learner(legacy_id).credentials) == {
        old_credential,
        new.credential_id,
    }
    services.projections.catch_up()
    assert verify_against_ledger(services, new.credential, NOW).verified


def test_a_new_learner_gets_a_keyed_id_that_the_code_alone_cannot_compute(services, tmp_path):
    """A learner enrolled now has the HMAC-derived id (RFC 9562 version 8), not the `uuid5` of
    the code's namespace; another ledger (another secret) gives the same number another id."""
    learner_id = services.ledger.enrol_learner(STAFF, "Ann Example", "ann@example.nhs.net")
    assert learner_id == services.ledger.pseudonyms.learner_id(STAFF)
    assert learner_id != uuid5(PASSPORT_NAMESPACE, STAFF)
    assert learner_id.version == 8
    assert services.ledger.enrol_learner(f" {STAFF.lower()} ", "Ann", "") == learner_id
    other = Settings(
        database_url=f"sqlite:///{tmp_path / 'other.sqlite3'}",
        base_url="https://other.test",
        key_dir=tmp_path / "other-keys",
        key_passphrase="another passphrase",
        _env_file=None,
    )
    elsewhere = Services.open(other)
    try:
        assert elsewhere.ledger.pseudonyms.learner_id(STAFF) != learner_id
    finally:
        elsewhere.close()


def test_the_pseudonym_secret_survives_a_restart_and_ignores_rotation(settings):
    """Reopening the ledger, even after the pseudonyms role was rotated, keeps every id."""
    first = Services.open(settings)
    try:
        learner_id = first.ledger.enrol_learner(STAFF, "Ann", "")
        first.key_store.rotate_role("pseudonyms")
    finally:
        first.close()
    again = Services.open(settings)
    try:
        assert again.ledger.learner_id_for(STAFF) == learner_id
    finally:
        again.close()


def test_the_committed_v1_store_keeps_its_ids_and_stops_publishing_its_salts(tmp_path):
    """On the store written before this change: the learner is found by staff number under the
    old id, a new award lands in that passport with a random id and a keyed hash, and the
    public inclusion proof of an old credential (which carries a salt) no longer holds it."""
    folder = tmp_path / "v1"
    shutil.copytree(STORES / "v1", folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    settings = settings_for(folder)
    services = Services.open(settings)
    try:
        learner_id = services.ledger.learner_id_for("esr-10000001")
        assert str(learner_id) == manifest["learner"]
        old = services.ledger.learner(learner_id).credentials[manifest["learner_credentials"][0]]
        assert "salt" in old["credential"]["credentialSubject"]["identifier"][0]
        issuer = Issuer.create_id("fixture-academy")
        achievement = next(
            a for a, d in services.ledger.issuer(issuer).achievements.items() if not d["retired"]
        )
        learner = Learner("ESR-10000001", "Ada Fixture", "ada@example.nhs.net")
        award = services.awarding.award(issuer, achievement, learner, earned_on=NOW.date(), at=NOW)
        assert award.learner_id == learner_id
        assert UUID(award.credential_id.removeprefix("urn:uuid:")).version == 4
        identifier = award.credential["credentialSubject"]["identifier"][0]
        assert identifier["identityHash"] == services.ledger.pseudonyms.identity_hash(STAFF_V1)
        assert "salt" not in identifier
    finally:
        services.close()
    with serving(settings) as base, httpx.Client(base_url=base, timeout=30) as http:
        for credential_id in manifest["learner_credentials"]:
            answer = http.get("/log/proof/inclusion", params={"credential_id": credential_id})
            assert answer.status_code == 200
            assert "entry" not in answer.json() and "salt" not in answer.text
