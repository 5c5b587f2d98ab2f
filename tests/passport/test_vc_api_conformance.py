"""What the W3C conformance suites send to `POST /credentials/verify`, and what they expect.

The Data Integrity suites (vc-di-eddsa-test-suite, data-integrity-test-suite-assertion) sign
credentials with a did:key of their own, ask for `options.checks: ["proof"]`, and expect 200 for a
good proof and 400 for each mutation below; the VC Data Model suite expects 400 for a document
that is not a credential at all. Every request here goes over HTTP to the running app.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from keys import SigningKey, did_key, did_key_verification_method
from keys.multibase import decode_base58btc, encode_base58btc
from verifier import eddsa_jcs_2022
from verifier.cryptosuites import CRYPTOSUITES
from verifier.jose import encode_vc_jwt

SUITES = sorted(CRYPTOSUITES)
PROOF_ONLY = {"checks": ["proof"]}
CREATED = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def settings(settings):
    """The suites' issuers are throwaway did:keys: the server runs the proof-only policy."""
    return settings.model_copy(update={"verify_policy": "proof-only"})


def _credential(key: SigningKey) -> dict[str, Any]:
    """The EdDSA suite's valid credential (validVc.js), issued by the suite's did:key."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:2fe53dc9-b2ec-4939-9b2c-0d00f6663b6c",
        "type": ["VerifiableCredential"],
        "issuer": did_key(key.public_key),
        "credentialSubject": {"id": "did:example:subject", "name": "ExampleClaim"},
    }


def _signed(suite: str, key: SigningKey, **extra: Any) -> dict[str, Any]:
    method = did_key_verification_method(key.public_key)
    return CRYPTOSUITES[suite].create_proof(
        _credential(key), key, method, CREATED, extra_options=extra or None
    )


def _verify(client: httpx.Client, credential: Any, options: Any = None) -> httpx.Response:
    body: dict[str, Any] = {"verifiableCredential": credential}
    if options is not None:
        body["options"] = options
    return client.post("/credentials/verify", json=body)


@pytest.mark.parametrize("suite", SUITES)
def test_a_proof_by_the_suites_own_did_key_verifies(client, suite):
    """The suites sign with did:keys the ledger never met: did:key resolves by computation."""
    response = _verify(client, _signed(suite, SigningKey.generate()), PROOF_ONLY)
    assert response.status_code == 200, response.text
    assert response.json()["policy"] == "proof-only"
    issuer = next(c for c in response.json()["results"] if c["id"] == "issuer")
    assert (issuer["problem"], issuer["decides"]) == ("issuer_not_recognised", False)
    assert response.json()["verified"] is True
    assert response.json()["problemDetails"] == []


def test_checks_choose_what_decides_and_every_check_is_still_reported(client):
    """A status list we do not hold cannot be read (nothing is fetched), so the status is
    unknown: with `checks: ["proof"]` the proof decides (200); with `credentialStatus`, or with
    no options, the unknown status fails the credential (400)."""
    key = SigningKey.generate()
    credential = _credential(key)
    credential["credentialStatus"] = {
        "id": "https://status.example/lists/1#94023",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94023",
        "statusListCredential": "https://status.example/lists/1",
    }
    method = did_key_verification_method(key.public_key)
    signed = CRYPTOSUITES["eddsa-rdfc-2022"].create_proof(credential, key, method, CREATED)
    proof_only = _verify(client, signed, PROOF_ONLY)
    assert proof_only.status_code == 200, proof_only.text
    outcomes = {c["id"]: c["outcome"] for c in proof_only.json()["results"]}
    assert outcomes["proof"] == "passed"
    assert outcomes["status"] == "unknown"
    for options in ({"checks": ["proof", "credentialStatus"]}, None):
        response = _verify(client, signed, options)
        assert response.status_code == 400, options
        assert any(
            p["title"] == "Not revoked or suspended" for p in response.json()["problemDetails"]
        )


def _drop(*path: str) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        target = document
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]

    return change


def _put(value: Any, *path: str) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        target = document
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return change


def _strip_multibase_prefix(document: dict[str, Any]) -> None:
    document["proof"]["proofValue"] = document["proof"]["proofValue"][1:]


def _lengthen_signature(document: dict[str, Any]) -> None:
    signature = decode_base58btc(document["proof"]["proofValue"])
    document["proof"]["proofValue"] = encode_base58btc(signature + os.urandom(32))


MUTATIONS = {
    "proof deleted": _drop("proof"),
    "proof null": _put(None, "proof"),
    "proof type deleted": _drop("proof", "type"),
    "unknown proof type": _put("UnknownProofType", "proof", "type"),
    "verificationMethod deleted": _drop("proof", "verificationMethod"),
    "invalid verificationMethod": _put("did:key:invalidVm", "proof", "verificationMethod"),
    "unparsable verificationMethod": _put("did:key:@invalidVm@", "proof", "verificationMethod"),
    "proofPurpose deleted": _drop("proof", "proofPurpose"),
    "invalid proofPurpose": _put("invalidPurpose", "proof", "proofPurpose"),
    "proofValue deleted": _drop("proof", "proofValue"),
    "proofValue null": _put(None, "proof", "proofValue"),
    "proofValue without multibase prefix": _strip_multibase_prefix,
    "signature 32 bytes too long": _lengthen_signature,
    "created not a date": _put("invalidDate", "proof", "created"),
    "unknown cryptosuite": _put("unknown-cryptosuite-2017", "proof", "cryptosuite"),
    "subject changed": _put("Another claim", "credentialSubject", "name"),
}


@pytest.mark.parametrize("suite", SUITES)
@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_each_mutation_the_data_integrity_suites_send_is_refused_with_400(client, suite, mutation):
    signed = _signed(suite, SigningKey.generate())
    assert _verify(client, signed, PROOF_ONLY).status_code == 200
    broken = copy.deepcopy(signed)
    MUTATIONS[mutation](broken)
    response = _verify(client, broken, PROOF_ONLY)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["verified"] is False
    assert body["problemDetails"], "a refusal says why"


def _resigned_jcs(key: SigningKey, **changes: Any) -> dict[str, Any]:
    """An eddsa-jcs-2022 credential whose proof options were changed and then signed again, so
    only the changed option, not the signature, can make it fail."""
    signed = _signed("eddsa-jcs-2022", key)
    config = {k: v for k, v in signed["proof"].items() if k != "proofValue"} | changes
    document = {k: v for k, v in signed.items() if k != "proof"}
    signature = key.sign(eddsa_jcs_2022.hash_data(document, config))
    return {**document, "proof": {**config, "proofValue": encode_base58btc(signature)}}


@pytest.mark.parametrize(
    ("changes", "section"),
    [
        ({"created": "invalidDate"}, "Data Integrity §2.1"),
        ({"created": "2026-01-01"}, "Data Integrity §2.1"),
    ],
)
def test_a_signed_proof_with_a_time_that_is_no_date_time_is_malformed(client, changes, section):
    """Re-signed, so the signature holds: the proof's times alone make it malformed."""
    key = SigningKey.generate()
    assert _verify(client, _resigned_jcs(key), PROOF_ONLY).status_code == 200
    response = _verify(client, _resigned_jcs(key, **changes), PROOF_ONLY)
    assert response.status_code == 400, response.text
    assert any(section in p["detail"] for p in response.json()["problemDetails"])


