"""The ledger's use cases on real stores: signed events, status rules, tamper detection on read."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from uuid import UUID

import pytest

from events.application import Ledger
from events.audit import audit_log
from events.errors import (
    CredentialNotFoundError,
    EventSignatureError,
    IssuerAlreadyRegisteredError,
    IssuerKeyError,
    IssuerNotFoundError,
    StatusChangeError,
)
from events.issuer import AchievementKind
from keys import KeyWrapper, Pseudonyms, SigningKey
from passport.services import open_read_models
from passport.settings import Settings
from projections.personal_data import SqlVault
from tests.tamper import flip_byte, move_event

PSEUDONYMS = Pseudonyms(os.urandom(32), os.urandom(32))


@pytest.fixture
def signer() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def vault(settings: Settings) -> Iterator[SqlVault]:
    database = open_read_models(settings)
    yield SqlVault(database, KeyWrapper(os.urandom(32)))
    database.close()


@pytest.fixture
def ledger(settings: Settings, signer: SigningKey, vault: SqlVault) -> Iterator[Ledger]:
    app = Ledger(
        settings.eventsourcing_env() | {"CREATE_TABLE": "y"},
        signer_id="ledger-1",
        signer=signer,
        trusted={"ledger-1": signer.public_key},
        vault=vault,
        pseudonyms=PSEUDONYMS,
    )
    yield app
    app.close()


def _issuer(ledger: Ledger, signer: SigningKey) -> UUID:
    issuer_id = ledger.register_issuer(
        "nhsda", "NHS Digital Academy", "https://a.example", "did:web:a.example"
    )
    ledger.add_issuer_key(
        issuer_id, "did:web:a.example#k1", signer.public_key, "2026-01-01T00:00:00Z"
    )
    return issuer_id


def test_issuer_keys_rotate_and_the_history_is_kept(ledger, signer):
    """A retired key stays in the issuer's history with when it stopped signing."""
    issuer_id = _issuer(ledger, signer)
    second = SigningKey.generate()
    ledger.add_issuer_key(
        issuer_id, "did:web:a.example#k2", second.public_key, "2026-06-01T00:00:00Z"
    )
    ledger.retire_issuer_key(issuer_id, "did:web:a.example#k1", "2026-06-01T00:00:00Z")
    issuer = ledger.issuer(issuer_id)
    assert issuer.current_key == "did:web:a.example#k2"
    assert [(k["id"], k["retiredAt"]) for k in issuer.keys] == [
        ("did:web:a.example#k1", "2026-06-01T00:00:00Z"),
        ("did:web:a.example#k2", None),
    ]
    with pytest.raises(IssuerKeyError, match="already retired"):
        ledger.retire_issuer_key(issuer_id, "did:web:a.example#k1", "2026-07-01T00:00:00Z")


def test_registering_the_same_issuer_twice_is_refused(ledger, signer):
    """An issuer's short name is unique; the second registration changes nothing."""
    _issuer(ledger, signer)
    with pytest.raises(IssuerAlreadyRegisteredError):
        ledger.register_issuer("nhsda", "Another", "https://b.example", "did:web:b.example")
    with pytest.raises(IssuerNotFoundError):
        ledger.issuer(UUID(int=1))


def test_enrolling_the_same_staff_identifier_twice_gives_one_learner(ledger):
    """A learner is enrolled once per stable identifier, whatever their email says later."""
    first = ledger.enrol_learner("NMC-12A", "Ann Example", "ann@trust-a")
    again = ledger.enrol_learner("nmc-12a ", "Ann Example", "ann@trust-b")
    assert first == again
    personal = ledger.learner(first).personal
    assert personal is not None
    assert personal.email == "ann@trust-a"


