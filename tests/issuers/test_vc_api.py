"""The W3C VC API issuer endpoints: issue and status, as standard clients call them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.api_client import Api
from tests.badges import open_badge
from verifier.status_list import decode_encoded_list


def _credential(did: str) -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "issuer": did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "alumniOf": "Example University",
        },
    }


def _revoke_then_see_it_refused(api: Api, token: dict[str, str], signed: dict[str, Any]) -> None:
    """Revoke through the VC API (the earlier list form); verification then answers 400."""
    revoked = api.http.post(
        "/credentials/status",
        headers=token,
        json={
            "credentialId": signed["id"],
            "credentialStatus": [{"type": "BitstringStatusListCredential", "status": "revoked"}],
        },
    )
    assert revoked.status_code == 200, revoked.text
    after = api.http.post("/credentials/verify", json={"verifiableCredential": signed})
    assert after.status_code == 400
    assert "revoked" in after.text


def test_issue_signs_with_status_entries_and_the_result_verifies(api: Api):
    """POST /credentials/issue returns 201 with a proof and status entries; verify says 200."""
    account, token = api.register("VC API Academy")
    response = api.http.post(
        "/credentials/issue",
        headers=token,
        json={"credential": _credential(account["did"]), "options": {"unknownOption": True}},
    )
    assert response.status_code == 201, response.text
    signed = response.json()["verifiableCredential"]
    assert signed["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert signed["id"].startswith("urn:uuid:")
    entry = signed["credentialStatus"]
    assert (entry["statusPurpose"], entry["statusSize"]) == ("message", 2)
    meanings = api.http.get(urlsplit(entry["statusReference"]).path)
    assert meanings.status_code == 200, "statusReference dereferences (§2.1)"
    said = {m["status"]: m["message"] for m in meanings.json()["statusMessage"]}
    assert said == {m["status"]: m["message"] for m in entry["statusMessage"]}
    assert said == {"0x0": "valid", "0x1": "revoked", "0x2": "suspended", "0x3": "undefined"}
    verified = api.http.post(
        "/credentials/verify",
        json={"verifiableCredential": signed, "options": {"checks": ["proof"]}},
    )
    assert verified.status_code == 200, verified.text
    _revoke_then_see_it_refused(api, token, signed)


@pytest.mark.parametrize(
    ("mutate", "status"),
    [
        (lambda c: c.pop("@context"), 400),
        (lambda c: c.update(issuer="did:web:someone.else"), 403),
        (lambda c: c.update(validFrom="yesterday"), 400),
        (lambda c: c.pop("credentialSubject"), 400),
    ],
)
def test_issue_refuses_malformed_or_foreign_credentials(api: Api, mutate, status):
    """A credential breaking VCDM 2.0, or naming another issuer, is refused with a 4xx."""
    account, token = api.register("VC API Academy")
    credential = _credential(account["did"])
    mutate(credential)
    response = api.http.post("/credentials/issue", headers=token, json={"credential": credential})
    assert response.status_code == status, response.text


@pytest.mark.parametrize(
    ("field", "value", "section"),
    [
        ("name", {"@value": "Alumni", "@language": "not a tag"}, "§4.6"),
        ("validUntil", "2025-01-01T00:00:00Z", "§4.9"),
        ("credentialSchema", {"type": "JsonSchema"}, "§4.11"),
        ("evidence", [{"id": "https://evidence.example/1"}], "§5.6"),
    ],
)
def test_issue_and_verify_name_the_rule_a_credential_breaks(api: Api, field, value, section):
    """The issuer refuses to sign a credential that breaks VCDM 2.0, naming the rule; the
    verifier refuses the same credential, signed or not, for the same rule."""
    account, token = api.register("VC API Academy")
    credential = _credential(account["did"])
    signed = api.http.post("/credentials/issue", headers=token, json={"credential": credential})
    assert signed.status_code == 201, signed.text
    credential[field] = value
    refused = api.http.post("/credentials/issue", headers=token, json={"credential": credential})
    assert refused.status_code == 400, refused.text
    assert f"(VCDM 2.0 {section})" in refused.json()["detail"]
    broken = {**signed.json()["verifiableCredential"], field: value}
    verified = api.http.post("/credentials/verify", json={"verifiableCredential": broken})
    assert verified.status_code == 400, verified.text
    malformed = [p for p in verified.json()["problemDetails"] if p["type"].endswith("/malformed")]
    assert malformed and f"(VCDM 2.0 {section})" in malformed[0]["detail"]


def test_issue_needs_an_issuer_token(api: Api):
    """No token is 401; the operator's token is 403 (the operator issues nothing)."""
    account, _ = api.register("VC API Academy")
    body = {"credential": _credential(account["did"])}
    assert api.http.post("/credentials/issue", json=body).status_code == 401
    assert (
        api.http.post("/credentials/issue", json=body, headers=api.token(*api.operator)).status_code
        == 403
    )