@pytest.mark.parametrize(
    "changes", [{"created": "2026-01-01T12:00:00"}, {"expires": "2030-01-01T12:00:00"}]
)
def test_a_signed_proof_time_without_an_offset_is_read_as_utc(client, changes):
    """Data Integrity §2.1: a time "incorrectly serialized without an offset MUST be
    interpreted as UTC"; the EdDSA suites expect such a credential to verify."""
    key = SigningKey.generate()
    response = _verify(client, _resigned_jcs(key, **changes), PROOF_ONLY)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("suite", SUITES)
def test_the_proof_must_have_the_purpose_challenge_and_domain_the_caller_expects(client, suite):
    key = SigningKey.generate()
    plain = _signed(suite, key)
    wrong_purpose = _verify(client, plain, {**PROOF_ONLY, "expectedProofPurpose": "authentication"})
    assert wrong_purpose.status_code == 400
    assert "authentication" in wrong_purpose.text

    bound = _signed(suite, key, domain="domain.example", challenge="1235abcd6789")
    expected = {**PROOF_ONLY, "domain": "domain.example", "challenge": "1235abcd6789"}
    assert _verify(client, bound, expected).status_code == 200
    other_domain = _signed(
        suite, key, domain="invalid-vc-domain.example.com", challenge="1235abcd6789"
    )
    assert _verify(client, other_domain, expected).status_code == 400
    replayed = _signed(suite, key, domain="domain.example", challenge="invalid-challenge")
    response = _verify(client, replayed, expected)
    assert response.status_code == 400
    assert "challenge" in response.text
    unbound = _verify(client, plain, expected)
    assert unbound.status_code == 400


