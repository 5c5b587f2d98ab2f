"""Trust anchors and the issuer registry: pinned signers, no rollback, recognition as of a date."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from keys import SigningKey, did_key, did_key_verification_method
from tests.registries import SINCE, entity, registry_document, trusting
from tests.verifier.conftest import NOW
from verifier import (
    Outcome,
    Policy,
    RegistryError,
    Trust,
    TrustAnchors,
    TrustedRegistry,
    verify_credential,
)
from verifier.data_model import json_ld_problems
from verifier.eddsa_jcs_2022 import create_proof

FIRE = "CSTF-FIRE"


@pytest.fixture
def registry_key() -> SigningKey:
    return SigningKey.generate()


def _anchors(key: SigningKey) -> TrustAnchors:
    return TrustAnchors.of(key.public_key.multibase)


def _fire_safety(issuer: SigningKey, issued: str) -> dict[str, Any]:
    """An Open Badges credential for CSTF Fire Safety level 1, signed on `issued`."""
    credential = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:6a1f0e9c-1111-4c3a-a978-8fcaba390001",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": did_key(issuer.public_key),
            "type": ["Profile"],
            "name": "Northern ICS Academy",
        },
        "validFrom": issued,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "urn:uuid:6a1f0e9c-2222-4c3a-a978-8fcaba390001",
                "type": ["Achievement"],
                "name": "Fire Safety",
                "achievementType": "CertificateOfCompletion",
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": "Fire Safety",
                        "targetUrl": "https://example.org/cstf/fire-safety",
                        "targetFramework": "CSTF",
                        "targetCode": f"{FIRE}-L1",
                    }
                ],
            },
        },
    }
    at = datetime.fromisoformat(issued.replace("Z", "+00:00"))
    return create_proof(credential, issuer, did_key_verification_method(issuer.public_key), at)


def test_a_registry_signed_by_a_pinned_key_is_trusted(registry_key):
    """The registry's signer is one the verifier pinned: its entities and version are read."""
    academy = SigningKey.generate()
    document = registry_document(
        registry_key, [entity(did_key(academy.public_key), "Northern ICS Academy")], version=3
    )
    registry = TrustedRegistry.from_document(document, _anchors(registry_key))
    assert registry.version == 3
    assert list(registry.entities) == [did_key(academy.public_key)]


def test_a_registry_signed_by_an_unpinned_key_is_refused(registry_key):
    """A registry is only as good as its signer: a key nobody pinned is refused by name."""
    document = registry_document(SigningKey.generate(), [])
    with pytest.raises(RegistryError, match="not a pinned registry key"):
        TrustedRegistry.from_document(document, _anchors(registry_key))


def test_a_registry_altered_after_signing_is_refused(registry_key):
    """Adding an entity to a signed registry breaks its signature."""
    document = registry_document(registry_key, [])
    forged = copy.deepcopy(document)
    forged["credentialSubject"]["recognizedEntities"].append(
        entity(did_key(SigningKey.generate().public_key), "NHS Digital Academy")
    )
    with pytest.raises(RegistryError, match="signature does not hold"):
        TrustedRegistry.from_document(forged, _anchors(registry_key))


def test_an_older_registry_version_than_one_seen_is_a_rollback(registry_key):
    """Version 4 after version 5 was seen is refused; the same version again is accepted."""
    older = registry_document(registry_key, [], version=4)
    with pytest.raises(RegistryError, match="rollback"):
        TrustedRegistry.from_document(older, _anchors(registry_key), last_seen_version=5)
    again = TrustedRegistry.from_document(older, _anchors(registry_key), last_seen_version=4)
    assert again.version == 4


def test_a_document_that_is_not_a_registry_is_refused(registry_key):
    """Any other credential signed by the pinned key is not taken for a registry."""
    document = registry_document(registry_key, [])
    document["type"] = ["VerifiableCredential"]
    with pytest.raises(RegistryError, match="not a registry"):
        TrustedRegistry.from_document(document, _anchors(registry_key))


