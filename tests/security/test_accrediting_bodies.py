"""Accreditation claimed by those the registry does not recognise as accrediting bodies: a plain
issuer endorsing through the API, an issuer recognising itself, endorsements signed by a key
the registry does not list or given by an issuer that was not an accrediting body."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from events.application import AwardEntry
from issuers.endorsements import ENDORSEMENT_KIND, endorsement_credential, holder_of
from keys import SigningKey, did_key, did_key_verification_method
from passport.registry import own_trust
from passport.services import Services
from passport.settings import Settings
from passport.web.accreditation import checked_accreditations
from tests.api_client import ACHIEVEMENT, Api, award_body
from tests.security.web_helpers import passport_file_of
from verifier.cryptosuites import CRYPTOSUITES
from verifier.eddsa_rdfc_2022 import CRYPTOSUITE as RDFC
from verifier.jose import encode_vc_jwt

ADMIN = "/api/v1/admin/registry/entities"


def _academy_award_and_body(api: Api) -> tuple[dict[str, Any], str, dict[str, Any], Any]:
    """An academy with one awarded achievement, and a second registered issuer that is not
    (yet) an accrediting body: (academy, achievement id, award, (body, body's auth))."""
    academy, academy_auth = api.register("Digital Academy")
    made = api.http.post(
        f"/api/v1/issuers/{academy['id']}/achievements", headers=academy_auth, json=ACHIEVEMENT
    )
    assert made.status_code == 201, made.text
    award = api.http.post(
        f"/api/v1/issuers/{academy['id']}/awards",
        headers=academy_auth,
        json=award_body(made.json()["id"]),
    )
    assert award.status_code == 201, award.text
    return academy, made.json()["id"], award.json(), api.register("Training Co")


def _endorse(api: Api, body: dict[str, Any], auth: dict[str, str], academy: str, ach: str) -> Any:
    return api.http.post(
        f"/api/v1/issuers/{body['id']}/endorsements",
        headers=auth,
        json={"issuerId": academy, "achievementId": ach, "comment": "Accredited, honestly"},
    )


def test_a_plain_issuer_cannot_endorse_and_is_told_how_to_be_recognised(
    api: Api, settings: Settings
) -> None:
    """A registered issuer the registry does not recognise as an accrediting body gets 403 with
    a problem naming the way to be recognised, and the learner's file carries no endorsement."""
    academy, achievement, award, (body, body_auth) = _academy_award_and_body(api)
    refused = _endorse(api, body, body_auth, academy["id"], achievement)
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    detail = refused.json()["detail"]
    assert "not recognised as an accrediting body" in detail
    assert f"passport issuer accredit {body['did']}" in detail
    bundle = passport_file_of(settings, award["learnerId"])
    types = [t for c in bundle["verifiableCredential"] for t in c["type"]]
    assert "EndorsementCredential" not in types


def test_an_issuer_cannot_recognise_itself_as_an_accrediting_body(api: Api) -> None:
    """Only the operator changes the registry: the issuer's own token gets 403, and it still
    cannot endorse; after the operator recognises it, it can."""
    academy, achievement, _, (body, body_auth) = _academy_award_and_body(api)
    self_made = api.http.post(f"{ADMIN}/{body['did']}/accrediting", headers=body_auth, json={})
    assert self_made.status_code == 403
    assert _endorse(api, body, body_auth, academy["id"], achievement).status_code == 403
    api.recognise_accrediting(body["did"])
    assert _endorse(api, body, body_auth, academy["id"], achievement).status_code == 201


def _signed_endorsement(
    key: SigningKey, method: str, endorser: dict[str, Any], subject: str, at: datetime
) -> dict[str, Any]:
    unsigned = endorsement_credential(
        credential_id=str(uuid.uuid4()),
        endorser=endorser,
        subject_id=subject,
        subject_name="Resuscitation Level 2",
        comment="We vouch for this course",
        at=at,
    )
    return CRYPTOSUITES[RDFC].create_proof(unsigned, key, method, created=at, proof_as_array=True)


def test_an_endorsement_signed_by_a_key_the_registry_does_not_list_is_no_accreditation(
    api: Api, settings: Settings
) -> None:
    """An endorsement slipped into a shared file, signed by an unknown did:key or claiming a
    recognised accrediting body's name and DID with a key that is not its own, is never shown
    as an accreditation on the employer's page."""
    _, achievement, award, (body, _) = _academy_award_and_body(api)
    api.recognise_accrediting(body["did"])
    bundle = passport_file_of(settings, award["learnerId"])
    credential_id = award["credentialId"]
    subject = f"urn:uuid:{achievement}"
    stranger = SigningKey.generate()
    forged = [
        _signed_endorsement(
            stranger,
            did_key_verification_method(stranger.public_key),
            {"id": did_key(stranger.public_key), "type": ["Profile"], "name": "Stranger Body"},
            subject,
            datetime.now(UTC),
        ),
        _signed_endorsement(
            stranger,
            f"{body['did']}#key-forged",
            {"id": body["did"], "type": ["Profile"], "name": "Training Co"},
            subject,
            datetime.now(UTC),
        ),
    ]
    shown_file = copy.deepcopy(bundle)
    shown_file["verifiableCredential"] += forged
    shown_file["staffPassport"]["endorsements"] = {credential_id: [f["id"] for f in forged]}
    services = Services.open(settings)
    try:
        now = datetime.now(UTC)
        shown = checked_accreditations(shown_file, now, own_trust(services, now))
    finally:
        services.close()
    assert [(a.endorser, a.accredited) for a in shown[credential_id]] == [
        ("Stranger Body", False),
        ("Training Co", False),
    ]
    assert not any(a.verified for a in shown[credential_id])


def _recorded_without_recognition(
    services: Services, body_id: UUID, achievement: str, at: datetime
) -> None:
    """An endorsement recorded on the ledger by an issuer that was not an accrediting body (as
    ledgers from before the role existed hold them): signed with its own registered key."""
    issuer = services.ledger.issuer(body_id)
    assert issuer.current_key is not None
    key = services.key_store.signer(issuer.current_key.rsplit("#", 1)[1])
    endorser = {"id": issuer.did, "type": ["Profile"], "name": issuer.name, "url": issuer.url}
    credential = _signed_endorsement(
        key, issuer.current_key, endorser, f"urn:uuid:{achievement}", at
    )
    jwt = encode_vc_jwt(
        {k: v for k, v in credential.items() if k != "proof"}, key, issuer.current_key, issued_at=at
    )
    services.ledger.record_awards(
        [
            AwardEntry(
                staff_identifier=holder_of(issuer.slug),
                name="",
                email="",
                credential_id=credential["id"],
                issuer_id=issuer.id,
                achievement_id=achievement,
                kind=ENDORSEMENT_KIND,
                credential=credential,
                jwt=jwt,
            )
        ]
    )
    services.projections.catch_up()


def test_an_endorsement_from_an_issuer_not_then_accrediting_is_shown_as_an_endorsement_only(
    api: Api, settings: Settings
) -> None:
    """An endorsement given by Training Co before the operator recognised it as an accrediting
    body reads "Endorsed by Training Co" on the learner's page, never "Accredited by", even
    after it was recognised."""
    _, achievement, award, (body, _) = _academy_award_and_body(api)
    services = Services.open(settings)
    try:
        _recorded_without_recognition(
            services, UUID(body["id"]), achievement, datetime.now(UTC) - timedelta(hours=1)
        )
        token = services.sharing.issue_learner_link(award["learnerId"], datetime.now(UTC))
    finally:
        services.close()
    api.recognise_accrediting(body["did"])
    page = api.http.get(f"/me/{token}")
    assert page.status_code == 200
    assert "Endorsed by" in page.text
    assert "Training Co was not a recognised accrediting body when it gave it" in page.text
    assert "Accredited by" not in page.text
