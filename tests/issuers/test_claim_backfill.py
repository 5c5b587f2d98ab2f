"""Credentials recorded before claims existed get their claim once, so their retries are retries."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID

import pytest

from events.errors import IdempotencyKeyReusedError
from events.issuer import AchievementKind
from events.passport import credential_issued_after
from issuers.awarding import Learner
from issuers.claim_backfill import backfill_claims
from issuers.credentials import open_badge_credential
from passport.services import Services
from projections.idempotency import IdempotencyKeys
from tests.data.stores.make_store import settings_for
from tests.events.test_stores_last import STORES
from tests.tamper import flip_byte
from verifier import eddsa_jcs_2022
from verifier.jose import encode_vc_jwt

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
EARNED = date(2026, 11, 1)
STAFF = "ESR-70000001"
KEY = "cohort-7-row-1"


def _award_the_old_way(services: Services, issuer_id: UUID, achievement_id: str) -> str:
    """Record an award as the code before claims did: a random credential id found again by
    its idempotency key, a signed credential appended to a keyed passport, and no claim."""
    issuer = services.ledger.issuer(issuer_id)
    assert issuer.current_key is not None
    credential_id = IdempotencyKeys(services.read_models).credential_ids(str(issuer_id), [KEY])[KEY]
    learner_id = services.ledger.enrol_learner(STAFF, "Cara Example", "cara@example.nhs.net")
    unsigned = open_badge_credential(
        credential_id=credential_id.removeprefix("urn:uuid:"),
        issuer_did=issuer.did,
        issuer_name=issuer.name,
        issuer_url=issuer.url,
        achievement=issuer.achievements[achievement_id]["achievement"],
        identity_hash=services.ledger.pseudonyms.identity_hash(STAFF),
        earned_on=EARNED,
        refresher_months=None,
        credits_earned=None,
    )
    signer = services.key_store.signer(issuer.current_key.rsplit("#", 1)[1])
    credential = eddsa_jcs_2022.create_proof(
        unsigned, signer, issuer.current_key, created=NOW, proof_as_array=True
    )
    jwt = encode_vc_jwt(unsigned, signer, issuer.current_key, issued_at=NOW)
    head = services.ledger.recorder.select_events(learner_id, desc=True, limit=1)[0]
    services.ledger.save(
        credential_issued_after(
            learner_id,
            head.originator_version,
            credential_id=credential_id,
            issuer_id=str(issuer_id),
            achievement_id=achievement_id,
            kind=AchievementKind.TRAINING.value,
            credential=credential,
            jwt=jwt,
        )
    )
    return credential_id


def _issued_events(services: Services, learner_id: UUID) -> int:
    return sum(
        e.topic.endswith("Passport.CredentialIssued")
        for e in services.ledger.recorder.select_events(learner_id)
    )


@pytest.fixture
def old_way_store(tmp_path: Path) -> tuple[Path, UUID, str, str]:
    """A copy of the committed v1 store with one more award recorded without a claim, and the
    store then as the code before this backfill left it (no record of a backfill)."""
    folder = tmp_path / "v1"
    shutil.copytree(STORES / "v1", folder)
    services = Services.open(settings_for(folder))
    try:
        issuer = services.awarding.register_issuer("old", "Old Academy", "https://o.example", NOW)
        achievement = services.awarding.define_achievement(
            issuer.id, name="IG", description="IG", criteria="Pass", kind=AchievementKind.TRAINING
        )
        credential_id = _award_the_old_way(services, issuer.id, achievement)
        assert services.ledger.credential_claim(credential_id) is None
    finally:
        services.close()
    with sqlite3.connect(folder / "ledger.sqlite3") as db:
        db.execute("DROP TABLE IF EXISTS ledger_backfills")
        db.execute("DROP TABLE IF EXISTS schema_setup")  # nor of a schema set up by this code
    return folder, issuer.id, achievement, credential_id


def test_a_retry_of_an_award_recorded_before_claims_returns_it_and_records_nothing(
    old_way_store: tuple[Path, UUID, str, str],
):
    """After the store is opened, retrying the old award's idempotency key answers with the
    credential recorded then, and the passport still holds it once; the same key with another
    award is refused as a reused key."""
    folder, issuer_id, achievement, credential_id = old_way_store
    services = Services.open(settings_for(folder))
    try:
        learner = Learner(STAFF, "Cara Example", "cara@example.nhs.net")
        learner_id = services.ledger.learner_id_for(STAFF)
        first = services.ledger.learner(learner_id).credentials[credential_id]["credential"]
        retried = services.awarding.award(
            issuer_id, achievement, learner, earned_on=EARNED, at=NOW, idempotency_key=KEY
        )
        assert retried.credential_id == credential_id
        assert retried.credential == first
        assert _issued_events(services, learner_id) == 1
        with pytest.raises(IdempotencyKeyReusedError):
            services.awarding.award(
                issuer_id,
                achievement,
                learner,
                earned_on=date(2026, 11, 2),
                at=NOW,
                idempotency_key=KEY,
            )
        assert _issued_events(services, learner_id) == 1
        claim = services.ledger.credential_claim(credential_id)
        assert claim is not None and claim.learner_id == learner_id
    finally:
        services.close()


def test_the_backfill_runs_once_and_keeps_every_event_readable(
    old_way_store: tuple[Path, UUID, str, str],
):
    """The first opening writes exactly the one missing claim; opening again writes nothing,
    and every event of the store, the new claim included, still reads with its signature."""
    folder, _, _, credential_id = old_way_store
    services = Services.open(settings_for(folder))
    try:
        log = services.ledger.recorder.select_notifications(start=0, limit=10_000)
        claims = [n for n in log if n.topic.endswith("CredentialClaim.Claimed")]
        assert len(claims) == 6 + 1  # the v1 store's six credentials, and the old-way award
        for notification in log:
            services.ledger.mapper.to_domain_event(notification)
        assert backfill_claims(services.ledger, services.read_models) == 0
    finally:
        services.close()
    again = Services.open(settings_for(folder))
    try:
        assert again.ledger.recorder.max_notification_id() == log[-1].id
        assert again.ledger.credential_claim(credential_id) is not None
    finally:
        again.close()


def test_an_interrupted_backfill_resumes_where_it_stopped(
    old_way_store: tuple[Path, UUID, str, str],
):
    """A backfill stopped after the old award's position is not run again from the start: what
    it had reached is kept, and only what lies beyond is read."""
    folder, _, _, credential_id = old_way_store
    with sqlite3.connect(folder / "ledger.sqlite3") as db:
        position = db.execute("SELECT MAX(rowid) FROM stored_events").fetchone()[0]
        db.execute(
            "CREATE TABLE ledger_backfills (name TEXT PRIMARY KEY, position BIGINT NOT NULL, "
            "done INTEGER NOT NULL)"
        )
        db.execute("INSERT INTO ledger_backfills VALUES ('credential-claims', ?, 0)", (position,))
    services = Services.open(settings_for(folder))
    try:
        # Everything up to `position` counted as done, so the old award stays unclaimed.
        assert services.ledger.credential_claim(credential_id) is None
        with services.read_models.read() as tx:
            assert tx.execute("SELECT position, done FROM ledger_backfills") == [(position, 1)]
    finally:
        services.close()


def test_a_tampered_old_award_is_named_and_does_not_keep_the_store_shut(
    old_way_store: tuple[Path, UUID, str, str], caplog: pytest.LogCaptureFixture
):
    """An old award whose stored bytes were changed gets no claim: the error log names its log
    position, and the store still opens (the audit reports the tampering)."""
    folder, _, _, credential_id = old_way_store
    settings = settings_for(folder)
    with sqlite3.connect(folder / "ledger.sqlite3") as db:
        (position,) = db.execute(
            "SELECT MAX(rowid) FROM stored_events WHERE topic LIKE '%CredentialIssued'"
        ).fetchone()
    flip_byte(settings, position, 200)
    with caplog.at_level(logging.ERROR, logger="issuers.claim_backfill"):
        services = Services.open(settings)
    try:
        assert f"no claim for notification {position}" in caplog.text
        assert services.ledger.credential_claim(credential_id) is None
    finally:
        services.close()