def test_status_of_another_issuers_credential_is_not_found(api: Api):
    """An issuer cannot change the status of a credential it did not issue."""
    a, a_token = api.register("Academy A")
    _, b_token = api.register("Academy B")
    signed = api.http.post(
        "/credentials/issue", headers=a_token, json={"credential": _credential(a["did"])}
    ).json()
    response = api.http.post(
        "/credentials/status",
        headers=b_token,
        json={
            "credentialId": signed["verifiableCredential"]["id"],
            "credentialStatus": [{"type": "BitstringStatusListCredential", "status": "revoked"}],
        },
    )
    assert response.status_code == 404


def test_an_issuer_can_sign_with_eddsa_rdfc_2022(api: Api):
    """`options.cryptosuite` picks RDFC-1.0; the result verifies; an unknown suite is a 400."""
    account, token = api.register("RDFC Academy")
    response = api.http.post(
        "/credentials/issue",
        headers=token,
        json={
            "credential": _credential(account["did"]),
            "options": {"cryptosuite": "eddsa-rdfc-2022"},
        },
    )
    assert response.status_code == 201, response.text
    signed = response.json()["verifiableCredential"]
    assert signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    check = api.http.post("/credentials/verify", json={"verifiableCredential": signed})
    assert check.status_code == 200, check.text
    signed["credentialSubject"]["alumniOf"] = "Another University"
    tampered = api.http.post("/credentials/verify", json={"verifiableCredential": signed})
    assert tampered.status_code == 400
    for suite in ("ecdsa-rdfc-2019", ["eddsa-rdfc-2022"]):
        refused = api.http.post(
            "/credentials/issue",
            headers=token,
            json={"credential": _credential(account["did"]), "options": {"cryptosuite": suite}},
        )
        assert refused.status_code == 400, refused.text
        assert "cryptosuite" in refused.json()["detail"]


def test_a_did_key_issuer_signs_as_its_did_key_and_its_credentials_verify_fully(api: Api):
    """The W3C EdDSA suite resolves only did:key: an issuer registered with `didMethod: key` is
    the did:key of its key (W3C did:key: `did:key:<multibase>#<multibase>`), signs its
    credentials and status lists with it, and has no did:web document."""
    account, token = api.register("Suite Academy", did_method="key")
    assert account["did"].startswith("did:key:z6Mk")
    key = account["did"].removeprefix("did:key:")
    for suite in ("eddsa-rdfc-2022", "eddsa-jcs-2022"):
        issued = api.http.post(
            "/credentials/issue",
            headers=token,
            json={"credential": _credential(account["did"]), "options": {"cryptosuite": suite}},
        )
        assert issued.status_code == 201, issued.text
        signed = issued.json()["verifiableCredential"]
        assert signed["issuer"] == account["did"]
        assert signed["proof"]["verificationMethod"] == f"did:key:{key}#{key}"
        verified = api.http.post("/credentials/verify", json={"verifiableCredential": signed})
        assert verified.status_code == 200, verified.text
        outcomes = {c["id"]: c["outcome"] for c in verified.json()["results"]}
        assert outcomes["status"] == "passed"
        list_url = signed["credentialStatus"]["statusListCredential"]
        status_list = api.http.get(urlsplit(list_url).path)
        assert status_list.json()["issuer"] == account["did"]
    _revoke_then_see_it_refused(api, token, signed)
    assert api.http.get("/issuers/suite-academy/did.json").status_code == 404


