"""A store written by an earlier version stays readable, verifiable and auditable for ever."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import resolve_topic

from events.claim import CredentialClaim
from events.client import ApiClient
from events.errors import EventSignatureError
from events.issuer import Issuer
from events.passport import Passport
from events.registry import RegistryEntry
from events.signing import seal
from issuers.awarding import Learner
from passport.publishing import status_list_at
from passport.services import LEDGER_ROLE, Services
from passport.settings import Settings
from passport.verification import verify_against_ledger
from projections.set_aside import set_aside_events
from tests.data.stores.make_store import settings_for
from tests.passport.test_cli import pin_registry, run
from verifier.status_list import decode_encoded_list

STORES = Path(__file__).parents[1] / "data" / "stores"
BASES = {"Event", "Created"}


def declared_version(cls: type) -> int | None:
    """The class_version the event's own class declares (the library rebuilds each event class
    as a subclass of the declared one), None if only the library's default applies."""
    for klass in cls.__mro__:
        if "class_version" in klass.__dict__ and not klass.__module__.startswith("eventsourcing"):
            return int(klass.__dict__["class_version"])
    return None


@pytest.fixture(params=["v1"])
def old_store(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Settings, dict[str, Any]]:
    """A copy of a committed store (opening it may add read-model tables) and its manifest."""
    folder = tmp_path / request.param
    shutil.copytree(STORES / request.param, folder)
    return settings_for(folder), json.loads((folder / "manifest.json").read_text())


@pytest.fixture
def services(old_store: tuple[Settings, dict[str, Any]]) -> Iterator[Services]:
    """The current code's services on the old store."""
    opened = Services.open(old_store[0])
    yield opened
    opened.close()


def test_every_stored_event_type_has_an_explicit_version():
    """Each event class the ledger stores declares its own class_version, so a change of shape
    is a new version with an upcast, never an unreadable store."""
    for aggregate in (Issuer, Passport, ApiClient, CredentialClaim, RegistryEntry):
        events = [
            v
            for v in vars(aggregate).values()
            if isinstance(v, type)
            and issubclass(v, Aggregate.Event)
            and v.__name__ not in BASES  # the library's per-aggregate bases, never stored
        ]
        assert events, aggregate
        for cls in events:
            assert declared_version(cls) is not None, cls.__qualname__


def test_every_event_of_an_old_store_is_read_and_checked(
    services: Services, old_store: tuple[Settings, dict[str, Any]]
):
    """Every stored event's signature holds and it deserialises with the current classes; the
    aggregates it builds are what was recorded."""
    _, manifest = old_store
    log = services.ledger.recorder.select_notifications(start=0, limit=10_000)
    assert len(log) == manifest["events"]
    for notification in log:
        assert declared_version(resolve_topic(notification.topic)) is not None
        services.ledger.mapper.to_domain_event(notification)
    learner_id = services.ledger.learner_id_for("ESR-10000001")
    assert str(learner_id) == manifest["learner"]  # its id from before ids were keyed
    learner = services.ledger.learner(learner_id)
    assert sorted(learner.credentials) == manifest["learner_credentials"]
    assert learner.personal is not None and learner.personal.name == "Ada Fixture"
    erased = services.ledger.learner(services.ledger.learner_id_for("ESR-10000002"))
    assert erased.erased and erased.personal is None
    statuses = {cid: r["status"] for cid, r in erased.credentials.items()}
    assert statuses == {manifest["revoked"]: "revoked", manifest["reinstated"]: "active"}