def test_a_did_key_no_registry_lists_is_not_recognised(unsigned_credential, issuer_key, method):
    """A valid signature from a did:key nobody vouches for: the issuer check says how to trust."""
    signed = create_proof(unsigned_credential, issuer_key, method, datetime(2026, 2, 1, tzinfo=UTC))
    report = verify_credential(signed, now=NOW, trust=trusting(SigningKey.generate(), []))
    assert not report.verified
    assert report.check("proof").outcome is Outcome.PASSED
    issuer = report.check("issuer")
    assert (issuer.outcome, issuer.problem) == (Outcome.FAILED, "issuer_not_recognised")
    assert "passport trust add" in issuer.reason


def test_alignment_is_judged_as_of_the_issuance_date(registry_key):
    """Aligned for fire safety from April 2025 and derecognised in June 2026: a credential
    issued in May 2025 stays valid; one issued in July 2026 is refused; one from March 2025
    was issued before the alignment."""
    academy = SigningKey.generate()
    listed = entity(
        did_key(academy.public_key),
        "Northern ICS Academy",
        recognised_from="2024-01-01T00:00:00Z",
        alignments=[{"subject": FIRE, "from": "2025-04-01T00:00:00Z"}],
        derecognisedAt="2026-06-01T00:00:00Z",
    )
    trust = trusting(registry_key, [listed])
    during = verify_credential(_fire_safety(academy, "2025-05-01T00:00:00Z"), now=NOW, trust=trust)
    assert during.verified
    assert during.check("issuer").reason == (
        "issued by Northern ICS Academy, recognised by Test Registry"
    )
    after = verify_credential(_fire_safety(academy, "2026-07-01T00:00:00Z"), now=NOW, trust=trust)
    assert after.check("issuer").problem == "issuer_not_recognised"
    assert "stopped recognising" in after.check("issuer").reason
    before = verify_credential(_fire_safety(academy, "2025-03-01T00:00:00Z"), now=NOW, trust=trust)
    assert before.check("issuer").problem == "issuer_not_aligned"


def test_an_issuer_aligned_for_another_subject_is_not_aligned(registry_key):
    """Recognised for resuscitation only: its fire safety credential is `issuer_not_aligned`."""
    academy = SigningKey.generate()
    listed = entity(
        did_key(academy.public_key),
        "Northern ICS Academy",
        alignments=[{"subject": "CSTF-RESUS", "from": "2020-01-01T00:00:00Z"}],
    )
    report = verify_credential(
        _fire_safety(academy, "2025-05-01T00:00:00Z"),
        now=NOW,
        trust=trusting(registry_key, [listed]),
    )
    assert not report.verified
    assert report.check("issuer").problem == "issuer_not_aligned"
    assert "CSTF-FIRE-L1" in report.check("issuer").reason


def test_a_credential_issued_while_suspended_is_not_recognised(registry_key):
    """A suspension covers what was issued during it, not what came before or after."""
    academy = SigningKey.generate()
    listed = entity(
        did_key(academy.public_key),
        "Northern ICS Academy",
        suspensions=[{"from": "2025-06-01T00:00:00Z", "until": "2025-07-01T00:00:00Z"}],
    )
    trust = trusting(registry_key, [listed])
    inside = verify_credential(_fire_safety(academy, "2025-06-15T00:00:00Z"), now=NOW, trust=trust)
    assert inside.check("issuer").problem == "issuer_not_recognised"
    assert "suspended" in inside.check("issuer").reason
    outside = verify_credential(_fire_safety(academy, "2025-07-15T00:00:00Z"), now=NOW, trust=trust)
    assert outside.verified


def test_an_accrediting_body_is_not_an_issuer(registry_key):
    """An accreditor is listed so its accreditations can be told, not to issue credentials."""
    body = SigningKey.generate()
    listed = entity(did_key(body.public_key), "Skills for Health", role="accreditor")
    report = verify_credential(
        _fire_safety(body, "2025-05-01T00:00:00Z"), now=NOW, trust=trusting(registry_key, [listed])
    )
    assert report.check("issuer").problem == "issuer_not_aligned"
    assert "accreditor" in report.check("issuer").reason


