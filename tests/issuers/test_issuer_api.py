"""The issuer API over real HTTP: OAuth, achievements, awards, status, isolation."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import httpx
import jwt
import pytest
import uvicorn

from issuers.status_list import bitstring_with, encode_bitstring
from keys import SigningKey
from passport.services import Services
from passport.web.app import create_app
from tests.api_client import ACHIEVEMENT, Api, award_body
from tests.passport.server import free_port, running
from tests.registries import deployment_trust
from verifier import verify_credential
from verifier.checks import StatusLists
from verifier.status_list import bit_at, decode_encoded_list


def test_token_endpoint_accepts_basic_or_body_credentials_and_hides_which_part_failed(api):
    """Client credentials work both ways; a wrong secret and an unknown client look the same."""
    body = api.http.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": api.operator[0],
            "client_secret": api.operator[1],
        },
    )
    assert body.status_code == 200
    assert body.json()["token_type"] == "Bearer"
    assert body.headers["cache-control"] == "no-store"
    wrong_secret = api.http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(api.operator[0], "wrong")
    )
    unknown = api.http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=("client_nobody", "wrong")
    )
    assert wrong_secret.status_code == unknown.status_code == 401
    assert (
        wrong_secret.json()
        == unknown.json()
        == {"error": "invalid_client", "error_description": "client authentication failed"}
    )
    grant = api.http.post("/oauth/token", data={"grant_type": "password"}, auth=api.operator)
    assert grant.status_code == 400
    assert grant.json()["error"] == "unsupported_grant_type"


def test_only_the_operator_registers_issuers(api):
    """No token is 401, an issuer's token is 403, the operator's is 201 with credentials."""
    assert (
        api.http.post(
            "/api/v1/admin/issuers", json={"name": "A", "url": "https://a.example"}
        ).status_code
        == 401
    )
    account, issuer_token = api.register("North East Digital Academy")
    assert account["did"] == "did:web:passport.test:issuers:north-east-digital-academy"
    assert set(account) == {"id", "did", "client_id", "client_secret"}
    again = api.http.post(
        "/api/v1/admin/issuers",
        headers=issuer_token,
        json={"name": "B", "url": "https://b.example"},
    )
    assert again.status_code == 403


def test_a_forged_or_foreign_token_is_refused(api):
    """A token signed by someone else, or with alg none, is a 401."""
    forged = jwt.encode(
        {"sub": "operator", "client_id": api.operator[0]},
        SigningKey.generate().to_cryptography(),
        algorithm="EdDSA",
        headers={"typ": "at+jwt", "kid": "z6MkForged"},
    )
    response = api.http.post(
        "/api/v1/admin/issuers",
        headers={"Authorization": f"Bearer {forged}"},
        json={"name": "A", "url": "https://a.example"},
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    none = jwt.encode({"sub": "operator"}, "", algorithm="none")
    assert (
        api.http.post(
            "/api/v1/admin/issuers",
            headers={"Authorization": f"Bearer {none}"},
            json={"name": "A", "url": "https://a.example"},
        ).status_code
        == 401
    )


def test_achievement_versions_are_kept_by_the_awards_made_under_them(api):
    """An update makes version 2; an award made before keeps version 1's text."""
    account, token = api.register("Digital Academy")
    base = f"/api/v1/issuers/{account['id']}"
    created = api.http.post(f"{base}/achievements", headers=token, json=ACHIEVEMENT)
    assert created.status_code == 201, created.text
    achievement = created.json()
    assert achievement["version"] == 1
    assert achievement["achievement"]["alignment"][0]["targetFramework"] == (
        "Core Skills Training Framework"
    )
    first = api.http.post(f"{base}/awards", headers=token, json=award_body(achievement["id"]))
    assert first.status_code == 201, first.text
    updated = api.http.put(
        f"{base}/achievements/{achievement['id']}",
        headers=token,
        json={**ACHIEVEMENT, "description": "Now includes paediatric BLS."},
    )
    assert updated.json()["version"] == 2
    second = api.http.post(
        f"{base}/awards", headers=token, json=award_body(achievement["id"], staff="NMC-99Z9999Z")
    )
    old_text = first.json()["credential"]["credentialSubject"]["achievement"]["description"]
    new_text = second.json()["credential"]["credentialSubject"]["achievement"]["description"]
    assert (old_text, new_text) == (ACHIEVEMENT["description"], "Now includes paediatric BLS.")
    listed = api.http.get(f"{base}/achievements", headers=token).json()
    assert [a["version"] for a in listed] == [2]
    retired = api.http.post(f"{base}/achievements/{achievement['id']}/retire", headers=token)
    assert retired.json()["retired"] is True
    refused = api.http.post(f"{base}/awards", headers=token, json=award_body(achievement["id"]))
    assert refused.status_code == 409
    assert "retired" in refused.json()["detail"]


