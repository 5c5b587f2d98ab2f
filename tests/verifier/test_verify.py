"""The verifier's named checks: every outcome distinct, nothing 'unknown' shown as passed."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest

from keys import SigningKey, did_key_verification_method
from tests.registries import entity, trusting
from tests.verifier.conftest import NOW
from verifier import MalformedInputError, Outcome, Trust, verify_credential, verify_document
from verifier.eddsa_jcs_2022 import create_proof
from verifier.jose import encode_vc_jwt

ISSUER = "did:web:passport.test:issuers:academy"


def outcomes(report: Any) -> dict[str, tuple[str, str | None]]:
    return {c.id: (c.outcome.value, c.problem) for c in report.checks}


def _signed(
    credential: dict[str, Any], key: SigningKey, method: str, created: str = "2026-02-01T00:00:00Z"
) -> dict[str, Any]:
    return create_proof(
        credential, key, method, datetime.fromisoformat(created.replace("Z", "+00:00"))
    )


def _web_issuer(key: SigningKey, valid_from: str, retired_at: str | None) -> Trust:
    academy = entity(ISSUER, "Academy")
    academy["keys"] = [
        {
            "id": f"{ISSUER}#k1",
            "publicKeyMultibase": key.public_key.multibase,
            "validFrom": valid_from,
            "retiredAt": retired_at,
        }
    ]
    return trusting(SigningKey.generate(), [academy])


def test_a_good_did_key_credential_passes_every_check(
    unsigned_credential, issuer_key, method, trust
):
    """A well-formed, correctly signed, current credential of a did:key issuer a pinned registry
    recognises passes; key history does not apply."""
    report = verify_credential(
        _signed(unsigned_credential, issuer_key, method), now=NOW, trust=trust
    )
    assert report.verified
    assert outcomes(report) == {
        "well_formed": ("passed", None),
        "proof": ("passed", None),
        "issuer": ("passed", None),
        "key_valid_at_issuance": ("not_applicable", None),
        "validity_period": ("passed", None),
        "status": ("not_applicable", None),
        "ledger_inclusion": ("not_applicable", None),
    }


def test_a_changed_character_fails_the_proof_and_later_checks_are_not_judged(
    unsigned_credential, issuer_key, method
):
    """Tampering is a bad signature; the checks after it are listed as not checked, not passed."""
    signed = _signed(unsigned_credential, issuer_key, method)
    signed["credentialSubject"]["completed"] = False
    report = verify_credential(signed, now=NOW)
    assert not report.verified
    assert report.check("proof").problem == "bad_signature"
    for later in (
        "issuer",
        "key_valid_at_issuance",
        "validity_period",
        "status",
        "ledger_inclusion",
    ):
        assert report.check(later).outcome is Outcome.UNKNOWN
        assert report.check(later).reason.startswith("not checked")


@pytest.mark.parametrize(
    ("now", "problem"),
    [
        (datetime(2025, 12, 31, tzinfo=UTC), "not_yet_valid"),
        (datetime(2027, 1, 1, tzinfo=UTC), "expired"),
    ],
)
def test_expired_and_not_yet_valid_are_told_apart(
    unsigned_credential, issuer_key, method, now, problem
):
    """Outside its validity period a credential fails with the side it fell off."""
    report = verify_credential(_signed(unsigned_credential, issuer_key, method), now=now)
    assert report.check("validity_period").problem == problem
    assert report.check("proof").outcome is Outcome.PASSED


@pytest.mark.parametrize("state", ["revoked", "suspended"])
def test_recorded_revocation_or_suspension_fails_the_status_check(
    unsigned_credential, issuer_key, method, state
):
    """A status recorded as revoked or suspended fails with that word and the reason given."""
    statuses = {
        unsigned_credential["id"]: {
            "status": state,
            "asOf": "2026-11-01T00:00:00Z",
            "reason": "issued in error",
        }
    }
    report = verify_credential(
        _signed(unsigned_credential, issuer_key, method), now=NOW, statuses=statuses
    )
    assert report.check("status").problem == state
    assert "issued in error" in report.check("status").reason


def test_a_declared_status_that_cannot_be_checked_is_unknown_not_valid(
    unsigned_credential, issuer_key, method
):
    """A credential pointing at a status list we cannot read is not reported as 'not revoked'."""
    unsigned_credential["credentialStatus"] = {
        "id": "https://passport.test/status/1#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://passport.test/status/1",
    }
    report = verify_credential(_signed(unsigned_credential, issuer_key, method), now=NOW)
    assert report.check("status").outcome is Outcome.UNKNOWN
    assert report.check("status").problem == "status_unknown"
    assert not report.verified


def test_key_rotated_after_issuance_still_verifies_but_retired_before_does_not(issuer_key):
    """Rotation keeps earlier credentials valid; a credential signed after retirement fails."""
    credential = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",  # defines "done"
        ],
        "id": "urn:uuid:1",
        "type": ["VerifiableCredential"],
        "issuer": ISSUER,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"done": True},
    }
    keys = _web_issuer(issuer_key, "2025-01-01T00:00:00Z", "2026-06-01T00:00:00Z")
    before = verify_credential(
        _signed(credential, issuer_key, f"{ISSUER}#k1", "2026-02-01T00:00:00Z"),
        now=NOW,
        trust=keys,
    )
    assert before.verified
    assert "retired later" in before.check("key_valid_at_issuance").reason
    after = verify_credential(
        _signed(credential, issuer_key, f"{ISSUER}#k1", "2026-07-01T00:00:00Z"),
        now=NOW,
        trust=keys,
    )
    assert after.check("key_valid_at_issuance").problem == "key_retired"
    assert after.check("proof").outcome is Outcome.PASSED


def test_an_unknown_did_web_issuer_is_reported_as_unknown(issuer_key):
    """Without the issuer's keys the proof cannot be judged and the issuer is not recognised."""
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:2",
        "type": ["VerifiableCredential"],
        "issuer": ISSUER,
        "credentialSubject": {"done": True},
    }
    report = verify_credential(_signed(credential, issuer_key, f"{ISSUER}#k1"), now=NOW)
    assert report.check("proof").outcome is Outcome.UNKNOWN
    assert report.check("issuer").problem == "issuer_not_recognised"
    assert report.check("proof").problem == "key_not_listed"
    assert not report.verified


