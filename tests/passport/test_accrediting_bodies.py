"""Accrediting bodies in the issuer registry: the operator recognises them (an event on the
registry, the CLI and the admin API), only they endorse, and an endorsement is an accreditation
when its body was recognised on the day it was given."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from events.issuer import AchievementKind
from events.registry import RecognitionError
from issuers.awarding import Learner, RegisteredIssuer
from issuers.endorsements import Endorsing, NotAnAccreditingBodyError
from passport import registry
from passport.services import Services
from passport.settings import Settings
from passport.web.accreditation import accreditations_of
from tests.api_client import Api
from tests.passport.test_cli import run
from verifier.timestamps import xsd_datetime

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _endorsing(services: Services) -> Endorsing:
    return Endorsing(
        services.ledger, services.key_store, services.awarding, services.status_indexes
    )


def _academy_and_body(services: Services) -> tuple[RegisteredIssuer, str, str, RegisteredIssuer]:
    """An academy with one award, and a second registered issuer: (academy, achievement id,
    learner id, body)."""
    academy = services.awarding.register_issuer("academy", "Academy", "https://a.example", START)
    achievement = services.awarding.define_achievement(
        academy.id,
        name="Data Champion",
        description="Data literacy for health and care",
        criteria="Complete the pathway",
        kind=AchievementKind.BADGE,
    )
    award = services.awarding.award(
        academy.id,
        achievement,
        Learner("NMC-11A1111A", "Amira Okafor", "amira@example.nhs.net"),
        earned_on=date(2026, 1, 2),
        at=START,
    )
    body = services.awarding.register_issuer("fci", "FCI", "https://fci.example", START)
    return academy, achievement, str(award.learner_id), body


def test_a_registered_issuer_is_an_accrediting_body_only_from_its_recognition(
    services: Services,
) -> None:
    """Registering does not make an accrediting body; the operator's recognition from 1 March
    does, from that moment on, in the ledger and in the published registry a verifier trusts."""
    _, _, _, body = _academy_and_body(services)
    march = START + timedelta(days=55)
    assert not services.ledger.accredits(body.did, march)
    registry.accredit(services, body.did, start=xsd_datetime(march), until=None)
    assert not services.ledger.accredits(body.did, march - timedelta(seconds=1))
    assert services.ledger.accredits(body.did, march)
    document = registry.published_registry(services, datetime.now(UTC))
    entity = next(
        e for e in document["credentialSubject"]["recognizedEntities"] if e["id"] == body.did
    )
    assert entity["accrediting"] == [{"from": xsd_datetime(march), "until": None}]
    trust = registry.own_trust(services, datetime.now(UTC))
    assert trust.accredits(body.did, march + timedelta(days=1))
    assert not trust.accredits(body.did, march - timedelta(days=1))
    with pytest.raises(RecognitionError, match="already recognised as an accrediting body"):
        registry.accredit(services, body.did, start=xsd_datetime(march), until=None)


def test_an_accreditation_given_while_recognised_stays_one_after_derecognition(
    services: Services,
) -> None:
    """FCI endorses while recognised, then is derecognised: the learner's page still reads its
    endorsement as an accreditation, and FCI can endorse no more."""
    academy, achievement, learner, body = _academy_and_body(services)
    registry.accredit(services, body.did, start=xsd_datetime(START), until=None)
    _endorsing(services).endorse(
        body.id,
        issuer_id=academy.id,
        achievement_id=achievement,
        comment="Meets FCI competencies",
        at=START + timedelta(days=1),
    )
    registry.derecognise(services, body.did, xsd_datetime(START + timedelta(days=2)))
    services.projections.catch_up()
    shown = [a for found in accreditations_of(services, learner).values() for a in found]
    assert [(a.endorser, a.comment, a.accredited) for a in shown] == [
        ("FCI", "Meets FCI competencies", True)
    ]
    with pytest.raises(NotAnAccreditingBodyError, match="passport issuer accredit"):
        _endorsing(services).endorse(
            body.id,
            issuer_id=academy.id,
            achievement_id=achievement,
            comment="Still good",
            at=START + timedelta(days=3),
        )


def test_a_recognition_that_ended_refuses_later_endorsements(services: Services) -> None:
    """Recognised for January only: an endorsement on 10 January is made, one on 10 February
    is refused; recognised again from March, it endorses again."""
    academy, achievement, _, body = _academy_and_body(services)
    registry.accredit(
        services,
        body.did,
        start=xsd_datetime(START),
        until=xsd_datetime(datetime(2026, 2, 1, tzinfo=UTC)),
    )
    endorse = _endorsing(services).endorse
    made = endorse(
        body.id,
        issuer_id=academy.id,
        achievement_id=achievement,
        comment="January",
        at=datetime(2026, 1, 10, tzinfo=UTC),
    )
    assert made.credential["issuer"]["id"] == body.did
    with pytest.raises(NotAnAccreditingBodyError):
        endorse(
            body.id,
            issuer_id=academy.id,
            achievement_id=achievement,
            comment="February",
            at=datetime(2026, 2, 10, tzinfo=UTC),
        )
    march = datetime(2026, 3, 1, tzinfo=UTC)
    registry.accredit(services, body.did, start=xsd_datetime(march), until=None)
    again = endorse(
        body.id, issuer_id=academy.id, achievement_id=achievement, comment="March", at=march
    )
    assert again.credential["credentialSubject"]["endorsementComment"] == "March"


def test_the_operator_recognises_an_accrediting_body_with_the_cli(settings: Settings) -> None:
    """`passport issuer accredit DID` records the recognition; `registry show` lists the
    issuer as an accrediting body."""
    services = Services.open(settings)
    try:
        body = services.awarding.register_issuer("fci", "FCI", "https://fci.example", START)
    finally:
        services.close()
    done = run(settings, "issuer", "accredit", body.did, "--from", "2026-01-05")
    assert done.returncode == 0, done.stderr
    assert f"recognised {body.did} as an accrediting body from 2026-01-05T00:00:00Z" in done.stdout
    shown = run(settings, "registry", "show")
    assert f"FCI  {body.did}  (issuer, accrediting body)" in shown.stdout
    again = run(settings, "issuer", "accredit", body.did)
    assert again.returncode == 2
    assert again.stderr.strip() == (
        f"error: {body.did} is already recognised as an accrediting body"
    )


def test_the_admin_api_recognises_an_accrediting_body_for_the_operator_only(api: Api) -> None:
    """The operator's POST …/accrediting raises the registry's version and the published
    document lists the period; an unknown DID is a 404 problem."""
    body, body_auth = api.register("Faculty of Clinical Informatics")
    url = f"/api/v1/admin/registry/entities/{body['did']}/accrediting"
    assert api.http.post(url, headers=body_auth, json={}).status_code == 403
    before = api.http.get("/.well-known/passport-registry.json").json()
    made = api.http.post(
        url, headers=api.as_operator(), json={"from": "2026-01-05T00:00:00Z", "until": None}
    )
    assert made.status_code == 200, made.text
    assert made.json()["version"] > before["credentialSubject"]["version"]
    after = api.http.get("/.well-known/passport-registry.json").json()
    entity = next(
        e for e in after["credentialSubject"]["recognizedEntities"] if e["id"] == body["did"]
    )
    assert entity["accrediting"] == [{"from": "2026-01-05T00:00:00Z", "until": None}]
    unknown = api.http.post(
        "/api/v1/admin/registry/entities/did:web:nobody.example/accrediting",
        headers=api.as_operator(),
        json={},
    )
    assert unknown.status_code == 404
    assert "not in the registry" in unknown.json()["detail"]
