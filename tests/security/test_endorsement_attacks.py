"""Endorsements under attack: forged accreditation, tampered or revoked endorsements."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from passport.registry import own_trust
from passport.services import Services
from passport.settings import Settings
from passport.verification import ledger_verifier
from tests.api_client import ACHIEVEMENT, Api, award_body
from tests.security.web_helpers import passport_file_of
from verifier.report import Outcome
from verifier.verify import verify_document


def _academy_and_body(api: Api) -> tuple[dict[str, Any], dict[str, str], str, dict[str, Any]]:
    """An academy with one awarded achievement, and an accrediting body's account and token
    (recognised as one in the registry through the operator's admin API).

    Returns (academy account, body's auth header, achievement id, the award)."""
    academy, academy_auth = api.register("Digital Academy")
    made = api.http.post(
        f"/api/v1/issuers/{academy['id']}/achievements", headers=academy_auth, json=ACHIEVEMENT
    )
    assert made.status_code == 201, made.text
    achievement = made.json()["id"]
    award = api.http.post(
        f"/api/v1/issuers/{academy['id']}/awards",
        headers=academy_auth,
        json=award_body(achievement),
    )
    assert award.status_code == 201, award.text
    body, body_auth = api.register("Faculty of Clinical Informatics")
    api.recognise_accrediting(body["did"])
    return academy, {**body_auth, "X-Body": body["id"]}, achievement, award.json()


def _endorse(api: Api, auth: dict[str, str], academy_id: str, achievement: str) -> Any:
    body_id = auth["X-Body"]
    return api.http.post(
        f"/api/v1/issuers/{body_id}/endorsements",
        headers={"Authorization": auth["Authorization"]},
        json={"issuerId": academy_id, "achievementId": achievement, "comment": "Accredited"},
    )


def _endorsement_in(bundle: dict[str, Any]) -> dict[str, Any]:
    found = [
        c for c in bundle["verifiableCredential"] if "EndorsementCredential" in c.get("type", [])
    ]
    assert len(found) == 1
    return found[0]


def _report_of(settings: Settings, bundle: dict[str, Any], credential_id: str) -> Any:
    """The verifier's report on the JSON form of one credential of the file (as the employer's
    page reads it: the JWT twins left out)."""
    extras = {k: v for k, v in bundle["staffPassport"].items() if k != "jwts"}
    services = Services.open(settings)
    try:
        now = datetime.now(UTC)
        report = verify_document(
            {**bundle, "staffPassport": extras}, now=now, trust=own_trust(services, now)
        )
    finally:
        services.close()
    return {r.credential_id: r for r in report.credentials}[credential_id]


def test_an_issuer_cannot_endorse_in_another_issuers_name(api: Api) -> None:
    """A client acting for the academy cannot post an endorsement as the accrediting body."""
    academy, body_auth, achievement, _ = _academy_and_body(api)
    _, academy_auth = api.register("Other Academy")
    refused = api.http.post(
        f"/api/v1/issuers/{body_auth['X-Body']}/endorsements",
        headers=academy_auth,
        json={"issuerId": academy["id"], "achievementId": achievement, "comment": "Forged"},
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_endorsing_needs_a_token(api: Api) -> None:
    """Without an access token nothing is endorsed."""
    academy, body_auth, achievement, _ = _academy_and_body(api)
    refused = api.http.post(
        f"/api/v1/issuers/{body_auth['X-Body']}/endorsements",
        json={"issuerId": academy["id"], "achievementId": achievement, "comment": "Forged"},
    )
    assert refused.status_code == 401


def test_an_academy_cannot_accredit_itself(api: Api) -> None:
    """Self-endorsement is refused with a 422 problem saying why."""
    academy, academy_auth = api.register("Vain Academy")
    made = api.http.post(
        f"/api/v1/issuers/{academy['id']}/achievements", headers=academy_auth, json=ACHIEVEMENT
    )
    refused = api.http.post(
        f"/api/v1/issuers/{academy['id']}/endorsements",
        headers=academy_auth,
        json={"issuerId": academy["id"], "achievementId": made.json()["id"], "comment": "Best"},
    )
    assert refused.status_code == 422
    assert "cannot endorse itself" in refused.json()["detail"]


def test_endorsing_an_unknown_achievement_is_a_404(api: Api) -> None:
    """An achievement the academy never defined cannot be endorsed."""
    academy, body_auth, _, _ = _academy_and_body(api)
    refused = _endorse(api, body_auth, academy["id"], "no-such-achievement")
    assert refused.status_code == 404


def test_a_tampered_endorsement_fails_verification(api: Api, settings: Settings) -> None:
    """Changing the endorsement's comment or what it endorses breaks its proof."""
    academy, body_auth, achievement, award = _academy_and_body(api)
    made = _endorse(api, body_auth, academy["id"], achievement)
    assert made.status_code == 201, made.text
    bundle = passport_file_of(settings, award["learnerId"])
    endorsement_id = made.json()["credentialId"]
    assert _report_of(settings, bundle, endorsement_id).verified
    for field, value in (("endorsementComment", "Outstanding"), ("id", "urn:uuid:other")):
        forged = copy.deepcopy(bundle)
        _endorsement_in(forged)["credentialSubject"][field] = value
        report = _report_of(settings, forged, endorsement_id)
        assert not report.verified
        assert report.check("proof").outcome is Outcome.FAILED


def test_a_revoked_endorsement_fails_and_leaves_the_passport(api: Api, settings: Settings) -> None:
    """Once revoked, the endorsement no longer verifies and new exports no longer carry it."""
    academy, body_auth, achievement, award = _academy_and_body(api)
    made = _endorse(api, body_auth, academy["id"], achievement)
    endorsement_id = made.json()["credentialId"]
    before = passport_file_of(settings, award["learnerId"])
    revoked = api.http.post(
        f"/api/v1/issuers/{body_auth['X-Body']}/endorsements/{endorsement_id}/revoke",
        headers={"Authorization": body_auth["Authorization"]},
        json={"reason": "Accreditation lapsed"},
    )
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "revoked"
    services = Services.open(settings)
    try:
        verify = ledger_verifier(services, datetime.now(UTC))
        report = verify(_endorsement_in(before))
    finally:
        services.close()
    assert not report.verified
    assert report.check("status").outcome is Outcome.FAILED
    after = passport_file_of(settings, award["learnerId"])
    assert endorsement_id not in [c["id"] for c in after["verifiableCredential"]]
    assert after["staffPassport"]["endorsements"] == {}


def test_an_academy_cannot_revoke_someone_elses_endorsement(api: Api) -> None:
    """Only the endorsing body can withdraw its endorsement: for anyone else it does not exist."""
    academy, body_auth, achievement, _ = _academy_and_body(api)
    made = _endorse(api, body_auth, academy["id"], achievement)
    endorsement_id = made.json()["credentialId"]
    _, academy_auth = api.register("Rival Academy")
    refused = api.http.post(
        f"/api/v1/issuers/{academy['id']}/endorsements/{endorsement_id}/revoke",
        headers=academy_auth,
        json={"reason": "Spite"},
    )
    assert refused.status_code == 403
