"""W3C VC API `POST /presentations/verify` over real HTTP, against the demo ledger."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from keys import SigningKey, did_key, did_key_verification_method
from verifier import eddsa_rdfc_2022, sign_presentation
from verifier.jose import encode_vp_jwt

V2 = "https://www.w3.org/ns/credentials/v2"
CHALLENGE = "d436f0c8-fbd9-4e48-bbb2-55fc5d0920a8"
DOMAIN = "employer.nhs.example"
PRESENTATION_CHECKS = ["presentation_well_formed", "presentation_proof", "holder", "challenge"]


def _export(client: httpx.Client, learner: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/learners/{learner}/export")
    assert response.status_code == 200, response.text
    bundle: dict[str, Any] = response.json()
    return bundle


def _did_key_credential(client: httpx.Client) -> dict[str, Any]:
    """A credential from an issuer outside the ledger (did:key), signed eddsa-rdfc-2022, that
    the operator recognised in the ledger's registry through the admin API."""
    key = SigningKey.generate()
    did = did_key(key.public_key)
    since = "2025-01-01T00:00:00Z"
    recognised = client.post(
        "/api/v1/admin/registry/entities",
        json={"did": did, "name": "Northern ICS Academy", "recognisedFrom": since},
    )
    assert recognised.status_code == 201, recognised.text
    aligned = client.post(f"/api/v1/admin/registry/entities/{did}/alignments", json={"from": since})
    assert aligned.status_code == 200, aligned.text
    assert aligned.json()["version"] == recognised.json()["version"] + 1
    return eddsa_rdfc_2022.create_proof(
        {
            "@context": [V2],
            "id": "urn:uuid:5a3b0d1e-0000-4000-8000-0000000000aa",
            "type": ["VerifiableCredential"],
            "issuer": did_key(key.public_key),
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {"id": "urn:example:learner", "name": "Priya Raman"},
        },
        key,
        did_key_verification_method(key.public_key),
        datetime.now(UTC),
    )


def _held(bundle: dict[str, Any], client: httpx.Client) -> list[dict[str, Any]]:
    """A ledger credential as issued (eddsa-jcs-2022), the same one as an enveloped vc+jwt,
    and a did:key issuer's eddsa-rdfc-2022 credential."""
    credential = bundle["verifiableCredential"][0]
    token = bundle["staffPassport"]["jwts"][credential["id"]]
    enveloped = {
        "@context": [V2],
        "type": ["EnvelopedVerifiableCredential"],
        "id": f"data:application/vc+jwt,{token}",
    }
    return [credential, enveloped, _did_key_credential(client)]


def _vp(
    holder: SigningKey,
    credentials: list[dict[str, Any]],
    challenge: str | None = CHALLENGE,
    domain: str | None = DOMAIN,
) -> dict[str, Any]:
    return sign_presentation(
        {
            "@context": [V2],
            "type": ["VerifiablePresentation"],
            "holder": did_key(holder.public_key),
            "verifiableCredential": credentials,
        },
        holder,
        did_key_verification_method(holder.public_key),
        datetime.now(UTC),
        challenge=challenge,
        domain=domain,
    )


@pytest.fixture
def priya(client: httpx.Client, seeded: dict[str, str]) -> list[dict[str, Any]]:
    return _held(_export(client, seeded["Priya Raman"]), client)


def _verify(client: httpx.Client, body: Any, **kwargs: Any) -> httpx.Response:
    return client.post("/presentations/verify", json=body, **kwargs)


