"""Loose parsing: JWT dates that are not NumericDates, and JSON with a member name twice."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from keys import SigningKey, did_key, did_key_verification_method
from passport.settings import Settings
from tests.passport.test_cli import run
from tests.registries import did_key_issuer
from verifier import MalformedInputError, eddsa_jcs_2022, verify_credential, verify_document
from verifier.report import Outcome
from verifier.verify import verify_presentation

NOW = datetime(2026, 12, 1, tzinfo=UTC)
KEY = SigningKey.generate()
ISSUER = did_key(KEY.public_key)
METHOD = did_key_verification_method(KEY.public_key)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _compact(payload: str, typ: str = "vc+jwt", key: SigningKey = KEY) -> str:
    """A compact JWS of this exact payload text, EdDSA-signed by `key` (the did:key's)."""
    method = did_key_verification_method(key.public_key)
    header = _b64(json.dumps({"alg": "EdDSA", "kid": method, "typ": typ}).encode())
    signing_input = f"{header}.{_b64(payload.encode())}"
    return f"{signing_input}.{_b64(key.sign(signing_input.encode()))}"


def _credential_text(claims: str = "", name: str = '"name": "Resuscitation Level 2"') -> str:
    """A VCDM 2.0 credential as JSON text, with extra members written as given."""
    return (
        '{"@context": ["https://www.w3.org/ns/credentials/v2",'
        ' "https://www.w3.org/ns/credentials/examples/v2"],'
        ' "type": ["VerifiableCredential"], "id": "urn:uuid:6f1d8b2e-1c1a-4e39-9c56-4b0d3d1f0a11",'
        f' "issuer": "{ISSUER}", {name}, "validFrom": "2026-01-01T00:00:00Z",'
        ' "credentialSubject": {"id": "did:example:learner"}'
        f"{', ' + claims if claims else ''}}}"
    )


@pytest.mark.parametrize(
    "claim", ['"exp": "1000"', '"nbf": "99999999999"', '"exp": -1e400', '"iat": true']
)
def test_a_vc_jwt_whose_dates_are_not_numeric_dates_is_refused(claim):
    """A `vc+jwt` with `exp`, `nbf` or `iat` that is not a NumericDate is malformed, never
    "valid, with no expiry date"."""
    report = verify_credential(_compact(_credential_text(claim)), now=NOW)
    shape = report.check("well_formed")
    assert shape.outcome is Outcome.FAILED
    assert "NumericDate" in shape.reason or "too large for a double" in shape.reason
    assert not report.verified


def test_a_vc_jwt_with_numeric_dates_still_verifies_and_expires():
    """The same token with a real `exp` verifies before it and fails after it (control)."""
    trust = did_key_issuer(KEY)
    future = verify_credential(
        _compact(_credential_text('"exp": 4102444800')), now=NOW, trust=trust
    )
    assert future.verified, future.checks
    past = verify_credential(_compact(_credential_text('"exp": 1000')), now=NOW, trust=trust)
    assert past.check("validity_period").problem == "expired"


def test_a_vp_jwt_with_a_string_exp_is_refused_by_the_same_reader():
    """The presentation path refuses a `vp+jwt` whose `exp` is a string, with the same words."""
    holder = SigningKey.generate()
    payload = json.dumps(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiablePresentation"],
            "holder": did_key(holder.public_key),
            "exp": "1000",
        }
    )
    report = verify_presentation(_compact(payload, "vp+jwt", holder), now=NOW)
    proof = report.check("presentation_proof")
    assert proof.outcome is Outcome.FAILED
    assert "not a NumericDate" in proof.reason


DUPLICATE_NAME = '"name": "Resuscitation Level 2", "name": "Consultant Surgeon"'


def test_a_jwt_payload_with_a_member_name_twice_is_refused():
    """A `vc+jwt` whose payload gives `name` twice is malformed, naming the member."""
    report = verify_credential(_compact(_credential_text(name=DUPLICATE_NAME)), now=NOW)
    shape = report.check("well_formed")
    assert shape.outcome is Outcome.FAILED
    assert "'name' appears twice" in shape.reason


def _signed_text_with_duplicate() -> str:
    """A signed `eddsa-jcs-2022` credential as text, then given a second `name` before the
    first: tools keeping the first value show "Consultant Surgeon", Python's json the signed
    one."""
    credential: dict[str, Any] = json.loads(_credential_text())
    signed = eddsa_jcs_2022.create_proof(credential, KEY, METHOD, NOW)
    text = json.dumps(signed)
    return text.replace('"name":', '"name": "Consultant Surgeon", "name":', 1)


def test_verify_document_refuses_text_with_a_member_name_twice():
    """The library's text entry point refuses the duplicate as unusable input."""
    with pytest.raises(MalformedInputError, match="'name' appears twice"):
        verify_document(_signed_text_with_duplicate(), now=NOW)


def test_passport_verify_refuses_a_file_with_a_member_name_twice(
    settings: Settings, tmp_path: Path
):
    """`passport verify FILE` exits 2 with one line naming the duplicated member."""
    path = tmp_path / "duplicate.json"
    path.write_text(_signed_text_with_duplicate())
    done = run(settings, "verify", str(path))
    assert done.returncode == 2
    assert "'name' appears twice" in done.stderr
    assert done.stderr.count("\n") == 1
