"""Forgeries that once passed because the verifier trusted the file: each refused by name."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest
import rfc8785

from keys import SigningKey, did_key, did_key_verification_method
from tests.registries import entity, registry_document, trusting
from tests.status_lists import signed_status_list
from verifier import Outcome, Trust, TrustAnchors, TrustedRegistry, verify_document
from verifier.eddsa_jcs_2022 import create_proof
from verifier.merkle import leaf_hash
from verifier.signed_note import Checkpoint, note_verifier_key, sign_note

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
V2 = "https://www.w3.org/ns/credentials/v2"
OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
ACADEMY = "did:web:ledger.test:issuers:nhs-digital-academy"
REAL_METHOD = f"{ACADEMY}#key-1"
FORGED_METHOD = f"{ACADEMY}#key-2"
LIST_URL = "https://ledger.test/status/nhs-digital-academy/revocation/1"
ORIGIN = "ledger.test/log"
SIGNED_AT = datetime(2026, 2, 1, tzinfo=UTC)


@pytest.fixture
def academy_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def attacker_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def ledger_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def registry_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def trust(registry_key, academy_key, ledger_key) -> Trust:
    """The employer pinned the ledger's registry: the academy's one key, the ledger's note key."""
    return trusting(
        registry_key,
        [entity(ACADEMY, "NHS Digital Academy", [(REAL_METHOD, academy_key.public_key)])],
        note_keys=[note_verifier_key(ORIGIN, ledger_key.public_key)],
        name="Staff Passport ledger.test",
    )


def _credential(key: SigningKey, method: str, name: str, index: int) -> dict[str, Any]:
    unsigned = {
        "@context": [V2, OB3],
        "id": f"urn:uuid:5c1e0f3a-0000-4000-8000-00000000000{index}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": ACADEMY, "type": ["Profile"], "name": "NHS Digital Academy"},
        "name": name,
        "validFrom": "2026-01-15T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": f"urn:uuid:5c1e0f3a-1111-4000-8000-00000000000{index}",
                "type": ["Achievement"],
                "name": name,
            },
        },
        "credentialStatus": {
            "id": f"{LIST_URL}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": LIST_URL,
        },
    }
    return create_proof(unsigned, key, method, SIGNED_AT)


def _status_list(key: SigningKey, method: str, revoked: set[int]) -> dict[str, Any]:
    return signed_status_list(key, method, issuer=ACADEMY, url=LIST_URL, revoked=revoked)


def _one_leaf_proof(credential: dict[str, Any], note_key: SigningKey) -> dict[str, Any]:
    """A log of one leaf holding the credential, in a checkpoint signed by `note_key`."""
    entry = rfc8785.dumps({"event": {"body": {"credential": credential}}})
    checkpoint = Checkpoint(ORIGIN, 1, leaf_hash(entry))
    return {
        "leafIndex": 0,
        "treeSize": 1,
        "entry": base64.b64encode(entry).decode(),
        "inclusionPath": [],
        "checkpoint": sign_note(checkpoint.text(), ORIGIN, note_key),
    }


def _passport(
    credentials: list[dict[str, Any]],
    *,
    file_keys: list[tuple[str, SigningKey]],
    status_list: dict[str, Any],
    ledger: dict[str, Any],
    note_keys: list[str],
) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation", "StaffPassport"],
        "verifiableCredential": credentials,
        "staffPassport": {
            "issuers": [
                {
                    "id": ACADEMY,
                    "name": "NHS Digital Academy",
                    "keys": [
                        {"id": m, "publicKeyMultibase": k.public_key.multibase}
                        for m, k in file_keys
                    ],
                }
            ],
            "statuses": {
                c["id"]: {"status": "active", "asOf": "2026-11-23T00:00:00Z"} for c in credentials
            },
            "statusLists": {LIST_URL: status_list},
            "ledger": ledger,
            "noteVerifierKeys": note_keys,
        },
    }


def test_a_genuine_passport_verifies_against_the_pinned_registry(trust, academy_key, ledger_key):
    """The control: the academy's real key, its real list and the ledger's real note key."""
    genuine = _credential(academy_key, REAL_METHOD, "Information Governance", 1)
    passport = _passport(
        [genuine],
        file_keys=[(REAL_METHOD, academy_key)],
        status_list=_status_list(academy_key, REAL_METHOD, set()),
        ledger={genuine["id"]: _one_leaf_proof(genuine, ledger_key)},
        note_keys=[],
    )
    report = verify_document(passport, now=NOW, trust=trust)
    assert report.verified, report.to_text()
    assert report.credentials[0].check("ledger_inclusion").outcome is Outcome.PASSED