def test_a_holder_signed_presentation_verifies_with_the_vc_api_result(client, priya):
    """200 and verified; `results` as the VC API gives them; our named checks beside them.
    Unknown option keys are ignored."""
    holder = SigningKey.generate()
    vp = _vp(holder, priya)
    response = _verify(
        client,
        {
            "verifiablePresentation": vp,
            "options": {"challenge": CHALLENGE, "domain": DOMAIN, "checks": ["proof"], "x": 1},
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["verified"] is True, body["problemDetails"]
    assert body["problemDetails"] == []
    assert body["errors"] == [] and body["warnings"] == []
    assert body["results"] == {
        "proof": [{"valid": True, "input": vp["proof"]}],
        "holder": {"valid": True, "input": did_key(holder.public_key)},
        "challenge": {"valid": True, "input": CHALLENGE},
        "domain": {"valid": True, "input": DOMAIN},
    }
    assert body["presentationResult"]["verified"] is True
    assert [c["id"] for c in body["presentationResult"]["checks"]][:4] == PRESENTATION_CHECKS
    forms = [c["form"] for c in body["credentialResults"]]
    assert forms == ["eddsa-jcs-2022", "vc+jwt", "eddsa-rdfc-2022"]
    assert all(c["verified"] for c in body["credentialResults"])
    ledger = {c["id"]: c["outcome"] for c in body["credentialResults"][0]["checks"]}
    assert ledger["status"] == "passed"  # the ledger's own status list, nothing fetched
    assert "verifiablePresentation" not in body


def test_a_replayed_presentation_is_200_not_verified_naming_the_challenge(client, priya):
    vp = _vp(SigningKey.generate(), priya)
    response = _verify(
        client,
        {"verifiablePresentation": vp, "options": {"challenge": "a-new-request", "domain": DOMAIN}},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["verified"] is False
    assert body["results"]["challenge"] == {"valid": False, "input": "a-new-request"}
    assert body["results"]["proof"][0]["valid"] is True
    assert [p["type"].rsplit("/", 1)[-1] for p in body["problemDetails"]] == ["challenge_mismatch"]
    assert body["problemDetails"][0]["title"] == "Challenge"
    # The W3C suites read a 200 as a failure only when `errors` is not empty.
    assert len(body["errors"]) == 1 and body["errors"][0].startswith("Challenge: ")


def test_another_domain_and_a_missing_challenge_fail_their_checks(client, priya):
    vp = _vp(SigningKey.generate(), priya, challenge=None)
    body = _verify(
        client,
        {"verifiablePresentation": vp, "options": {"challenge": CHALLENGE, "domain": "x.example"}},
    ).json()
    assert body["verified"] is False
    problems = {p["type"].rsplit("/", 1)[-1] for p in body["problemDetails"]}
    assert problems == {"missing_challenge", "domain_mismatch"}


def test_a_revoked_or_tampered_credential_fails_inside_a_good_presentation(client, seeded, priya):
    """The presentation verifies; a credential the ledger revoked, or one changed, does not."""
    tomasz = _export(client, seeded["Tomasz Nowak"])
    revoked = next(
        c
        for c in tomasz["verifiableCredential"]
        if tomasz["staffPassport"]["statuses"].get(c["id"], {}).get("status") == "revoked"
    )
    tampered = copy.deepcopy(priya[0])
    tampered["credentialSubject"]["achievement"]["name"] = "Something grander"
    vp = _vp(SigningKey.generate(), [revoked, tampered])
    response = _verify(client, {"verifiablePresentation": vp, "options": {"challenge": CHALLENGE}})
    assert response.status_code == 200
    body = response.json()
    assert body["verified"] is False
    assert body["presentationResult"]["verified"] is True
    first, second = body["credentialResults"]
    assert {c["id"]: c["problem"] for c in first["checks"]}["status"] == "revoked"
    assert {c["id"]: c["problem"] for c in second["checks"]}["proof"] == "bad_signature"
    details = [p["detail"] for p in body["problemDetails"]]
    assert any(d.startswith(f"credential {revoked['id']}") for d in details)


def test_an_enveloped_vp_jwt_presentation_verifies_and_a_replay_does_not(client, priya):
    """VC-JOSE-COSE: an EnvelopedVerifiablePresentation (or the bare vp+jwt) is 200 verified;
    replayed with another challenge it is 200, not verified, naming the challenge; a JWT that
    is not one is 400."""
    holder = SigningKey.generate()
    kid = did_key_verification_method(holder.public_key)
    token = encode_vp_jwt(
        {
            "@context": [V2],
            "type": ["VerifiablePresentation"],
            "holder": did_key(holder.public_key),
            "verifiableCredential": priya,
        },
        holder,
        kid,
        nonce=CHALLENGE,
        audience=DOMAIN,
        issued_at=datetime.now(UTC),
    )
    enveloped = {
        "@context": [V2],
        "type": "EnvelopedVerifiablePresentation",
        "id": f"data:application/vp+jwt,{token}",
    }
    options = {"challenge": CHALLENGE, "domain": DOMAIN}
    for presentation in (enveloped, token):
        response = _verify(client, {"verifiablePresentation": presentation, "options": options})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["verified"] is True, body["problemDetails"]
        assert body["results"] == {
            "proof": [{"valid": True, "input": {"alg": "EdDSA", "typ": "vp+jwt", "kid": kid}}],
            "holder": {"valid": True, "input": did_key(holder.public_key)},
            "challenge": {"valid": True, "input": CHALLENGE},
            "domain": {"valid": True, "input": DOMAIN},
        }
        forms = [c["form"] for c in body["credentialResults"]]
        assert forms == ["eddsa-jcs-2022", "vc+jwt", "eddsa-rdfc-2022"]

    replayed = _verify(
        client,
        {"verifiablePresentation": enveloped, "options": {**options, "challenge": "a-new-one"}},
    )
    assert replayed.status_code == 200, replayed.text
    body = replayed.json()
    assert body["verified"] is False
    assert body["results"]["challenge"] == {"valid": False, "input": "a-new-one"}
    assert body["results"]["proof"][0]["valid"] is True
    assert [p["type"].rsplit("/", 1)[-1] for p in body["problemDetails"]] == ["challenge_mismatch"]

    for malformed in (token.rsplit(".", 1)[0], {**enveloped, "id": f"{enveloped['id']}.x"}):
        response = _verify(client, {"verifiablePresentation": malformed, "options": options})
        assert response.status_code == 400, response.text
        assert response.json()["verified"] is False
        assert response.json()["problemDetails"][0]["type"].endswith("/malformed")


def test_a_tampered_presentation_fails_its_proof(client, priya):
    vp = _vp(SigningKey.generate(), priya)
    vp["holder"] = did_key(SigningKey.generate().public_key)
    body = _verify(client, {"verifiablePresentation": vp, "options": {"challenge": CHALLENGE}})
    assert body.status_code == 200
    assert body.json()["verified"] is False
    assert body.json()["results"]["proof"][0]["valid"] is False
    assert body.json()["results"]["holder"]["valid"] is False


def test_an_unsigned_presentation_needs_the_proofless_request(client, priya):
    """`verifiablePresentation` must carry the holder's proof; `presentation` need not."""
    unsigned = {"@context": [V2], "type": ["VerifiablePresentation"], "verifiableCredential": priya}
    strict = _verify(client, {"verifiablePresentation": unsigned}).json()
    assert strict["verified"] is False
    assert strict["problemDetails"][0]["type"].endswith("/missing_proof")
    proofless = _verify(client, {"presentation": unsigned, "options": {"returnPresentation": True}})
    assert proofless.status_code == 200
    assert proofless.json()["verified"] is True
    assert proofless.json()["verifiablePresentation"] == unsigned


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"options": {"challenge": CHALLENGE}},
        {"verifiablePresentation": "eyJhbGciOiJFZERTQSJ9.e30.c2ln"},
        {"verifiablePresentation": {"type": ["VerifiablePresentation"]}, "options": {"domain": 7}},
        {"verifiablePresentation": {"@context": [V2], "type": ["VerifiableCredential"]}},
        {
            "verifiablePresentation": {"@context": [V2], "type": ["VerifiablePresentation"]},
            "presentation": {},
        },
        [],
    ],
)
def test_malformed_input_is_400_with_the_result_body(client, body):
    response = _verify(client, body)
    assert response.status_code == 400, response.text
    result = response.json()
    assert result["verified"] is False
    assert result["problemDetails"][0]["detail"]
    assert set(result) >= {"verified", "results", "problemDetails", "credentialResults"}


def test_a_body_that_is_not_json_is_400(client):
    response = client.post(
        "/presentations/verify", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["verified"] is False


def test_a_too_large_body_is_413(client):
    response = client.post(
        "/presentations/verify",
        content=b"{" + b" " * (1024 * 1024 + 10) + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413


def test_the_openapi_document_describes_the_endpoint(client):
    operation = client.get("/openapi.json").json()["paths"]["/presentations/verify"]["post"]
    assert set(operation["responses"]) >= {"200", "400", "413"}
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/VerifyPresentationRequest")
