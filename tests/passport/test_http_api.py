"""The HTTP API over a real socket: passports, exports, and the VC API verify endpoint."""

from __future__ import annotations

import copy
from urllib.parse import urlsplit

import jwt
import pytest

from keys import PublicKey
from verifier.data_model import credential_problems, presentation_problems


def test_passport_shows_credentials_cpd_by_year_and_expiring_first(client, seeded):
    """Amira's passport lists her six credentials, CPD per NHS year, and IG expiring soon."""
    body = client.get(f"/api/v1/learners/{seeded['Amira Okafor']}/passport").json()
    assert len(body["credentials"]) == 6
    assert sum(body["cpd_credits_by_year"].values()) == 7.0
    names = {c["id"]: c["name"] for c in body["credentials"]}
    assert [names[i] for i in body["expiring_soon"]] == [
        "Information Governance and Data Security (CSTF)"
    ]


def test_only_the_operator_reads_a_learner_by_id(client, seeded):
    """Learner ids derive from staff numbers: without the operator's token, nothing is shown."""
    learner = seeded["Amira Okafor"]
    for path in (f"/api/v1/learners/{learner}/passport", f"/api/v1/learners/{learner}/export"):
        anonymous = client.get(path, headers={"Authorization": ""})
        assert anonymous.status_code == 401
        assert "Amira" not in anonymous.text


def test_unknown_learner_is_a_404_problem(client):
    """A passport that does not exist is a problem-details 404, not a 500."""
    response = client.get("/api/v1/learners/nobody/passport")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "no learner" in response.json()["detail"]


def test_vc_api_verify_accepts_a_good_credential_in_both_forms(client, seeded):
    """POST /credentials/verify: 200 and verified for the JSON proof form and the JWT form."""
    bundle = client.get(f"/api/v1/learners/{seeded['Priya Raman']}/export").json()
    credential = bundle["verifiableCredential"][0]
    response = client.post(
        "/credentials/verify",
        json={"verifiableCredential": credential, "options": {"checks": ["proof"]}},
    )
    assert response.status_code == 200, response.text
    assert response.json()["verified"] is True
    token = bundle["staffPassport"]["jwts"][credential["id"]]
    response = client.post("/credentials/verify", json={"verifiableCredential": token})
    assert response.status_code == 200, response.text


def test_exported_jwt_verifies_with_a_standard_jwt_library(client, seeded):
    """Any JWT library given the issuer's public key accepts our vc+jwt (EdDSA)."""
    bundle = client.get(f"/api/v1/learners/{seeded['Priya Raman']}/export").json()
    credential = bundle["verifiableCredential"][0]
    token = bundle["staffPassport"]["jwts"][credential["id"]]
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA" and header["typ"] == "vc+jwt"
    key = next(
        k for i in bundle["staffPassport"]["issuers"] for k in i["keys"] if k["id"] == header["kid"]
    )
    public = PublicKey.from_multibase(key["publicKeyMultibase"]).to_cryptography()
    claims = jwt.decode(token, public, algorithms=["EdDSA"], options={"verify_aud": False})
    assert claims["jti"] == credential["id"]
    assert claims["credentialSubject"] == credential["credentialSubject"]


def test_vc_api_verify_refuses_a_tampered_credential_with_400_and_reasons(client, seeded):
    """A changed credential is a 400 whose body says verified false and names the proof."""
    bundle = client.get(f"/api/v1/learners/{seeded['Priya Raman']}/export").json()
    credential = copy.deepcopy(bundle["verifiableCredential"][0])
    credential["credentialSubject"]["achievement"]["name"] = "Something grander"
    response = client.post("/credentials/verify", json={"verifiableCredential": credential})
    assert response.status_code == 400
    body = response.json()
    assert body["verified"] is False
    assert any(
        (p["title"] and "proof" in p["type"]) or "signature" in p["type"]
        for p in body["problemDetails"]
    )


@pytest.mark.parametrize(
    "payload", [{}, {"verifiableCredential": 42}, {"verifiableCredential": "not.a.jwt"}]
)
def test_vc_api_verify_answers_bad_input_with_a_clear_4xx(client, payload):
    """Missing or mistyped input is the VC API's 400 ("invalid input"), saying what is wrong and
    which policy answered, never a 500."""
    response = client.post("/credentials/verify", json=payload)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["verified"] is False
    assert body["policy"] in {"registry", "proof-only"}
    assert response.text.strip() != "{}"


def test_oversized_bodies_are_refused_with_413(client):
    """A body over 1 MB is refused before it is parsed."""
    response = client.post(
        "/credentials/verify",
        content=b"{" + b" " * (1024 * 1024 + 10) + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413


def test_a_revocation_reason_reads_in_plain_words_to_its_learner(client, seeded):
    """Reasons are sealed in the log; the passport and its export show them opened."""
    learner = seeded["Tomasz Nowak"]
    view = client.get(f"/api/v1/learners/{learner}/passport").json()
    reasons = {c["status"]: c["status_reason"] for c in view["credentials"]}
    assert reasons["revoked"] == "Awarded in error: assessment not passed."
    bundle = client.get(f"/api/v1/learners/{learner}/export").json()
    exported = {s["status"]: s["reason"] for s in bundle["staffPassport"]["statuses"].values()}
    assert exported["revoked"] == "Awarded in error: assessment not passed."


def test_vc_api_verify_answers_400_for_a_jwt_that_cannot_be_decoded(client):
    """A compact JWT with a segment no base64 text can have is bad input, never a 500."""
    response = client.post("/credentials/verify", json={"verifiableCredential": "eyJh.eyJh.abcde"})
    assert response.status_code == 400, response.text


def test_everything_we_publish_keeps_the_vc_data_model_rules(client, seeded):
    """Each credential in an export, its status list credentials and the export itself (a
    presentation) break no VCDM 2.0 rule."""
    bundle = client.get(f"/api/v1/learners/{seeded['Tomasz Nowak']}/export").json()
    assert presentation_problems(bundle) == []
    lists = set()
    for credential in bundle["verifiableCredential"]:
        assert credential_problems(credential) == [], credential["id"]
        lists.add(credential["credentialStatus"]["statusListCredential"])
    assert lists
    for url in lists:
        response = client.get(urlsplit(url).path)
        assert response.status_code == 200, url
        assert credential_problems(response.json()) == [], url
