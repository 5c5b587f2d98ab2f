"""Every body the verify endpoints answer names the policy the server runs under, errors too."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest

from keys import SigningKey, did_key, did_key_verification_method
from passport.demo import seed_demo
from passport.services import Services
from passport.settings import Settings
from tests.api_client import Api
from verifier.eddsa_jcs_2022 import create_proof

V2 = "https://www.w3.org/ns/credentials/v2"


@pytest.fixture(params=["registry", "proof-only"])
def policy(request: pytest.FixtureRequest) -> str:
    """Each policy a deployment can choose (`PASSPORT_VERIFY_POLICY`)."""
    return str(request.param)


@pytest.fixture
def settings(settings: Settings, policy: str) -> Settings:
    """The server runs under the policy being tested."""
    return settings.model_copy(update={"verify_policy": policy})


def _throwaway_credential() -> dict[str, Any]:
    key = SigningKey.generate()
    unsigned = {
        "@context": [V2],
        "id": "urn:uuid:00000000-0000-4000-8000-0000000000aa",
        "type": ["VerifiableCredential"],
        "issuer": did_key(key.public_key),
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "urn:example:learner", "name": "Basic Life Support"},
    }
    return create_proof(
        unsigned, key, did_key_verification_method(key.public_key), datetime.now(UTC)
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"presentation": {}, "verifiablePresentation": {}},
        {"presentation": "not an object"},
    ],
    ids=["no-presentation", "both", "not-an-object"],
)
def test_an_unreadable_presentation_request_names_the_servers_policy(
    api: Api, policy: str, body: dict[str, Any]
):
    """A request body /presentations/verify cannot read is a 400 naming the configured policy."""
    response = api.http.post("/presentations/verify", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["policy"] == policy
    assert response.json()["problemDetails"][0]["title"] == "Malformed"


def test_a_malformed_presentation_names_the_servers_policy(api: Api, policy: str):
    """A presentation that breaks the data model (no type) is a 400 naming the policy."""
    presentation = {"@context": [V2], "verifiableCredential": []}
    response = api.http.post("/presentations/verify", json={"presentation": presentation})
    assert response.status_code == 400, response.text
    assert response.json()["policy"] == policy


def test_a_verified_presentation_names_the_servers_policy(api: Api, policy: str):
    """A presentation that ran names the policy in its body and in each credential's result."""
    presentation = {
        "@context": [V2],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [_throwaway_credential()],
    }
    response = api.http.post("/presentations/verify", json={"presentation": presentation})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["policy"] == policy
    assert [c["policy"] for c in body["credentialResults"]] == [policy]
    # Nobody vouches for a throwaway did:key: only proof-only lets the proof decide.
    assert body["verified"] is (policy == "proof-only")


@pytest.mark.parametrize(
    "body",
    [{}, {"verifiableCredential": 42}, {"verifiableCredential": {}, "options": {"checks": 1}}],
    ids=["no-credential", "a-number", "bad-options"],
)
def test_an_unreadable_credential_request_is_a_400_naming_the_policy(
    api: Api, policy: str, body: dict[str, Any]
):
    """A body /credentials/verify cannot read is the VC API's 400 (not a generic 422), saying
    what is wrong and which policy the server runs under."""
    response = api.http.post("/credentials/verify", json=body)
    assert response.status_code == 400, response.text
    answer = response.json()
    assert answer["policy"] == policy
    assert answer["verified"] is False
    assert answer["problemDetails"][0]["title"] == "Malformed"
    assert answer["errors"], "the problem is also given as one line"


def test_a_credential_result_names_the_servers_policy(api: Api, policy: str):
    """Verified or not, /credentials/verify's body names the policy that decided."""
    response = api.http.post(
        "/credentials/verify", json={"verifiableCredential": _throwaway_credential()}
    )
    assert response.json()["policy"] == policy
    assert response.status_code == (200 if policy == "proof-only" else 400), response.text


def test_a_malformed_credential_names_the_servers_policy(api: Api, policy: str):
    """A credential that breaks the data model is refused with 400 naming the policy."""
    response = api.http.post(
        "/credentials/verify", json={"verifiableCredential": {"@context": [V2]}}
    )
    assert response.status_code == 400, response.text
    assert response.json()["policy"] == policy


def test_the_share_page_says_which_policy_decided(settings: Settings, api: Api, policy: str):
    """The employer's page names the policy its verdicts were reached under."""
    services = Services.open(settings)
    try:
        learners = seed_demo(services, datetime.now(UTC)).learners
    finally:
        services.close()
    page = api.http.get(
        urlsplit(str(learners[0]["share_url"])).path, headers={"Accept": "text/html"}
    )
    assert page.status_code == 200
    expected = "Policy: proof only." if policy == "proof-only" else "Policy: registry."
    assert expected in page.text