def test_an_old_store_audits_rebuilds_and_its_passports_verify(
    old_store: tuple[Settings, dict[str, Any]], tmp_path: Path
):
    """`passport audit` says intact, `projections rebuild` succeeds with nothing set aside, and
    an exported passport verifies with `passport verify`."""
    settings, manifest = old_store
    audited = run(settings, "audit")
    assert audited.returncode == 0, audited.stdout + audited.stderr
    assert f"intact: {manifest['events']} events" in audited.stdout
    rebuilt = run(settings, "projections", "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert f"from {manifest['events']} events" in rebuilt.stdout
    assert run(settings, "projections", "set-aside").stdout.startswith("no events set aside")
    exported = tmp_path / "passport.json"
    done = run(settings, "export", manifest["learner"], "-o", str(exported))
    assert done.returncode == 0, done.stderr
    bundle = json.loads(exported.read_text())
    ids = sorted(c["id"] for c in bundle["verifiableCredential"])
    assert ids == manifest["learner_credentials"]
    pin_registry(settings)  # its issuers, registered before the registry existed, are in it
    verified = run(settings, "verify", str(exported))
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_an_old_store_takes_new_awards(services: Services, old_store):
    """The current code appends to an old store: a new award is recorded and projected."""
    _, manifest = old_store
    issuer = Issuer.create_id("fixture-academy")
    achievement = next(
        a for a, d in services.ledger.issuer(issuer).achievements.items() if not d["retired"]
    )
    learner = Learner("ESR-10000001", "Ada Fixture", "ada@example.nhs.net")
    award = services.awarding.award(
        issuer, achievement, learner, earned_on=date(2026, 11, 2), at=datetime.now(UTC)
    )
    services.projections.catch_up()
    assert services.views.credential(award.credential_id) is not None
    assert set_aside_events(services.read_models) == []
    assert services.views.credential(manifest["vc_api_credential"]) is not None


def test_an_old_stores_two_entry_credentials_keep_their_one_bit_lists(
    services: Services, old_store
):
    """Credentials issued with a revocation and a suspension entry still verify, their status is
    read from (and written to) their two one-bit lists, and a new award beside them carries one
    two-bit message entry."""
    _, manifest = old_store
    now = datetime.now(UTC)
    services.projections.catch_up()
    revoked = services.views.credential(manifest["revoked"])
    reinstated = services.views.credential(manifest["reinstated"])
    assert revoked is not None and reinstated is not None
    for record in (revoked, reinstated):
        entries = record["credential"]["credentialStatus"]
        assert [e["statusPurpose"] for e in entries] == ["revocation", "suspension"]
    report = verify_against_ledger(services, revoked["credential"], now)
    assert report.check("status").problem == "revoked"
    assert verify_against_ledger(services, reinstated["credential"], now).verified

    held = services.views.credential(manifest["learner_credentials"][0])
    assert held is not None and held["status"] == "active"
    services.ledger.suspend_credential(
        UUID(held["learner_id"]), manifest["learner_credentials"][0], "under review"
    )
    services.projections.catch_up()
    suspended = verify_against_ledger(services, held["credential"], now)
    assert suspended.check("status").problem == "suspended"
    suspension = held["credential"]["credentialStatus"][1]
    listed = status_list_at(services, suspension["statusListCredential"])
    assert listed is not None
    bits = decode_encoded_list(listed["credentialSubject"]["encodedList"])
    assert len(bits) == 131_072 // 8, "still a one-bit list"
    index = int(suspension["statusListIndex"])
    assert bits[index // 8] & (0x80 >> (index % 8))

    issuer = Issuer.create_id("fixture-academy")
    achievement = next(
        a for a, d in services.ledger.issuer(issuer).achievements.items() if not d["retired"]
    )
    learner = Learner("ESR-10000077", "Bea Fixture", "bea@example.nhs.net")
    award = services.awarding.award(
        issuer, achievement, learner, earned_on=date(2026, 11, 2), at=now
    )
    services.projections.catch_up()
    assert award.credential["credentialStatus"]["statusPurpose"] == "message"
    assert verify_against_ledger(services, award.credential, now).verified


def test_a_version_1_suspension_is_in_effect_from_when_it_was_recorded(
    services: Services, old_store: tuple[Settings, dict[str, Any]]
):
    """A suspension stored before it could carry `since` is upcast with none: the status
    history dates it at its recording, between the issue and the reinstatement."""
    _, manifest = old_store
    credential_id = manifest["reinstated"]
    services.projections.catch_up()
    record = services.views.credential(credential_id)
    assert record is not None
    learner_id = UUID(record["learner_id"])
    stored = [
        e
        for e in services.ledger.repository.event_store.get(learner_id)
        if isinstance(e, Passport.CredentialSuspended) and e.credential_id == credential_id
    ]
    assert [e.since for e in stored] == [None]
    history = services.ledger.status_history(learner_id)[credential_id]
    assert [status for _, status in history] == ["active", "suspended", "active"]
    assert history[1][0] == stored[0].timestamp


class Sample(Aggregate):
    """An aggregate whose one event gained a field: the upcasting pattern every event follows."""

    class Noted(Aggregate.Created):
        """Version 2 added `source`; version 1 events are read as from the "ledger"."""

        class_version = 2
        text: str
        source: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["source"] = "ledger"

    @event(Noted)
    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source


def _stored_v1(services: Services) -> StoredEvent:
    """A `Sample.Noted` as version 1 of the code stored it: no `source`, no class_version."""
    signer = services.key_store.role_keys(LEDGER_ROLE)[-1]
    body = {
        "timestamp": {"_type_": "datetime_iso", "_data_": "2026-06-01T09:00:00+00:00"},
        "originator_topic": f"{__name__}:Sample",
        "text": "hello",
    }
    unsigned = StoredEvent(
        originator_id=Passport.legacy_id("sample"),
        originator_version=1,
        topic=f"{__name__}:Sample.Noted",
        state=json.dumps(body).encode(),
    )
    return StoredEvent(
        originator_id=unsigned.originator_id,
        originator_version=1,
        topic=unsigned.topic,
        state=seal(unsigned, signer, services.key_store.signer(signer)),
    )


def test_an_old_event_is_upcast_after_its_signature_is_checked(services: Services):
    """A version 1 event is read as version 2 (upcast_v1_v2); its signature is checked on the
    stored bytes first, so a tampered old event is refused, never upcast."""
    stored = _stored_v1(services)
    read: Any = services.ledger.mapper.to_domain_event(stored)
    assert (read.text, read.source) == ("hello", "ledger")
    tampered = StoredEvent(
        originator_id=stored.originator_id,
        originator_version=1,
        topic=stored.topic,
        state=stored.state.replace(b'"hello"', b'"hullo"'),
    )
    with pytest.raises(EventSignatureError, match="signature does not match"):
        services.ledger.mapper.to_domain_event(tampered)
    current = Sample(text="now", source="import")
    written = services.ledger.mapper.to_stored_event(current.collect_events()[0])
    assert json.loads(written.state)["body"]["class_version"] == 2
    again: Any = services.ledger.mapper.to_domain_event(written)
    assert (again.text, again.source) == ("now", "import")
