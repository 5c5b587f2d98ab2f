"""Endorsements: an accrediting body endorses an achievement or an academy, on both stores."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from jsonschema import Draft201909Validator
from referencing import Registry, Resource

from events.errors import AchievementNotFoundError
from events.issuer import AchievementKind
from issuers.awarding import Learner, RegisteredIssuer
from issuers.endorsements import EndorsementRefusedError, Endorsing
from passport import registry
from passport.publishing import passport_file
from passport.registry import own_trust
from passport.services import Services
from passport.web.certificates import one_credential
from verifier.timestamps import xsd_datetime
from verifier.verify import verify_document

SCHEMA_DIR = Path(__file__).parents[3] / "shared" / "ob3-schema"
SCHEMA_FILE = SCHEMA_DIR / "ob_v3p0_achievementcredential_schema.json"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def endorsing(services: Services) -> Endorsing:
    """The use case as the API builds it."""
    return Endorsing(
        services.ledger, services.key_store, services.awarding, services.status_indexes
    )


def academy_with_award(services: Services) -> tuple[UUID, str, str]:
    """An academy, one achievement and one learner holding it: (issuer, achievement, learner)."""
    academy = services.awarding.register_issuer("academy", "Academy", "https://a.example", NOW)
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
        earned_on=date(2026, 10, 1),
        at=NOW,
    )
    services.projections.catch_up()
    return academy.id, achievement, str(award.learner_id)


def accrediting_body(services: Services) -> RegisteredIssuer:
    """BCS, registered and recognised in the registry as an accrediting body from `NOW`."""
    body = services.awarding.register_issuer("bcs", "BCS", "https://bcs.example", NOW)
    registry.accredit(services, body.did, start=xsd_datetime(NOW), until=None)
    return body


def endorsement_validator() -> Draft201909Validator:
    """The OB 3.0 schema's own `EndorsementCredential` definition, resolved offline."""
    schema = json.loads(SCHEMA_FILE.read_text())
    registry: Registry[Any] = Registry().with_resource(
        schema["$id"], Resource.from_contents(schema)
    )
    return Draft201909Validator(
        {"$ref": f"{schema['$id']}#/$defs/EndorsementCredential"}, registry=registry
    )


def test_an_endorsement_is_a_valid_ob3_endorsement_credential(services: Services) -> None:
    """What an accrediting body issues validates against the OB 3.0 EndorsementCredential schema."""
    academy, achievement, _ = academy_with_award(services)
    body = accrediting_body(services)
    made = endorsing(services).endorse(
        body.id, issuer_id=academy, achievement_id=achievement, comment="Meets BCS", at=NOW
    )
    problems = [e.message for e in endorsement_validator().iter_errors(made.credential)]
    assert problems == []
    assert made.credential["credentialSubject"]["id"] == f"urn:uuid:{achievement}"
    assert made.credential["issuer"]["name"] == "BCS"


def test_an_endorsement_travels_in_the_learners_passport_and_verifies(
    services: Services,
) -> None:
    """The learner's export carries the endorsement of their achievement, and it verifies."""
    academy, achievement, learner = academy_with_award(services)
    body = accrediting_body(services)
    made = endorsing(services).endorse(
        body.id, issuer_id=academy, achievement_id=achievement, comment="Accredited", at=NOW
    )
    services.projections.catch_up()
    bundle = passport_file(services, learner, NOW)
    assert bundle is not None
    ids = [c["id"] for c in bundle["verifiableCredential"]]
    assert made.credential_id in ids
    held = [i for i in ids if i != made.credential_id]
    assert bundle["staffPassport"]["endorsements"] == {held[0]: [made.credential_id]}
    report = verify_document(bundle, now=NOW, trust=own_trust(services, NOW))
    by_id = {r.credential_id: r for r in report.credentials}
    assert by_id[made.credential_id].verified
    assert report.verified


def test_an_endorsement_of_the_academy_covers_every_achievement(services: Services) -> None:
    """Endorsing the academy itself shows with each credential it issued."""
    academy, _, learner = academy_with_award(services)
    body = accrediting_body(services)
    made = endorsing(services).endorse(
        body.id, issuer_id=academy, achievement_id=None, comment="Accredited academy", at=NOW
    )
    services.projections.catch_up()
    assert made.credential["credentialSubject"]["id"] == services.ledger.issuer(academy).did
    bundle = passport_file(services, learner, NOW)
    assert bundle is not None
    assert list(bundle["staffPassport"]["endorsements"].values()) == [[made.credential_id]]


def test_an_academy_cannot_endorse_itself(services: Services) -> None:
    """Self-accreditation is refused with a reason."""
    academy, achievement, _ = academy_with_award(services)
    with pytest.raises(EndorsementRefusedError, match="cannot endorse itself"):
        endorsing(services).endorse(
            academy, issuer_id=academy, achievement_id=achievement, comment="Great", at=NOW
        )


def test_endorsing_an_unknown_achievement_is_refused(services: Services) -> None:
    """An achievement the academy never defined cannot be endorsed."""
    academy, _, _ = academy_with_award(services)
    body = accrediting_body(services)
    with pytest.raises(AchievementNotFoundError):
        endorsing(services).endorse(
            body.id, issuer_id=academy, achievement_id="nope", comment="Great", at=NOW
        )


def test_endorsements_survive_a_rebuild(services: Services) -> None:
    """A rebuild of the read models from the log finds the endorsement again."""
    academy, achievement, learner = academy_with_award(services)
    body = accrediting_body(services)
    made = endorsing(services).endorse(
        body.id, issuer_id=academy, achievement_id=achievement, comment="Accredited", at=NOW
    )
    services.projections.rebuild()
    bundle = passport_file(services, learner, NOW)
    assert bundle is not None
    assert made.credential_id in [c["id"] for c in bundle["verifiableCredential"]]


def test_a_certificates_file_carries_its_endorsement_and_no_other_credential(
    services: Services,
) -> None:
    """The file attached to one credential's certificate carries that credential and its
    endorsement, verifiable, and names none of the learner's other credentials."""
    academy, achievement, learner = academy_with_award(services)
    other = services.awarding.define_achievement(
        academy, name="EPR", description="EPR", criteria="Pass", kind=AchievementKind.TRAINING
    )
    services.awarding.award(
        academy,
        other,
        Learner("NMC-11A1111A", "Amira Okafor", "amira@example.nhs.net"),
        earned_on=date(2026, 10, 2),
        at=NOW,
    )
    body = accrediting_body(services)
    made = endorsing(services).endorse(
        body.id, issuer_id=academy, achievement_id=achievement, comment="Accredited", at=NOW
    )
    services.projections.catch_up()
    bundle = passport_file(services, learner, NOW)
    assert bundle is not None
    endorsed = next(iter(bundle["staffPassport"]["endorsements"]))
    carried = one_credential(bundle, endorsed, None)
    assert [c["id"] for c in carried["verifiableCredential"]] == [endorsed, made.credential_id]
    assert carried["staffPassport"]["endorsements"] == {endorsed: [made.credential_id]}
    assert set(carried["staffPassport"]["jwts"]) == {endorsed, made.credential_id}
    assert verify_document(carried, now=NOW, trust=own_trust(services, NOW)).verified