def test_under_the_proof_only_policy_recognition_is_reported_but_does_not_decide(
    unsigned_credential, issuer_key, method
):
    """A throwaway did:key verifies under proof-only; the report still says nobody vouches for
    it, and which policy decided."""
    signed = create_proof(unsigned_credential, issuer_key, method, datetime(2026, 2, 1, tzinfo=UTC))
    report = verify_credential(signed, now=NOW, trust=Trust(policy=Policy.PROOF_ONLY))
    assert report.verified
    assert report.policy == "proof-only"
    issuer = report.check("issuer")
    assert (issuer.outcome, issuer.problem, issuer.decides) == (
        Outcome.FAILED,
        "issuer_not_recognised",
        False,
    )
    assert report.to_dict()["policy"] == "proof-only"
    strict = verify_credential(signed, now=NOW, trust=Trust())
    assert (strict.verified, strict.policy) == (False, "registry")


def test_the_registry_reads_as_json_ld_with_the_bundled_contexts(registry_key):
    """Every term of the registry credential is defined by its contexts (VCDM 2.0 §4.3), so
    verifiers that read it as JSON-LD (vc.js, and our own `eddsa-jcs-2022` check) accept it."""
    document = registry_document(registry_key, [entity("did:web:academy.example", "Academy")])
    assert json_ld_problems(document) == []
    assert TrustedRegistry.from_document(document, _anchors(registry_key)).version == 1


def _endorsement(body: SigningKey, issued: str) -> dict[str, Any]:
    """An Open Badges `EndorsementCredential` of an achievement, signed by `body` on `issued`."""
    credential = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:6a1f0e9c-3333-4c3a-a978-8fcaba390001",
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "issuer": {"id": did_key(body.public_key), "type": ["Profile"], "name": "Skills Body"},
        "validFrom": issued,
        "credentialSubject": {
            "id": "urn:uuid:6a1f0e9c-2222-4c3a-a978-8fcaba390001",
            "type": ["EndorsementSubject"],
            "endorsementComment": "Meets the framework",
        },
    }
    at = datetime.fromisoformat(issued.replace("Z", "+00:00"))
    return create_proof(credential, body, did_key_verification_method(body.public_key), at)


def test_an_accrediting_body_s_endorsement_is_recognised(registry_key):
    """An endorsement by an entity listed as an accreditor passes the issuer check, though the
    accreditor issues no other credential."""
    body = SigningKey.generate()
    listed = entity(did_key(body.public_key), "Skills Body", role="accreditor")
    trust = trusting(registry_key, [listed])
    report = verify_credential(_endorsement(body, "2025-05-01T00:00:00Z"), now=NOW, trust=trust)
    assert report.verified
    assert "accrediting body" in report.check("issuer").reason
    assert trust.accredits(did_key(body.public_key), datetime(2025, 5, 1, tzinfo=UTC))


def test_an_issuer_is_an_accrediting_body_only_in_its_accrediting_periods(registry_key):
    """An issuer recognised as an accrediting body from June 2025 accredits in July, not in
    May; its May endorsement is judged as any credential of an issuer aligned only for fire
    safety, and is not recognised."""
    body = SigningKey.generate()
    did = did_key(body.public_key)
    listed = entity(
        did,
        "Skills Body",
        alignments=[{"subject": FIRE, "from": SINCE}],
        accrediting=[{"from": "2025-06-01T00:00:00Z", "until": None}],
    )
    trust = trusting(registry_key, [listed])
    assert trust.accredits(did, datetime(2025, 7, 1, tzinfo=UTC))
    assert not trust.accredits(did, datetime(2025, 5, 1, tzinfo=UTC))
    july = verify_credential(_endorsement(body, "2025-07-01T00:00:00Z"), now=NOW, trust=trust)
    assert july.verified
    may = verify_credential(_endorsement(body, "2025-05-01T00:00:00Z"), now=NOW, trust=trust)
    assert may.check("issuer").problem == "issuer_not_aligned"
