"""Status lists of other issuers, signed with any suite the verifier speaks, decide the status."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from keys import SigningKey, did_key, did_key_verification_method
from tests.status_lists import signed_status_list
from verifier import Policy, Trust, verify_credential
from verifier import eddsa_rdfc_2022 as rdfc
from verifier.checks import StatusLists
from verifier.data_integrity import unsecured
from verifier.report import Outcome

CORPUS = Path(__file__).parents[1] / "corpus" / "dcc-vc-test-fixtures"
URL = "https://academy.example/status/1"


def _rdfc_signed(document: dict[str, Any], key: SigningKey) -> dict[str, Any]:
    method = did_key_verification_method(key.public_key)
    return rdfc.create_proof(unsecured(document), key, method, datetime(2026, 11, 1, tzinfo=UTC))


def test_a_revocation_on_an_eddsa_rdfc_2022_list_revokes_the_credential() -> None:
    """An issuer that signs its list with eddsa-rdfc-2022 and sets a credential's bit gets
    that credential reported revoked (it was "status unknown": only eddsa-jcs-2022 lists were
    read)."""
    key = SigningKey.generate()
    issuer = did_key(key.public_key)
    method = did_key_verification_method(key.public_key)
    status_list = _rdfc_signed(
        signed_status_list(key, method, issuer=issuer, url=URL, revoked={42}), key
    )
    credential = _rdfc_signed(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": issuer,
            "validFrom": "2026-11-01T00:00:00Z",
            "credentialSubject": {"id": "urn:example:learner", "name": "A course"},
            "credentialStatus": {
                "id": f"{URL}#42",
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": "42",
                "statusListCredential": URL,
            },
        },
        key,
    )
    report = verify_credential(
        credential,
        now=datetime(2026, 11, 23, tzinfo=UTC),
        trust=Trust(policy=Policy.PROOF_ONLY),
        status_lists=StatusLists({URL: status_list}, "the issuer's list"),
    )
    assert report.check("status").outcome is Outcome.FAILED
    assert report.check("status").problem == "revoked"


def test_a_public_ed25519_signature_2020_list_is_read_past_its_proof() -> None:
    """The DCC's published list signed with Ed25519Signature2020, at a time inside its validity,
    is read past its proof: the status is unknown only because the list holds 100,000 entries,
    fewer than the 131,072 that Bitstring Status List v1.0 requires (STATUS_LIST_LENGTH_ERROR),
    never because its proof could not be checked."""
    status_list = json.loads((CORPUS / "statusLists" / "expired.json").read_text())
    credential = json.loads(
        (CORPUS / "v2" / "ed25519-didKey-legacy-expiredStatus-noExpiry.json").read_text()
    )
    report = verify_credential(
        credential,
        now=datetime(2020, 6, 1, tzinfo=UTC),
        trust=Trust(policy=Policy.PROOF_ONLY),
        status_lists=StatusLists({status_list["id"]: status_list}, "the DCC's list"),
    )
    status = report.check("status")
    assert status.outcome is Outcome.UNKNOWN
    assert "at least 131072 are required" in status.reason
    assert "does not verify" not in status.reason