def test_status_updates_in_the_vc_api_shape_set_and_clear_the_purpose(api: Api):
    """VC API `UpdateCredentialStatusRequest`: a purpose, and `status` true to set it, false to
    clear it; without `status`, it is set (the status-list suite's form). The published list
    shows the credential's two-bit value (0 valid, 1 revoked, 2 suspended), and a change that
    cannot be made changes nothing."""
    account, token = api.register("Status Academy")
    issued = api.http.post(
        "/credentials/issue", headers=token, json={"credential": _credential(account["did"])}
    ).json()["verifiableCredential"]
    entry = issued["credentialStatus"]

    def value() -> int:
        listed = api.http.get(urlsplit(entry["statusListCredential"]).path).json()
        bits = decode_encoded_list(listed["credentialSubject"]["encodedList"])
        first = int(entry["statusListIndex"]) * 2  # statusSize 2: index i is bits 2i and 2i+1
        high = (bits[first // 8] >> (7 - first % 8)) & 1
        low = (bits[(first + 1) // 8] >> (7 - (first + 1) % 8)) & 1
        return high * 2 + low

    def change(body: dict[str, Any]) -> int:
        body = {"credentialId": issued["id"], **body}
        return api.http.post("/credentials/status", headers=token, json=body).status_code

    suspension = {"type": "BitstringStatusListEntry", "statusPurpose": "suspension"}
    assert change({"credentialStatus": suspension, "status": True}) == 200
    assert value() == 2
    assert change({"credentialStatus": suspension, "status": False}) == 200
    assert value() == 0
    revocation = {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}
    assert change({"credentialStatus": revocation, "status": False}) == 400
    both = [{**suspension, "status": True}, {**revocation, "status": False}]
    assert change({"credentialStatus": both}) == 400
    message = {**entry, "status": True}
    assert change({"credentialStatus": message}) == 400, "message true says nothing"
    assert value() == 0, "the refused requests changed nothing"
    assert change({"credentialStatus": suspension}) == 200
    assert change({"credentialStatus": suspension}) == 200, "already suspended: nothing to do"
    assert value() == 2
    # Revoking, then lifting the suspension of a revoked credential: the second change is
    # forbidden, so neither is made.
    forbidden = [{"status": "revoked"}, {"status": "active"}]
    assert change({"credentialStatus": forbidden}) == 409
    assert value() == 2, "the refused request changed nothing"
    assert change({"credentialStatus": {**entry, "status": "revoked"}}) == 200
    assert value() == 1
    assert change({"credentialStatus": {**entry, "status": "active"}}) == 409, "revocation is final"
    assert value() == 1


def test_a_credential_id_already_recorded_is_refused_and_the_ledger_keeps_working(api: Api):
    """Another academy's credential id, or one's own again, is 409 before anything is signed;
    verification and status changes go on working."""
    first, first_token = api.register("First Academy")
    second, second_token = api.register("Second Academy")
    issued = api.http.post(
        "/credentials/issue", headers=first_token, json={"credential": _credential(first["did"])}
    ).json()["verifiableCredential"]
    for account, token in ((second, second_token), (first, first_token)):
        again = {**_credential(account["did"]), "id": issued["id"]}
        response = api.http.post("/credentials/issue", headers=token, json={"credential": again})
        assert response.status_code == 409, response.text
        assert "already recorded" in response.json()["detail"]
    verified = api.http.post("/credentials/verify", json={"verifiableCredential": issued})
    assert verified.status_code == 200, verified.text
    fresh = api.http.post(
        "/credentials/issue", headers=second_token, json={"credential": _credential(second["did"])}
    )
    assert fresh.status_code == 201


V2 = "https://www.w3.org/ns/credentials/v2"


@pytest.mark.parametrize(
    ("context", "types", "accepted"),
    [
        # The VC Data Model suite's JSON-LD fixtures (tests/input in its repository).
        ([V2, {"ExampleTestCredential": "https ://not-a-url#T"}], ["ExampleTestCredential"], False),
        ([V2, {"@vocab": None}], ["ExampleTestCredential"], False),
        ([V2, {"VerifiableCredential": "https://example.org/#Bad"}], [], False),
        (
            [
                V2,
                {"@protected": True, "ExampleVerifiableCredential": "https://example.org/#A"},
                {"ExampleVerifiableCredential": "https://example.org/#B"},
            ],
            ["ExampleVerifiableCredential"],
            False,
        ),
        ([V2, "https://contexts.example/unknown/v1"], [], False),
        (
            [V2, {"ExampleVerifiableCredential": "https://example.org/#E"}],
            ["ExampleVerifiableCredential"],
            True,
        ),
        ([V2, "https://www.w3.org/ns/credentials/examples/v2"], ["ExampleDegreeCredential"], True),
    ],
)
def test_issue_refuses_a_credential_that_is_not_json_ld_its_contexts_define(
    api: Api, context, types, accepted
):
    """Undefined terms, a protected term redefined, a term mapped to a non-IRI, or a context we
    do not hold (never fetched): 400 before signing, in either cryptosuite."""
    account, token = api.register("JSON-LD Academy")
    credential = {
        "@context": context,
        "type": ["VerifiableCredential", *types],
        "issuer": account["did"],
        "credentialSubject": {"id": "did:example:subject"},
    }
    response = api.http.post("/credentials/issue", headers=token, json={"credential": credential})
    if accepted:
        assert response.status_code == 201, response.text
    else:
        assert response.status_code == 400, response.text
        assert "(VCDM 2.0 §4.3" in response.json()["detail"]


def test_an_open_badge_issued_through_the_vc_api_carries_its_proof_in_a_list(api: Api):
    """The Open Badges 3.0 JSON Schema requires `proof` to be an array; other credentials keep
    the single proof object the VC Data Model's examples show."""
    account, token = api.register("Badge Academy")
    badge = open_badge(account["did"])
    issued = api.http.post("/credentials/issue", headers=token, json={"credential": badge})
    assert issued.status_code == 201, issued.text
    signed = issued.json()["verifiableCredential"]
    assert isinstance(signed["proof"], list) and len(signed["proof"]) == 1
    verified = api.http.post("/credentials/verify", json={"verifiableCredential": signed})
    assert verified.status_code == 200, verified.text
    plain = api.http.post(
        "/credentials/issue", headers=token, json={"credential": _credential(account["did"])}
    )
    assert isinstance(plain.json()["verifiableCredential"]["proof"], dict)


def test_a_credential_nested_absurdly_deep_is_refused_before_anything_is_signed(api: Api):
    account, token = api.register("Deep Academy")
    credential = _credential(account["did"])
    deep: dict[str, Any] = {"id": "did:example:subject"}
    for _ in range(300):
        deep = {"claim": deep}
    credential["credentialSubject"] = deep
    credential["id"] = "urn:uuid:8b1d5f0e-3c2a-4d8b-9e61-000000000300"
    response = api.http.post("/credentials/issue", headers=token, json={"credential": credential})
    assert response.status_code == 400, response.text
    assert "nested more than 32 levels" in response.json()["detail"]
    status = api.http.post(
        "/credentials/status",
        headers=token,
        json={"credentialId": credential["id"], "credentialStatus": [{"status": "revoked"}]},
    )
    assert status.status_code == 404, "nothing was recorded"
