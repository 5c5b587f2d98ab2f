"""VCDM 1.1 credentials and presentations (Open Badges 3.0 as first published) are verified."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from keys import SigningKey, did_key, did_key_verification_method
from tests.registries import did_key_issuer
from tests.verifier.conftest import NOW
from verifier import (
    Outcome,
    Policy,
    eddsa_jcs_2022,
    eddsa_rdfc_2022,
    verify_credential,
    verify_document,
    verify_presentation,
)
from verifier.checks import well_formed

V1 = "https://www.w3.org/2018/credentials/v1"
OB_CONTEXTS = [
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json",  # 3.0.0, the unversioned URL
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
SUITES = {
    eddsa_rdfc_2022.CRYPTOSUITE: eddsa_rdfc_2022.create_proof,
    eddsa_jcs_2022.CRYPTOSUITE: eddsa_jcs_2022.create_proof,
}
KEY = SigningKey.from_seed(b"vcdm 1.1 open badges issuer key!")
METHOD = did_key_verification_method(KEY.public_key)
SIGNED = datetime(2024, 5, 1, tzinfo=UTC)


def v1_badge(ob_context: str = OB_CONTEXTS[0], **dates: str) -> dict[str, Any]:
    """An Open Badges 3.0 credential written as VCDM 1.1, the way 1EdTech's examples are."""
    return {
        "@context": [V1, ob_context, "https://w3id.org/security/data-integrity/v2"],
        "id": "urn:uuid:a63a60be-f4af-491e-87fc-2c8fd3007a58",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": did_key(KEY.public_key), "type": "Profile", "name": "Example Academy"},
        "issuanceDate": dates.get("issuanceDate", "2024-05-01T00:00:00Z"),
        **({"expirationDate": dates["expirationDate"]} if "expirationDate" in dates else {}),
        "name": "Manual Handling",
        "credentialSubject": {
            "type": "AchievementSubject",
            "achievement": {
                "id": "urn:uuid:bd6d9316-f7ae-4073-a1e5-2f7f5bd22922",
                "type": "Achievement",
                "name": "Manual Handling",
                "description": "Safe moving and handling of people and loads.",
                "criteria": {"narrative": "Completed the practical assessment."},
            },
        },
    }


def signed(credential: dict[str, Any], suite: str = eddsa_rdfc_2022.CRYPTOSUITE) -> dict[str, Any]:
    return SUITES[suite](credential, KEY, METHOD, SIGNED)


@pytest.mark.parametrize("suite", SUITES)
@pytest.mark.parametrize("ob_context", OB_CONTEXTS)
def test_a_vcdm_1_1_open_badge_verifies_with_every_ob_3_0_context(ob_context, suite):
    """A VCDM 1.1 Open Badge under each OB 3.0.x context verifies, judged by the 1.1 rules."""
    report = verify_credential(
        signed(v1_badge(ob_context), suite), now=NOW, trust=did_key_issuer(KEY, "Example Academy")
    )
    assert report.verified, report.to_dict()
    assert "1.1" in report.check("well_formed").reason
    assert report.check("proof").outcome is Outcome.PASSED


def test_an_unrecognised_vcdm_1_1_issuer_is_reported_under_the_registry_policy():
    """A throwaway did:key issuer verifies on its proof alone but is not recognised by default."""
    credential = signed(v1_badge())
    strict = verify_credential(credential, now=NOW)
    assert not strict.verified
    assert strict.check("issuer").problem == "issuer_not_recognised"
    loose = verify_credential(
        credential, now=NOW, trust=did_key_issuer(KEY).with_policy(Policy.PROOF_ONLY)
    )
    assert loose.verified


def test_an_expiration_date_in_the_past_makes_it_expired():
    """`expirationDate` before now fails the validity period as `expired`, as `validUntil` does."""
    credential = signed(v1_badge(expirationDate="2025-01-01T00:00:00Z"))
    check = verify_credential(credential, now=NOW, trust=did_key_issuer(KEY)).check(
        "validity_period"
    )
    assert (check.outcome, check.problem) == (Outcome.FAILED, "expired")
    assert "01 January 2025" in check.reason


def test_an_issuance_date_in_the_future_is_not_yet_valid():
    """`issuanceDate` after now fails the validity period as `not_yet_valid` (as vc.js does)."""
    credential = signed(v1_badge(issuanceDate="2027-06-01T00:00:00Z"))
    check = verify_credential(credential, now=NOW, trust=did_key_issuer(KEY)).check(
        "validity_period"
    )
    assert (check.outcome, check.problem) == (Outcome.FAILED, "not_yet_valid")


def test_an_expiration_date_ahead_is_reported_as_the_end_of_validity():
    """A future `expirationDate` passes and is named as the date the credential is valid until."""
    credential = signed(v1_badge(expirationDate="2030-01-01T00:00:00Z"))
    check = verify_credential(credential, now=NOW, trust=did_key_issuer(KEY)).check(
        "validity_period"
    )
    assert check.outcome is Outcome.PASSED
    assert "01 January 2030" in check.reason


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda c: c.pop("issuanceDate"), "issuanceDate must be present (VCDM 1.1 §4.6)"),
        (lambda c: c.update(issuanceDate="1 May 2024"), "issuanceDate must be an XML Schema"),
        (lambda c: c.update(expirationDate="2020-01-01T00:00:00Z"), "not be later than"),
        (lambda c: c.pop("issuer"), "issuer must be a URL"),
    ],
)
def test_a_malformed_vcdm_1_1_credential_is_refused_with_the_rule_it_breaks(change, words):
    """A 1.1 credential missing or misdating what VCDM 1.1 requires fails `well_formed`."""
    credential = v1_badge()
    change(credential)
    report = verify_credential(signed(credential), now=NOW, trust=did_key_issuer(KEY))
    shape = report.check("well_formed")
    assert (shape.outcome, shape.problem) == (Outcome.FAILED, "malformed")
    assert words in shape.reason


@pytest.mark.parametrize("suite", SUITES)
def test_a_tampered_vcdm_1_1_credential_fails_its_proof(suite):
    """Changing the achievement's name after signing fails the `proof` check."""
    credential = copy.deepcopy(signed(v1_badge(), suite))
    credential["credentialSubject"]["achievement"]["name"] = "Advanced Life Support"
    report = verify_credential(credential, now=NOW, trust=did_key_issuer(KEY))
    proof = report.check("proof")
    assert (proof.outcome, proof.problem) == (Outcome.FAILED, "bad_signature")


def test_we_still_issue_only_vcdm_2_0():
    """The issuing side's shape check still refuses a VCDM 1.1 credential."""
    check = well_formed(v1_badge())
    assert check.outcome is Outcome.FAILED
    assert "credentials/v2" in check.reason


def test_a_vcdm_1_1_presentation_with_a_string_type_holds_its_credentials():
    """An unsigned VP 1.1 whose `type` is the single string `VerifiablePresentation` is read."""
    presentation = {
        "@context": [V1],
        "type": "VerifiablePresentation",
        "verifiableCredential": [signed(v1_badge())],
    }
    report = verify_presentation(
        presentation, now=NOW, require_proof=False, trust=did_key_issuer(KEY)
    )
    assert report.check("presentation_well_formed").outcome is Outcome.PASSED
    assert [c.verified for c in report.credentials] == [True]
    document = verify_document(presentation, now=NOW, trust=did_key_issuer(KEY))
    assert document.verified
