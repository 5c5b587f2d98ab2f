"""Writes a small ledger with every event type, as a fixture later versions must keep reading.

Run from the project root: `.venv/bin/python -m tests.data.stores.make_store tests/data/stores/v1`.
The directory gets `ledger.sqlite3` (the log, its read models, checkpoints and learners' data
keys), `keys/` (the key store, encrypted under `PASSPHRASE`) and `manifest.json` (what a test
should find). A store committed this way is never regenerated: a new one goes in a new folder.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from events.issuer import AchievementKind
from issuers.awarding import Learner
from passport.erasure import erase_learner
from passport.log import publish_checkpoint
from passport.services import Services
from passport.settings import Settings
from verifier import eddsa_rdfc_2022

PASSPHRASE = "staff passport fixture store, not a secret"
BASE_URL = "https://passport.test"
AT = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
EARNED = date(2026, 5, 28)


def settings_for(folder: Path) -> Settings:
    """The settings that open the store in `folder`."""
    return Settings(
        database_url=f"sqlite:///{folder / 'ledger.sqlite3'}",
        base_url=BASE_URL,
        key_dir=folder / "keys",
        key_passphrase=PASSPHRASE,
        _env_file=None,
    )


def _vc_api_credential(did: str) -> dict[str, Any]:
    """A VCDM 2.0 credential with language values where strings are usual (W3C suite 4.06)."""
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "issuer": did,
        "name": {"@value": "Example", "@language": "en"},
        "description": [
            {"@value": "An example credential", "@language": "en"},
            {"@value": "Un exemple", "@language": "fr"},
        ],
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:holder-1", "alumniOf": "Example University"},
    }


def write_store(services: Services) -> dict[str, Any]:
    """Record one of every event type; return what a reader should find."""
    awarding, ledger = services.awarding, services.ledger
    web = services.accounts.register_issuer("Fixture Academy", "https://academy.example", AT)
    key = services.accounts.register_issuer("Fixture Key Academy", "https://k.example", AT, "key")
    awarding.rotate_issuer_key(web.id, AT)  # KeyAdded and KeyRetired
    operator = services.accounts.new_operator_client()
    ledger.revoke_client(operator.client_id)
    training = awarding.define_achievement(
        web.id,
        name="Information Governance",
        description="Data security awareness (Core Skills Training Framework).",
        criteria="Pass the assessment.",
        kind=AchievementKind.TRAINING,
    )
    cpd = awarding.define_achievement(
        web.id,
        name="Digital Leadership Masterclass",
        description="A masterclass for senior leaders.",
        criteria="Attend the full day.",
        kind=AchievementKind.CPD,
        credits_available=7.5,
    )
    badge = awarding.define_achievement(
        web.id,
        name="Data Champion",
        description="Leads data improvement in their team.",
        criteria="Complete the programme.",
        kind=AchievementKind.BADGE,
    )
    awarding.update_achievement(
        web.id,
        badge,
        name="Data Champion",
        description="Leads data improvement in their team (revised).",
        criteria="Complete the programme and one project.",
        kind=AchievementKind.BADGE,
    )
    kept = Learner("ESR-10000001", "Ada Fixture", "ada@example.nhs.net")
    gone = Learner("ESR-10000002", "Ben Fixture", "ben@example.nhs.net")
    awards = [
        awarding.award(web.id, training, kept, earned_on=EARNED, at=AT, idempotency_key="a-1"),
        awarding.award(
            web.id,
            cpd,
            kept,
            earned_on=EARNED,
            at=AT,
            credits_earned=7.5,
            idempotency_key="a-2",
            cryptosuite=eddsa_rdfc_2022.CRYPTOSUITE,
        ),
        awarding.award(web.id, badge, kept, earned_on=EARNED, at=AT, idempotency_key="a-3"),
    ]
    revoked = awarding.award(web.id, training, gone, earned_on=EARNED, at=AT)
    paused = awarding.award(web.id, badge, gone, earned_on=EARNED, at=AT)
    ledger.revoke_credential(revoked.learner_id, revoked.credential_id, "issued in error")
    ledger.suspend_credential(paused.learner_id, paused.credential_id, "under review")
    ledger.reinstate_credential(paused.learner_id, paused.credential_id, "review closed")
    ledger.retire_achievement(web.id, cpd)
    vc_api = awarding.issue_document(key.id, _vc_api_credential(key.did), AT)
    erase_learner(services, revoked.learner_id, by="operator", reason="learner asked (art. 17)")
    services.projections.catch_up()
    size, _ = publish_checkpoint(services, AT)
    return {
        "learner": str(awards[0].learner_id),
        "learner_credentials": sorted(a.credential_id for a in awards),
        "erased_learner": str(revoked.learner_id),
        "revoked": revoked.credential_id,
        "reinstated": paused.credential_id,
        "vc_api_credential": vc_api["id"],
        "checkpoint_size": size,
        "issuers": {"web": web.did, "key": key.did},
    }


def main(folder: Path) -> None:
    """Write a fresh store into `folder` (which must not exist yet)."""
    if folder.exists():
        sys.exit(f"{folder} exists: a committed store is never rewritten; choose a new folder")
    folder.mkdir(parents=True)
    services = Services.open(settings_for(folder))
    try:
        manifest = write_store(services)
        log = services.ledger.recorder.select_notifications(start=0, limit=10**6)
        manifest["events"] = len(log)
    finally:
        services.close()
    db = sqlite3.connect(folder / "ledger.sqlite3")
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        db.execute("VACUUM")
    finally:
        db.close()
    for leftover in folder.glob("ledger.sqlite3-*"):
        leftover.unlink()
    shutil.rmtree(folder / "var", ignore_errors=True)
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