def test_checks_narrow_the_verdict_but_never_below_the_proof(client):
    """`checks: []` or unknown names still need a good proof: no selection verifies a forgery."""
    key = SigningKey.generate()
    forged = _signed("eddsa-jcs-2022", key)
    forged["credentialSubject"]["name"] = "Forged"
    choices: list[dict[str, Any]] = [
        {"checks": []},
        {"checks": ["unknownCheck"]},
        {"checks": ["credentialStatus"]},
    ]
    for options in choices:
        response = _verify(client, forged, options)
        assert response.status_code == 400, options


def test_no_choice_of_checks_verifies_a_credential_in_someone_elses_name(client, seeded):
    """Signed properly, but by a key its claimed issuer (one of the ledger's academies) does not
    control: the issuer check always decides."""
    bundle = client.get(f"/api/v1/learners/{seeded['Priya Raman']}/export").json()
    academy = bundle["verifiableCredential"][0]["issuer"]["id"]
    attacker = SigningKey.generate()
    claimed = {**_credential(attacker), "issuer": academy}
    method = did_key_verification_method(attacker.public_key)
    forged = CRYPTOSUITES["eddsa-jcs-2022"].create_proof(claimed, attacker, method, CREATED)
    choices: list[dict[str, Any] | None] = [
        PROOF_ONLY,
        {"checks": []},
        {"checks": ["credentialStatus"]},
        None,
    ]
    for options in choices:
        response = _verify(client, forged, options)
        assert response.status_code == 400, options
        problems = [p["type"].rsplit("/", 1)[-1] for p in response.json()["problemDetails"]]
        assert "issuer_mismatch" in problems


def test_a_document_that_is_no_credential_is_refused_by_both_verify_endpoints(client):
    """VCDM suite 1.03: `{type: ['NonconformingDocument']}` is neither credential nor
    presentation."""
    document = {"type": ["NonconformingDocument"]}
    credential = _verify(client, document, PROOF_ONLY)
    assert credential.status_code == 400
    presentation = client.post(
        "/presentations/verify", json={"verifiablePresentation": document, "options": {}}
    )
    assert presentation.status_code == 400


def test_a_vc_jwt_cannot_meet_a_purpose_challenge_or_domain(client):
    """A vc+jwt is made for assertion and carries no challenge or domain: asked for any of
    them, it fails its proof rather than passing unexamined."""
    key = SigningKey.generate()
    method = did_key_verification_method(key.public_key)
    token = encode_vc_jwt(_credential(key), key, method, issued_at=CREATED)
    assert _verify(client, token, PROOF_ONLY).status_code == 200
    for asked in (
        {"challenge": "1235abcd6789"},
        {"domain": "domain.example"},
        {"expectedProofPurpose": "authentication"},
    ):
        response = _verify(client, token, {**PROOF_ONLY, **asked})
        assert response.status_code == 400, asked
        assert "carries no proof purpose, challenge or domain" in response.text


@pytest.mark.parametrize("digest", ["digestSRI", "digestMultibase"])
def test_a_related_resource_with_a_wrong_digest_is_refused_whatever_the_checks(client, digest):
    """The suite's "digest does not match" case: a wrong digest of a context we hold is a 400,
    even when `options.checks` asks only for the proof."""
    key = SigningKey.generate()
    wrong = {"digestSRI": "sha384-" + "A" * 64, "digestMultibase": "u" + "A" * 43}[digest]
    credential = {
        **_credential(key),
        "relatedResource": [{"id": "https://www.w3.org/ns/credentials/v2", digest: wrong}],
    }
    method = did_key_verification_method(key.public_key)
    signed = CRYPTOSUITES["eddsa-jcs-2022"].create_proof(credential, key, method, CREATED)
    response = _verify(client, signed, PROOF_ONLY)
    assert response.status_code == 400, response.text
    assert any("does not match" in p["detail"] for p in response.json()["problemDetails"])