def test_an_award_verifies_in_both_forms_and_a_retry_issues_nothing_twice(api):
    """The response carries both securing forms; the same Idempotency-Key returns the same award."""
    account, token = api.register("Digital Academy")
    base = f"/api/v1/issuers/{account['id']}"
    achievement = api.http.post(f"{base}/achievements", headers=token, json=ACHIEVEMENT).json()
    headers = {**token, "Idempotency-Key": "lms-batch-7-row-1"}
    first = api.http.post(f"{base}/awards", headers=headers, json=award_body(achievement["id"]))
    again = api.http.post(f"{base}/awards", headers=headers, json=award_body(achievement["id"]))
    assert first.json()["credentialId"] == again.json()["credentialId"]
    award = first.json()
    for form in (award["credential"], award["jwt"]):
        check = api.http.post("/credentials/verify", json={"verifiableCredential": form})
        assert check.status_code == 200, check.text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"earnedOn": "yesterday"}, "earnedOn"),
        ({"learner": {"reference": "x", "name": "A"}}, "learner"),
        ({"creditsEarned": -1}, "creditsEarned"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_award_input_is_a_422_naming_the_field(api, change, field):
    """A wrong or missing field is refused with a message naming it; nothing is issued."""
    account, token = api.register("Digital Academy")
    base = f"/api/v1/issuers/{account['id']}"
    achievement = api.http.post(f"{base}/achievements", headers=token, json=ACHIEVEMENT).json()
    response = api.http.post(
        f"{base}/awards", headers=token, json={**award_body(achievement["id"]), **change}
    )
    assert response.status_code == 422
    assert field in response.json()["detail"]


def test_an_issuer_cannot_touch_another_issuers_achievements_or_awards(api):
    """Issuer B gets 403 on A's paths and 404 for A's award under its own path."""
    a, a_token = api.register("Academy A")
    b, b_token = api.register("Academy B")
    a_base, b_base = f"/api/v1/issuers/{a['id']}", f"/api/v1/issuers/{b['id']}"
    achievement = api.http.post(f"{a_base}/achievements", headers=a_token, json=ACHIEVEMENT).json()
    award = api.http.post(
        f"{a_base}/awards", headers=a_token, json=award_body(achievement["id"])
    ).json()
    credential_id = award["credentialId"]
    attempts = [
        api.http.post(f"{a_base}/achievements", headers=b_token, json=ACHIEVEMENT),
        api.http.get(f"{a_base}/achievements", headers=b_token),
        api.http.post(f"{a_base}/awards", headers=b_token, json=award_body(achievement["id"])),
        api.http.get(f"{a_base}/awards/{credential_id}", headers=b_token),
        api.http.post(
            f"{a_base}/awards/{credential_id}/revoke", headers=b_token, json={"reason": "hostile"}
        ),
    ]
    assert [r.status_code for r in attempts] == [403] * 5
    assert api.http.get(f"{b_base}/awards/{credential_id}", headers=b_token).status_code == 404
    assert (
        api.http.post(
            f"{b_base}/awards/{credential_id}/revoke", headers=b_token, json={"reason": "hostile"}
        ).status_code
        == 404
    )
    assert (
        api.http.post(
            f"{b_base}/awards", headers=b_token, json=award_body(achievement["id"])
        ).status_code
        == 404
    )
    status = api.http.get(f"{a_base}/awards/{credential_id}", headers=a_token).json()["status"]
    assert status == "active"


def test_revoke_suspend_and_reinstate_show_in_verification(api):
    """Suspended and revoked credentials fail verification; a reinstated one verifies again."""
    account, token = api.register("Digital Academy")
    base = f"/api/v1/issuers/{account['id']}"
    achievement = api.http.post(f"{base}/achievements", headers=token, json=ACHIEVEMENT).json()
    award = api.http.post(
        f"{base}/awards", headers=token, json=award_body(achievement["id"])
    ).json()
    path = f"{base}/awards/{award['credentialId']}"

    def verify() -> httpx.Response:
        return api.http.post("/credentials/verify", json={"verifiableCredential": award["jwt"]})

    assert (
        api.http.post(f"{path}/suspend", headers=token, json={"reason": "audit"}).json()["status"]
        == "suspended"
    )
    assert verify().status_code == 400
    assert "suspended" in verify().text
    assert (
        api.http.post(
            f"{path}/reinstate", headers=token, json={"reason": "audit closed"}
        ).status_code
        == 200
    )
    assert verify().status_code == 200
    assert (
        api.http.post(f"{path}/revoke", headers=token, json={"reason": "error"}).status_code == 200
    )
    assert "revoked" in verify().text
    again = api.http.post(f"{path}/suspend", headers=token, json={"reason": "x"})
    assert again.status_code == 409
    assert "it is revoked" in again.json()["detail"]
    empty = api.http.post(f"{path}/revoke", headers=token, json={"reason": ""})
    assert empty.status_code == 422


def test_published_status_list_is_signed_cacheable_and_follows_revocation(api, settings):
    """The revocation list verifies, answers 304 to its ETag, and gains the bit on revocation."""
    account, token = api.register("Digital Academy")
    base = f"/api/v1/issuers/{account['id']}"
    achievement = api.http.post(f"{base}/achievements", headers=token, json=ACHIEVEMENT).json()
    award = api.http.post(
        f"{base}/awards", headers=token, json=award_body(achievement["id"])
    ).json()
    entry = award["credential"]["credentialStatus"]
    assert (entry["statusPurpose"], entry["statusSize"]) == ("message", 2)
    url = entry["statusListCredential"]
    path = url.removeprefix("https://passport.test")
    first = api.http.get(path)
    assert first.status_code == 200
    keys = deployment_trust(api.http, settings)
    without_list = verify_credential(
        award["credential"], now=datetime.now(UTC), trust=keys, status_lists=StatusLists({}, "t")
    )
    assert without_list.check("status").outcome.value == "unknown"
    lists = StatusLists({url: first.json()}, "test")
    report = verify_credential(
        award["credential"], now=datetime.now(UTC), trust=keys, status_lists=lists
    )
    assert report.check("status").outcome.value == "passed"
    assert api.http.get(path, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    api.http.post(
        f"{base}/awards/{award['credentialId']}/revoke", headers=token, json={"reason": "error"}
    )
    after = api.http.get(path)
    assert after.headers["etag"] != first.headers["etag"]
    revoked = verify_credential(
        award["credential"],
        now=datetime.now(UTC),
        trust=keys,
        status_lists=StatusLists({url: after.json()}, "test"),
    )
    assert revoked.check("status").problem == "revoked"
    index = int(entry["statusListIndex"])
    bits = decode_encoded_list(after.json()["credentialSubject"]["encodedList"])
    assert bit_at(bits, index, 2) == 1, "0x1: revoked"
    assert sum(bin(b).count("1") for b in bits) == 1


def test_status_lists_tampered_or_from_another_issuer_leave_status_unknown(api, settings):
    """A list whose proof fails does not clear a credential: the status is unknown."""
    account, token = api.register("Digital Academy")
    base = f"/api/v1/issuers/{account['id']}"
    achievement = api.http.post(f"{base}/achievements", headers=token, json=ACHIEVEMENT).json()
    award = api.http.post(
        f"{base}/awards", headers=token, json=award_body(achievement["id"])
    ).json()
    url = award["credential"]["credentialStatus"]["statusListCredential"]
    document = api.http.get(url.removeprefix("https://passport.test")).json()
    document["credentialSubject"]["encodedList"] = encode_bitstring(bitstring_with([]))
    document["validFrom"] = "2020-01-01T00:00:00Z"
    keys = deployment_trust(api.http, settings)
    report = verify_credential(
        award["credential"],
        now=datetime.now(UTC),
        trust=keys,
        status_lists=StatusLists({url: document}, "test"),
    )
    assert report.check("status").outcome.value == "unknown"
    assert "does not verify" in report.check("status").reason


def test_did_web_document_lists_current_and_retired_keys(api, settings):
    """/issuers/{slug}/did.json is the issuer's DID document with every key it has had."""
    account, _ = api.register("Digital Academy")
    services = Services.open(settings)
    try:
        services.awarding.rotate_issuer_key(UUID(account["id"]), datetime.now(UTC))
    finally:
        services.close()
    response = api.http.get("/issuers/digital-academy/did.json")
    assert response.status_code == 200
    document = response.json()
    assert document["id"] == account["did"]
    assert len(document["verificationMethod"]) == 2
    assert all(
        m["type"] == "Multikey" and m["controller"] == account["did"]
        for m in document["verificationMethod"]
    )
    assert api.http.get("/issuers/nobody/did.json").status_code == 404


def test_an_award_can_carry_an_eddsa_rdfc_2022_proof(api):
    """`cryptosuite: eddsa-rdfc-2022` on an award: the Open Badges proof wallets expect."""
    account, token = api.register("Wallet Academy")
    base = f"/api/v1/issuers/{account['id']}"
    achievement = api.http.post(f"{base}/achievements", headers=token, json=ACHIEVEMENT).json()
    made = api.http.post(
        f"{base}/awards",
        headers={**token, "Idempotency-Key": "rdfc"},
        json={**award_body(achievement["id"]), "cryptosuite": "eddsa-rdfc-2022"},
    )
    assert made.status_code == 201, made.text
    credential = made.json()["credential"]
    assert [p["cryptosuite"] for p in credential["proof"]] == ["eddsa-rdfc-2022"]
    check = api.http.post("/credentials/verify", json={"verifiableCredential": credential})
    assert check.status_code == 200, check.text
    unknown = api.http.post(
        f"{base}/awards",
        headers=token,
        json={**award_body(achievement["id"]), "cryptosuite": "rsa"},
    )
    assert unknown.status_code == 422


def test_a_client_registered_before_the_follower_applied_it_is_known_at_once(settings):
    """A server whose follower has not applied a client's registration (one just started, the
    client made by the CLI a moment before): the client's token is accepted, since it was
    minted from what is recorded and is checked against it too; the operator registers an
    issuer with it."""
    services = Services.open(settings)
    try:
        operator = services.accounts.new_operator_client()  # the read models have not seen it
    finally:
        services.close()
    quick = settings.model_copy(update={"write_wait": 0.2})
    app = create_app(quick, background=False)  # and no follower will apply it
    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning")
    with (
        running(uvicorn.Server(config)),
        httpx.Client(base_url=f"http://127.0.0.1:{config.port}", timeout=30) as http,
    ):
        account, _ = Api(http, (operator.client_id, operator.client_secret)).register("Early")
        assert account["client_id"]
    services = Services.open(settings)
    try:
        assert services.views.client(operator.client_id) is None  # still unapplied: the fallback
    finally:
        services.close()