def test_a_key_of_someone_else_is_an_issuer_mismatch(unsigned_credential, method):
    """Signed with a key the issuer does not control: refused as vc.js refuses it."""
    other = SigningKey.generate()
    signed = _signed(unsigned_credential, other, did_key_verification_method(other.public_key))
    report = verify_credential(signed, now=NOW)
    assert report.check("proof").outcome is Outcome.PASSED
    assert report.check("issuer").problem == "issuer_mismatch"


def test_vector_credential_fails_only_because_its_issuer_is_not_the_key_controller(jcs_vectors):
    """The W3C vector's proof holds; its https issuer does not control the did:key, as noted."""
    report = verify_credential(jcs_vectors.signed, now=NOW)
    assert report.check("proof").outcome is Outcome.PASSED
    assert report.check("issuer").problem == "issuer_mismatch"


def test_jwt_form_verifies_and_standard_libraries_agree(
    unsigned_credential, issuer_key, method, trust
):
    """Our vc+jwt verifies here and under plain pyjwt with the issuer's public key."""
    token = encode_vc_jwt(unsigned_credential, issuer_key, method)
    assert verify_credential(token, now=NOW, trust=trust).verified
    claims = jwt.decode(token, issuer_key.public_key.to_cryptography(), algorithms=["EdDSA"])
    assert claims["iss"] == unsigned_credential["issuer"]
    assert claims["jti"] == unsigned_credential["id"]
    assert claims["nbf"] == int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
    enveloped = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["EnvelopedVerifiableCredential"],
        "id": f"data:application/vc+jwt,{token}",
    }
    assert verify_credential(enveloped, now=NOW, trust=trust).verified


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_jwt_algorithm_confusion_is_refused(unsigned_credential, issuer_key, method):
    """`alg: none` and HS256 keyed with the public key are refused, whatever the header says."""
    payload = {**unsigned_credential, "iss": unsigned_credential["issuer"]}
    unsigned_token = f"{_b64({'alg': 'none', 'kid': method})}.{_b64(payload)}."
    report = verify_credential(unsigned_token, now=NOW)
    assert report.check("proof").problem == "bad_signature"
    assert "EdDSA" in report.check("proof").reason
    hs_token = jwt.encode(
        payload, issuer_key.public_key.raw, algorithm="HS256", headers={"kid": method}
    )
    assert verify_credential(hs_token, now=NOW).check("proof").problem == "bad_signature"


def test_a_tampered_jwt_payload_fails(unsigned_credential, issuer_key, method):
    """Swapping the JWT's payload for another fails the signature."""
    token = encode_vc_jwt(unsigned_credential, issuer_key, method)
    header, _, signature = token.split(".")
    forged = f"{header}.{_b64({**unsigned_credential, 'name': 'Forged'})}.{signature}"
    assert verify_credential(forged, now=NOW).check("proof").problem == "bad_signature"


def test_a_presentation_with_a_revoked_credential_is_not_verified_and_names_it(
    unsigned_credential, issuer_key, method, trust
):
    """In a passport file one revoked credential makes the whole file fail, and is named."""
    good = _signed(unsigned_credential, issuer_key, method)
    bad = _signed(
        {**unsigned_credential, "id": "urn:uuid:bad", "name": "Safeguarding"}, issuer_key, method
    )
    bundle = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation", "StaffPassport"],
        "verifiableCredential": [good, bad],
        "staffPassport": {
            "issuers": [],
            "statuses": {
                good["id"]: {"status": "active", "asOf": "2026-11-01T00:00:00Z"},
                bad["id"]: {"status": "revoked", "asOf": "2026-11-01T00:00:00Z"},
            },
        },
    }
    report = verify_document(json.dumps(bundle), now=NOW, trust=trust)
    assert report.kind == "passport"
    assert not report.verified
    assert [(c.name, c.verified) for c in report.credentials] == [
        ("Resuscitation Level 2", True),
        ("Safeguarding", False),
    ]


def test_an_empty_presentation_is_not_trivially_valid():
    """A presentation holding nothing does not verify."""
    empty = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [],
    }
    report = verify_document(empty, now=NOW)
    assert not report.verified
    assert "no credentials" in report.checks[0].reason


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not json", "neither JSON nor a compact JWT"),
        (b"[1, 2]", "not an object"),
        (b'{"type": ["Something"]}', "unknown format"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_unusable_input_is_malformed_with_a_reason(data, message):
    """Input the verifier cannot read is refused with a one-line reason, not a failed check."""
    with pytest.raises(MalformedInputError, match=message):
        verify_document(data, now=NOW)


def test_a_credential_missing_its_context_fails_well_formed_naming_the_rule(
    unsigned_credential, issuer_key, method
):
    """VCDM 2.0 rules are named: a missing @context fails well-formedness with §4.3 cited."""
    signed = _signed(unsigned_credential, issuer_key, method)
    del signed["@context"]
    report = verify_credential(signed, now=NOW)
    assert report.check("well_formed").problem == "malformed"
    assert "§4.3" in report.check("well_formed").reason