def test_a_key_the_file_adds_under_a_real_academy_is_not_listed(trust, academy_key, attacker_key):
    """The attacker lists their own key under the academy's DID, signs a V300 credential with it,
    re-signs the status list and adds a one-leaf log proof under their own note key: refused,
    `key_not_listed`, and nothing else is believed."""
    forged = _credential(
        attacker_key, FORGED_METHOD, "Non-Medical Independent Prescribing (V300)", 2
    )
    passport = _passport(
        [forged],
        file_keys=[(REAL_METHOD, academy_key), (FORGED_METHOD, attacker_key)],
        status_list=_status_list(attacker_key, FORGED_METHOD, set()),
        ledger={forged["id"]: _one_leaf_proof(forged, attacker_key)},
        note_keys=[note_verifier_key(ORIGIN, attacker_key.public_key)],
    )
    report = verify_document(passport, now=NOW, trust=trust)
    assert not report.verified
    checks = report.credentials[0]
    assert checks.check("proof").problem == "key_not_listed"
    assert checks.check("key_valid_at_issuance").problem == "key_not_listed"
    assert checks.check("ledger_inclusion").outcome is not Outcome.PASSED
    assert checks.check("status").outcome is not Outcome.PASSED


def test_a_log_proof_under_a_note_key_the_file_lists_is_not_in_the_ledger(
    trust, academy_key, attacker_key
):
    """A genuine credential with a self-made one-leaf checkpoint: the note key is the file's,
    not the registry's, so "recorded in the ledger" fails."""
    genuine = _credential(academy_key, REAL_METHOD, "Information Governance", 1)
    passport = _passport(
        [genuine],
        file_keys=[(REAL_METHOD, academy_key)],
        status_list=_status_list(academy_key, REAL_METHOD, set()),
        ledger={genuine["id"]: _one_leaf_proof(genuine, attacker_key)},
        note_keys=[note_verifier_key(ORIGIN, attacker_key.public_key)],
    )
    report = verify_document(passport, now=NOW, trust=trust)
    ledger = report.credentials[0].check("ledger_inclusion")
    assert (ledger.outcome, ledger.problem) == (Outcome.FAILED, "not_in_ledger")
    assert not report.verified


def test_a_revoked_credential_is_not_revalidated_by_a_re_signed_status_list(
    trust, academy_key, attacker_key
):
    """Index 3 is revoked in the academy's list; the attacker re-signs a clean list with a key
    the file lists under the academy: the status is not cleared, the file does not verify."""
    revoked = _credential(academy_key, REAL_METHOD, "Safeguarding Adults", 3)
    honest = _passport(
        [revoked],
        file_keys=[(REAL_METHOD, academy_key)],
        status_list=_status_list(academy_key, REAL_METHOD, {3}),
        ledger={},
        note_keys=[],
    )
    assert verify_document(honest, now=NOW, trust=trust).credentials[0].check("status").problem == (
        "revoked"
    )
    forged = _passport(
        [revoked],
        file_keys=[(REAL_METHOD, academy_key), (FORGED_METHOD, attacker_key)],
        status_list=_status_list(attacker_key, FORGED_METHOD, set()),
        ledger={},
        note_keys=[],
    )
    report = verify_document(forged, now=NOW, trust=trust)
    status = report.credentials[0].check("status")
    assert status.outcome is Outcome.UNKNOWN
    assert FORGED_METHOD in status.reason
    assert not report.verified


def test_a_fresh_did_key_calling_itself_nhs_digital_academy_is_not_recognised(trust):
    """A name is not an identity: a new did:key named "NHS Digital Academy" is refused."""
    impostor = SigningKey.generate()
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:5c1e0f3a-0000-4000-8000-0000000000ff",
        "type": ["VerifiableCredential"],
        "issuer": {"id": did_key(impostor.public_key), "name": "NHS Digital Academy"},
        "validFrom": "2026-01-15T00:00:00Z",
        "credentialSubject": {"id": "urn:example:learner", "name": "Basic Life Support"},
    }
    signed = create_proof(
        unsigned, impostor, did_key_verification_method(impostor.public_key), SIGNED_AT
    )
    report = verify_document(json.dumps(signed), now=NOW, trust=trust)
    issuer = report.credentials[0].check("issuer")
    assert not report.verified
    assert (issuer.outcome, issuer.problem) == (Outcome.FAILED, "issuer_not_recognised")
    assert "'NHS Digital Academy'" in issuer.reason


def test_a_registry_copy_in_the_file_counts_only_if_the_pinned_key_signed_it(
    registry_key, academy_key, attacker_key
):
    """A file may carry a newer registry: one signed by the pinned key is used; one the holder
    signed, adding their own key, is ignored."""
    pinned = TrustedRegistry.from_document(
        registry_document(registry_key, [], version=1),
        TrustAnchors.of(registry_key.public_key.multibase),
    )
    trust = Trust([pinned])
    genuine = _credential(academy_key, REAL_METHOD, "Information Governance", 1)
    listed = entity(ACADEMY, "NHS Digital Academy", [(REAL_METHOD, academy_key.public_key)])
    passport = _passport(
        [genuine],
        file_keys=[],
        status_list=_status_list(academy_key, REAL_METHOD, set()),
        ledger={},
        note_keys=[],
    )
    passport["staffPassport"]["registry"] = registry_document(attacker_key, [listed], version=2)
    assert not verify_document(passport, now=NOW, trust=trust).verified
    passport["staffPassport"]["registry"] = registry_document(registry_key, [listed], version=2)
    assert verify_document(passport, now=NOW, trust=trust).verified
