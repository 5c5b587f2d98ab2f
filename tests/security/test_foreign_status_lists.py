"""Other issuers' status lists, in any suite: a forged or altered list never clears a credential."""

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
URL = "https://academy.example/status/7"
NOW = datetime(2026, 11, 23, tzinfo=UTC)


def _signed(document: dict[str, Any], key: SigningKey) -> dict[str, Any]:
    method = did_key_verification_method(key.public_key)
    return rdfc.create_proof(unsecured(document), key, method, datetime(2026, 11, 1, tzinfo=UTC))


def _revocable_credential(issuer_key: SigningKey) -> dict[str, Any]:
    return _signed(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": did_key(issuer_key.public_key),
            "validFrom": "2026-11-01T00:00:00Z",
            "credentialSubject": {"id": "urn:example:learner", "name": "A course"},
            "credentialStatus": {
                "id": f"{URL}#3",
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": "3",
                "statusListCredential": URL,
            },
        },
        issuer_key,
    )


def test_a_list_an_attacker_signs_in_the_issuers_name_decides_nothing() -> None:
    """A revoked credential's list replaced by one the attacker signed with eddsa-rdfc-2022 (its
    own key, the issuer's name, every entry clear): the status is unknown and the credential
    does not verify."""
    issuer, attacker = SigningKey.generate(), SigningKey.generate()
    forged = _signed(
        signed_status_list(
            attacker,
            did_key_verification_method(attacker.public_key),
            issuer=did_key(issuer.public_key),
            url=URL,
            revoked=set(),
        ),
        attacker,
    )
    report = verify_credential(
        _revocable_credential(issuer),
        now=NOW,
        trust=Trust(policy=Policy.PROOF_ONLY),
        status_lists=StatusLists({URL: forged}, "a list from the network"),
    )
    assert report.check("status").outcome is Outcome.UNKNOWN
    assert "not signed by the credential's issuer" in report.check("status").reason
    assert not report.verified


def test_the_public_tampered_list_never_clears_its_credential() -> None:
    """The DCC's published list whose encodedList was changed after signing (eddsa-rdfc-2022):
    its credential's status is unknown, with the list's proof named as the reason."""
    tampered = json.loads((CORPUS / "statusLists" / "tampered.json").read_text())
    credential = json.loads(
        (CORPUS / "v2" / "ed25519-didKey-legacy-tamperedStatus-noExpiry.json").read_text()
    )
    report = verify_credential(
        credential,
        now=datetime(2026, 11, 23, tzinfo=UTC),
        trust=Trust(policy=Policy.PROOF_ONLY),
        status_lists=StatusLists({tampered["id"]: tampered}, "the DCC's list"),
    )
    status = report.check("status")
    assert status.outcome is Outcome.UNKNOWN
    assert "does not verify: signature does not match" in status.reason
    assert not report.verified
