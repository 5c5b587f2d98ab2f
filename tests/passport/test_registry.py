"""The issuer registry on the ledger: events, the projection, and the published document."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest

from events.issuer import AchievementKind
from events.registry import RecognitionError
from issuers.awarding import Learner
from keys import SigningKey, did_key
from passport import registry
from passport.services import REGISTRY_ROLE, Services
from verifier import TrustAnchors, TrustedRegistry, verify_credential
from verifier.eddsa_jcs_2022 import create_proof
from verifier.timestamps import xsd_datetime
from verifier.trust import RegistryError


def _published(services: Services, at: datetime) -> TrustedRegistry:
    document = registry.published_registry(services, at)
    anchors = TrustAnchors.of(*services.key_store.role_keys(REGISTRY_ROLE))
    return TrustedRegistry.from_document(document, anchors)


def _academy(services: Services, at: datetime) -> tuple[UUID, str]:
    issuer = services.awarding.register_issuer(
        "academy", "Digital Academy", "https://a.example", at
    )
    achievement = services.awarding.define_achievement(
        issuer.id, name="Fire Safety", description="d", criteria="c", kind=AchievementKind.TRAINING
    )
    return issuer.id, achievement


def test_an_issuer_registered_before_the_registry_existed_is_in_it_with_its_keys(services):
    """Registering an issuer is recognition: it appears, recognised from its registration, for
    anything, with its key history; each change gives a higher version."""
    at = datetime.now(UTC)
    first = _published(services, at).version
    issuer_id, _ = _academy(services, at)
    services.awarding.rotate_issuer_key(issuer_id, at + timedelta(seconds=1))
    published = _published(services, at)
    assert published.version > first
    did = services.ledger.issuer(issuer_id).did
    entity = published.entities[did]
    assert entity.name == "Digital Academy"
    assert entity.recognised_from.replace(microsecond=0) == entity.recognised_from
    assert [k.retired_at is not None for k in entity.keys] == [True, False]
    assert published.note_keys  # the log's checkpoint key
    assert registry.registry_version(services, published.version) == published.document


def test_derecognition_keeps_earlier_credentials_and_refuses_later_ones(services):
    """A credential issued before the academy was derecognised still verifies against the
    registry; one issued after is `issuer_not_recognised`."""
    start = datetime.now(UTC) - timedelta(days=10)
    issuer_id, achievement = _academy(services, start)
    before = services.awarding.award(
        issuer_id,
        achievement,
        Learner("ESR-1", "A", "a@x"),
        earned_on=date.today(),
        at=start + timedelta(days=1),
    )
    did = services.ledger.issuer(issuer_id).did
    registry.derecognise(services, did, xsd_datetime(start + timedelta(days=2)))
    after = services.awarding.award(
        issuer_id,
        achievement,
        Learner("ESR-2", "B", "b@x"),
        earned_on=date.today(),
        at=start + timedelta(days=3),
    )
    trust = registry.own_trust(services, datetime.now(UTC))
    now = datetime.now(UTC)
    assert (
        verify_credential(before.credential, now=now, trust=trust).check("issuer").outcome.value
        == "passed"
    )
    refused = verify_credential(after.credential, now=now, trust=trust).check("issuer")
    assert refused.problem == "issuer_not_recognised"
    with pytest.raises(RecognitionError, match="derecognised"):
        registry.suspend(services, did, xsd_datetime(now), None)


def test_an_outside_issuer_is_recognised_then_aligned_for_a_subject(services):
    """A did:key academy elsewhere: recognised, it is not aligned for anything until aligned;
    suspended and reinstated; accrediting bodies are entries too."""
    at = datetime.now(UTC)
    outside = did_key(SigningKey.generate().public_key)
    body = did_key(SigningKey.generate().public_key)
    registry.recognise(
        services,
        body,
        "Skills for Health",
        url=None,
        role="accreditor",
        at=xsd_datetime(at),
        keys=[],
        accredited_by=[],
    )
    registry.recognise(
        services,
        outside,
        "Northern ICS Academy",
        url="https://n.example",
        role="issuer",
        at=xsd_datetime(at),
        keys=[],
        accredited_by=[body],
    )
    assert _published(services, at).entities[outside].alignments == ()
    registry.align(
        services,
        outside,
        achievement_type=None,
        subject="CSTF-FIRE",
        start="2025-04-01T00:00:00Z",
        until=None,
    )
    registry.suspend(services, outside, xsd_datetime(at), None)
    registry.reinstate(services, outside, xsd_datetime(at + timedelta(hours=1)))
    entity = _published(services, at).entities[outside]
    assert [a.subject for a in entity.alignments] == ["CSTF-FIRE"]
    assert entity.suspensions[0].until is not None
    assert entity.accredited_by == (body,)
    assert _published(services, at).entities[body].role == "accreditor"
    with pytest.raises(RecognitionError, match="already recognised"):
        registry.recognise(
            services,
            outside,
            "Again",
            url=None,
            role="issuer",
            at=xsd_datetime(at),
            keys=[],
            accredited_by=[],
        )
    with pytest.raises(RecognitionError, match="not in the registry"):
        registry.suspend(services, "did:web:nobody.example", xsd_datetime(at), None)


def test_the_registry_survives_a_rebuild_with_the_same_version(services):
    """Rebuilding the read models from the log gives the same registry version and content."""
    at = datetime.now(UTC)
    _academy(services, at)
    before = _published(services, at)
    services.projections.rebuild()
    after = _published(services, at)
    assert (after.version, after.document) == (before.version, before.document)


def test_a_version_published_before_the_registry_defined_its_terms_is_signed_again(services):
    """A dev store kept a version signed without the registry's `@vocab` (which eddsa-jcs-2022
    now refuses): publishing that version again signs the same content in the current format,
    which a pinned verifier accepts, at the same version."""
    at = datetime.now(UTC)
    current = registry.published_registry(services, at)
    version = current["credentialSubject"]["version"]
    old = {k: v for k, v in current.items() if k != "proof"}
    old["@context"] = ["https://www.w3.org/ns/credentials/v2"]
    key = services.key_store.signer(services.key_store.current_for_role(REGISTRY_ROLE))
    old = create_proof(old, key, current["proof"]["verificationMethod"], at)
    with services.read_models.transaction() as tx:
        tx.execute(
            "UPDATE registry_versions SET document = ? WHERE version = ?",
            (json.dumps(old), version),
        )
    anchors = TrustAnchors.of(*services.key_store.role_keys(REGISTRY_ROLE))
    with pytest.raises(RegistryError):
        TrustedRegistry.from_document(old, anchors)
    again = registry.published_registry(services, at)
    assert again["credentialSubject"] == current["credentialSubject"]
    assert TrustedRegistry.from_document(again, anchors).version == version
    assert registry.registry_version(services, version) == again
    assert registry.own_trust(services, at).registries[0].version == version
