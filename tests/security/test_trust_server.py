"""Forgeries sent to the server's verifying surfaces: the VC API and the employer's page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from keys import SigningKey, did_key, did_key_verification_method
from passport.demo import seed_demo
from passport.services import Services
from tests.api_client import ACHIEVEMENT, Api, award_body
from tests.registries import deployment_trust
from verifier.eddsa_jcs_2022 import create_proof

V2 = "https://www.w3.org/ns/credentials/v2"


def _checks(body: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    return {c["id"]: (c["outcome"], c["problem"]) for c in body["results"]}


def test_a_credential_signed_with_a_retired_key_that_the_ledger_never_recorded_is_refused(
    api: Api, settings
):
    """Rotate an academy's key, then sign a new credential with the retired key, dated before
    the retirement: the signature holds and the key was current then, but this ledger never
    recorded it, so `POST /credentials/verify` refuses it as not in the ledger."""
    account, token = api.register("Digital Academy")
    base = f"/api/v1/issuers/{account['id']}"
    achievement = api.http.post(f"{base}/achievements", headers=token, json=ACHIEVEMENT).json()
    genuine = api.http.post(
        f"{base}/awards", headers=token, json=award_body(achievement["id"])
    ).json()["credential"]
    old_method = (
        genuine["proof"]["verificationMethod"]
        if isinstance(genuine["proof"], dict)
        else genuine["proof"][0]["verificationMethod"]
    )
    services = Services.open(settings)
    try:
        services.awarding.rotate_issuer_key(UUID(account["id"]), datetime.now(UTC))
        retired = services.key_store.signer(old_method.split("#", 1)[1])
    finally:
        services.close()
    assert (
        api.http.post("/credentials/verify", json={"verifiableCredential": genuine}).status_code
        == 200
    )
    unsecured = {k: v for k, v in genuine.items() if k != "proof"}
    unsecured["id"] = "urn:uuid:00000000-0000-4000-8000-00000000dead"
    unsecured["name"] = "Non-Medical Independent Prescribing (V300)"
    backdated = datetime.now(UTC) - timedelta(minutes=1)
    forged = create_proof(unsecured, retired, old_method, backdated)
    response = api.http.post("/credentials/verify", json={"verifiableCredential": forged})
    assert response.status_code == 400, response.text
    checks = _checks(response.json())
    assert checks["proof"][0] == "passed"
    assert checks["ledger_inclusion"] == ("failed", "not_in_ledger")
    assert response.json()["policy"] == "registry"


def _impostor() -> dict[str, Any]:
    key = SigningKey.generate()
    unsigned = {
        "@context": [V2],
        "id": "urn:uuid:00000000-0000-4000-8000-0000000000ff",
        "type": ["VerifiableCredential"],
        "issuer": {"id": did_key(key.public_key), "name": "NHS Digital Academy"},
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "urn:example:learner", "name": "Basic Life Support"},
    }
    return create_proof(
        unsigned, key, did_key_verification_method(key.public_key), datetime.now(UTC)
    )


def test_a_fresh_did_key_calling_itself_nhs_digital_academy_is_refused_by_the_vc_api(api: Api):
    """Both verify endpoints: the signature holds, nobody vouches for the issuer."""
    forged = _impostor()
    single = api.http.post("/credentials/verify", json={"verifiableCredential": forged})
    assert single.status_code == 400
    assert _checks(single.json())["issuer"] == ("failed", "issuer_not_recognised")
    presentation = {
        "@context": [V2],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [forged],
    }
    held = api.http.post("/presentations/verify", json={"presentation": presentation})
    assert held.status_code == 200
    body = held.json()
    assert body["verified"] is False
    assert body["policy"] == "registry"
    issuer = next(c for c in body["credentialResults"][0]["checks"] if c["id"] == "issuer")
    assert issuer["problem"] == "issuer_not_recognised"


def test_the_share_page_names_who_issued_and_who_recognises_them(settings, api: Api):
    """The employer's page says "Issued by NAME, recognised by REGISTRY" for a genuine award."""
    services = Services.open(settings)
    try:
        learners = seed_demo(services, datetime.now(UTC)).learners
    finally:
        services.close()
    share = urlsplit(str(learners[0]["share_url"])).path
    page = api.http.get(share, headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "Issued by NHS Digital Academy" in page.text
    assert "recognised by Staff Passport registry at passport.test" in page.text
    assert "We cannot tell who issued this" not in page.text


def test_the_published_registry_is_signed_versioned_and_cacheable(api: Api, settings):
    """The well-known registry is a credential signed by the registry key; its version is also
    served at /registry/{version}; an ETag answers 304."""
    trust = deployment_trust(api.http, settings)
    current = api.http.get("/.well-known/passport-registry.json")
    version = current.json()["credentialSubject"]["version"]
    assert trust.registries[0].version == version
    same = api.http.get(f"/registry/{version}")
    assert same.json() == current.json()
    cached = api.http.get(f"/registry/{version}", headers={"If-None-Match": same.headers["etag"]})
    assert cached.status_code == 304
    assert api.http.get(f"/registry/{version + 1}").status_code == 404
