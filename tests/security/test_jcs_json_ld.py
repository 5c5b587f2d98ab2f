"""`eddsa-jcs-2022` credentials that are not valid JSON-LD are refused, as vc.js refuses them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from keys import SigningKey, did_key, did_key_verification_method
from tests.api_client import Api
from verifier import eddsa_jcs_2022, verify_credential
from verifier.report import Outcome

V2 = "https://www.w3.org/ns/credentials/v2"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _signed(context: list[Any], types: list[str], subject: dict[str, Any]) -> dict[str, Any]:
    """A credential from a fresh did:key with a valid `eddsa-jcs-2022` proof (JCS signs JSON,
    so the signature holds whatever the JSON-LD says)."""
    key = SigningKey.generate()
    credential = {
        "@context": [V2, *context],
        "type": ["VerifiableCredential", *types],
        "issuer": did_key(key.public_key),
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner", **subject},
    }
    method = did_key_verification_method(key.public_key)
    return eddsa_jcs_2022.create_proof(credential, key, method, NOW)


# The four cases of the W3C VC Data Model 2.0 suite that Digital Bazaar's vc.js refuses.
ATTACKS = {
    "redefines a protected term": (
        _signed([{"VerifiableCredential": "https://evil.example/VC"}], [], {}),
        "protected term",
    ),
    "maps a type to a non-URL": (
        _signed([{"Forged": "not-a-url"}], ["Forged"], {}),
        "absolute IRI",
    ),
    "unmaps its type with @vocab null": (
        _signed([{"@vocab": None}], ["Undefined"], {}),
        "not valid JSON-LD",
    ),
    "uses an undefined term": (
        _signed([], [], {"undefinedTerm": "claimed"}),
        "'undefinedTerm' is not defined",
    ),
}


@pytest.mark.parametrize(("credential", "reason"), ATTACKS.values(), ids=ATTACKS.keys())
def test_jcs_credentials_that_are_not_json_ld_fail_their_proof(credential, reason):
    """The proof check fails, naming the JSON-LD rule, though the JCS signature itself holds."""
    report = verify_credential(credential, now=NOW)
    proof = report.check("proof")
    assert proof.outcome is Outcome.FAILED
    assert reason in proof.reason
    assert not report.verified


def test_the_vc_api_answers_400_for_an_undefined_term_in_a_jcs_credential(api: Api):
    """POST /credentials/verify refuses the undefined-term credential with 400 and the rule."""
    credential, _ = ATTACKS["uses an undefined term"]
    answer = api.http.post("/credentials/verify", json={"verifiableCredential": credential})
    assert answer.status_code == 400
    assert "'undefinedTerm' is not defined" in answer.text