def test_status_changes_follow_the_rules(ledger, signer):
    """Suspend, reinstate and revoke move a credential through its states; illegal moves fail."""
    issuer_id = _issuer(ledger, signer)
    ledger.define_achievement(issuer_id, "a1", AchievementKind.BADGE, None, {"name": "Badge"})
    learner = ledger.enrol_learner("ESR-1", "Ann", "ann@x")
    ledger.issue_credential(learner, "urn:uuid:c1", issuer_id, "a1", "badge", {"id": "c1"}, "j")
    ledger.suspend_credential(learner, "urn:uuid:c1", "under review")
    with pytest.raises(StatusChangeError, match="it is suspended"):
        ledger.suspend_credential(learner, "urn:uuid:c1", "again")
    ledger.reinstate_credential(learner, "urn:uuid:c1", "review closed")
    ledger.revoke_credential(learner, "urn:uuid:c1", "issued in error")
    with pytest.raises(StatusChangeError, match="cannot reinstate"):
        ledger.reinstate_credential(learner, "urn:uuid:c1", "no")
    with pytest.raises(CredentialNotFoundError):
        ledger.revoke_credential(learner, "urn:uuid:nope", "x")
    record = ledger.learner(learner).credentials["urn:uuid:c1"]
    assert (record["status"], record["reason"]) == ("revoked", "issued in error")


def test_every_stored_event_is_signed_by_the_ledger_key(ledger, signer):
    """Raw stored events carry the signer's key id and verify on an independent audit."""
    _issuer(ledger, signer)
    result = audit_log(ledger.recorder, {"ledger-1": signer.public_key})
    assert result.intact and result.checked == 2
    raw = ledger.recorder.select_notifications(1, 1)[0].state
    assert b'"signer":"ledger-1"' in raw
    foreign = audit_log(ledger.recorder, {"other": signer.public_key})
    assert foreign.first_failure is not None
    assert "unknown key 'ledger-1'" in foreign.first_failure.reason


def test_a_tampered_event_is_refused_on_read_naming_aggregate_and_version(
    ledger, signer, settings, vault
):
    """Change one byte of a stored event: reading it fails, naming the aggregate and version."""
    issuer_id = _issuer(ledger, signer)
    flip_byte(settings, position=2, offset=39)
    fresh = Ledger(
        settings.eventsourcing_env(),
        signer_id="ledger-1",
        signer=signer,
        trusted={"ledger-1": signer.public_key},
        vault=vault,
        pseudonyms=PSEUDONYMS,
    )
    try:
        with pytest.raises(EventSignatureError) as caught:
            fresh.issuer(issuer_id)
        assert caught.value.aggregate_id == issuer_id
        assert caught.value.version == 2
        result = audit_log(fresh.recorder, {"ledger-1": signer.public_key})
        assert not result.intact and result.position == 2 and result.checked == 1
    finally:
        fresh.close()


def test_an_event_moved_to_another_aggregate_fails_its_signature(ledger, signer, settings):
    """The signature binds an event to its aggregate: a copy under another id does not verify."""
    issuer_id = _issuer(ledger, signer)
    move_event(settings, version=2, to=UUID(int=7))
    result = audit_log(ledger.recorder, {"ledger-1": signer.public_key})
    assert not result.intact
    assert result.first_failure is not None
    assert "does not match" in result.first_failure.reason
    assert issuer_id != UUID(int=7)


def test_concurrent_writers_to_one_passport_lose_nothing(settings, signer, vault):
    """Two ledger processes appending to the same passport at once: every credential is kept."""

    def open_ledger() -> Ledger:
        return Ledger(
            settings.eventsourcing_env() | {"CREATE_TABLE": "y"},
            signer_id="ledger-1",
            signer=signer,
            trusted={"ledger-1": signer.public_key},
            vault=vault,
            pseudonyms=PSEUDONYMS,
        )

    first, second = open_ledger(), open_ledger()
    try:
        issuer_id = _issuer(first, signer)
        first.define_achievement(issuer_id, "a1", AchievementKind.BADGE, None, {"name": "B"})
        learner = first.enrol_learner("ESR-9", "Ann", "ann@x")
        errors: list[BaseException] = []

        def issue(app: Ledger, prefix: str) -> None:
            try:
                for n in range(15):
                    app.issue_credential(
                        learner, f"urn:uuid:{prefix}{n}", issuer_id, "a1", "badge", {"n": n}, "jwt"
                    )
            except BaseException as exc:
                errors.append(exc)

        threads = [
            threading.Thread(target=issue, args=(app, p))
            for app, p in ((first, "a"), (second, "b"))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len(first.learner(learner).credentials) == 30
    finally:
        first.close()
        second.close()
