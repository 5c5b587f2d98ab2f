"""Holder-signed presentations: the holder's proof, challenge and domain, the credentials held."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from keys import SigningKey, did_key, did_key_verification_method
from tests.registries import entity, trusting
from tests.status_lists import signed_status_list
from tests.verifier.conftest import NOW
from verifier import (
    Outcome,
    PresentationReport,
    eddsa_jcs_2022,
    eddsa_rdfc_2022,
    sign_presentation,
    verify_document,
    verify_presentation,
)
from verifier.jose import encode_vc_jwt, encode_vp_jwt

SUITES = [eddsa_rdfc_2022.CRYPTOSUITE, eddsa_jcs_2022.CRYPTOSUITE]
V2 = "https://www.w3.org/ns/credentials/v2"
CHALLENGE = "6e62f66e-67de-11eb-b490-ef3eeefa55f2"
DOMAIN = "verifier.nhs.example"
SIGNED_AT = datetime(2026, 2, 1, tzinfo=UTC)


def _assert_refused_as_a_replay(vp: Any) -> None:
    """Sent to a verifier that asked for another challenge: the signature still holds; the
    check that fails is named `challenge`, as a replay."""
    report = verify_presentation(vp, now=NOW, challenge="another-request", domain=DOMAIN)
    assert not report.verified
    assert report.check("presentation_proof").outcome is Outcome.PASSED
    challenge = report.check("challenge")
    assert (challenge.outcome, challenge.problem) == (Outcome.FAILED, "challenge_mismatch")
    assert "replayed" in challenge.reason
    assert report.check("domain").outcome is Outcome.PASSED


def outcomes(report: PresentationReport) -> dict[str, tuple[str, str | None]]:
    return {c.id: (c.outcome.value, c.problem) for c in report.checks}


@pytest.fixture
def holder_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def held(unsigned_credential, issuer_key, method) -> list[dict[str, Any]]:
    """The same credential three ways: eddsa-rdfc-2022, eddsa-jcs-2022, and an enveloped JWT."""
    # Every term defined by the contexts, as eddsa-rdfc-2022 requires.
    unsigned_credential["credentialSubject"] = {"id": "urn:example:learner", "name": "Amira"}
    rdfc = eddsa_rdfc_2022.create_proof(
        {**unsigned_credential, "id": "urn:uuid:0b6b9e4c-4a0f-4f4e-9a57-7d5c1d7e0002"},
        issuer_key,
        method,
        SIGNED_AT,
        proof_as_array=True,
    )
    jcs = eddsa_jcs_2022.create_proof(unsigned_credential, issuer_key, method, SIGNED_AT)
    token = encode_vc_jwt(
        {**unsigned_credential, "id": "urn:uuid:0b6b9e4c-4a0f-4f4e-9a57-7d5c1d7e0003"},
        issuer_key,
        method,
        SIGNED_AT,
    )
    enveloped = {
        "@context": [V2],
        "type": ["EnvelopedVerifiableCredential"],
        "id": f"data:application/vc+jwt,{token}",
    }
    return [rdfc, jcs, enveloped]


def _presentation(holder: SigningKey, credentials: list[Any]) -> dict[str, Any]:
    return {
        "@context": [V2],
        "id": "urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5",
        "type": ["VerifiablePresentation"],
        "holder": did_key(holder.public_key),
        "verifiableCredential": credentials,
    }


def _signed(
    holder: SigningKey, credentials: list[Any], suite: str, **options: Any
) -> dict[str, Any]:
    options = {"challenge": CHALLENGE, "domain": DOMAIN, **options}
    return sign_presentation(
        _presentation(holder, credentials),
        holder,
        did_key_verification_method(holder.public_key),
        SIGNED_AT,
        cryptosuite=suite,
        **options,
    )


@pytest.mark.parametrize("suite", SUITES)
def test_a_holder_signed_presentation_verifies_with_its_credentials(holder_key, held, suite, trust):
    """Holder's proof, holder, challenge and domain pass; each credential form verifies."""
    vp = _signed(holder_key, held, suite)
    assert vp["proof"]["cryptosuite"] == suite
    assert vp["proof"]["proofPurpose"] == "authentication"
    report = verify_presentation(vp, now=NOW, trust=trust, challenge=CHALLENGE, domain=DOMAIN)
    assert outcomes(report) == {
        "presentation_well_formed": ("passed", None),
        "presentation_proof": ("passed", None),
        "holder": ("passed", None),
        "challenge": ("passed", None),
        "domain": ("passed", None),
    }
    assert [c.form for c in report.credentials] == ["eddsa-rdfc-2022", "eddsa-jcs-2022", "vc+jwt"]
    assert all(c.verified for c in report.credentials)
    assert report.verified
    assert report.holder == did_key(holder_key.public_key)


@pytest.mark.parametrize("suite", SUITES)
def test_a_presentation_replayed_with_another_challenge_fails_the_challenge_check(
    holder_key, held, suite
):
    """The signature still holds; the check that fails is named `challenge`, as a replay."""
    vp = _signed(holder_key, held, suite)
    _assert_refused_as_a_replay(vp)


@pytest.mark.parametrize("suite", SUITES)
def test_a_presentation_made_for_another_domain_fails_the_domain_check(holder_key, held, suite):
    vp = _signed(holder_key, held, suite)
    report = verify_presentation(vp, now=NOW, challenge=CHALLENGE, domain="other.example")
    assert not report.verified
    domain = report.check("domain")
    assert (domain.outcome, domain.problem) == (Outcome.FAILED, "domain_mismatch")
    assert report.check("challenge").outcome is Outcome.PASSED


@pytest.mark.parametrize("suite", SUITES)
def test_editing_the_challenge_to_match_breaks_the_holders_signature(holder_key, held, suite):
    """The challenge is signed: changing it to the verifier's fails the proof."""
    vp = _signed(holder_key, held, suite, challenge="old-request")
    vp["proof"]["challenge"] = CHALLENGE
    report = verify_presentation(vp, now=NOW, challenge=CHALLENGE, domain=DOMAIN)
    assert not report.verified
    assert report.check("presentation_proof").problem == "bad_signature"
    assert report.check("challenge").outcome is Outcome.UNKNOWN


def test_a_required_challenge_missing_from_the_proof_fails(holder_key, held):
    vp = _signed(holder_key, held, eddsa_rdfc_2022.CRYPTOSUITE, challenge=None)
    assert "challenge" not in vp["proof"]
    report = verify_presentation(vp, now=NOW, challenge=CHALLENGE, domain=DOMAIN)
    assert not report.verified
    assert report.check("challenge").problem == "missing_challenge"


def test_without_a_required_challenge_or_domain_they_do_not_apply(holder_key, held, trust):
    """A verifier that asks for neither still gets the holder's proof checked."""
    report = verify_presentation(
        _signed(holder_key, held, eddsa_jcs_2022.CRYPTOSUITE), now=NOW, trust=trust
    )
    assert report.verified
    assert report.check("challenge").outcome is Outcome.NOT_APPLICABLE
    assert "not compared" in report.check("challenge").reason


@pytest.mark.parametrize("suite", SUITES)
def test_a_tampered_presentation_fails_the_holders_proof(holder_key, held, suite):
    """Any change after the holder signed — here to a credential it holds — fails the proof."""
    vp = _signed(holder_key, held, suite)
    vp["verifiableCredential"][1]["name"] = "Something grander"
    report = verify_presentation(vp, now=NOW, challenge=CHALLENGE, domain=DOMAIN)
    assert not report.verified
    assert report.check("presentation_proof").problem == "bad_signature"
    assert report.credentials[1].check("proof").problem == "bad_signature"


@pytest.mark.parametrize("suite", SUITES)
def test_a_changed_proof_value_fails_the_holders_proof(holder_key, held, suite):
    vp = _signed(holder_key, held, suite)
    other = _signed(SigningKey.generate(), held, suite)
    vp["proof"]["proofValue"] = other["proof"]["proofValue"]
    report = verify_presentation(vp, now=NOW, challenge=CHALLENGE, domain=DOMAIN)
    assert report.check("presentation_proof").problem == "bad_signature"
    assert report.check("holder").outcome is Outcome.UNKNOWN
    assert not report.verified


@pytest.mark.parametrize("suite", SUITES)
def test_a_tampered_credential_signed_by_the_holder_fails_only_that_credential(
    holder_key, held, suite, trust
):
    """The holder's proof holds over what it signed; the credential's own proof does not."""
    held[0]["credentialSubject"]["name"] = "Someone else"
    report = verify_presentation(
        _signed(holder_key, held, suite), now=NOW, trust=trust, challenge=CHALLENGE, domain=DOMAIN
    )
    assert report.presentation_verified
    assert not report.verified
    assert report.credentials[0].check("proof").problem == "bad_signature"
    assert [c.verified for c in report.credentials] == [False, True, True]


def test_a_tampered_enveloped_jwt_fails(holder_key, held):
    token = held[2]["id"].removeprefix("data:application/vc+jwt,")
    head, _, signature = token.split(".")
    forged = encode_vc_jwt(
        {"@context": [V2], "type": ["VerifiableCredential"], "issuer": "did:example:x"},
        SigningKey.generate(),
        "did:example:x#k",
    ).split(".")[1]
    held[2]["id"] = f"data:application/vc+jwt,{head}.{forged}.{signature}"
    report = verify_presentation(
        _signed(holder_key, held, eddsa_rdfc_2022.CRYPTOSUITE),
        now=NOW,
        challenge=CHALLENGE,
        domain=DOMAIN,
    )
    assert report.credentials[2].form == "vc+jwt"
    assert not report.credentials[2].verified
    assert not report.verified


def test_a_presentation_signed_by_someone_other_than_its_holder_fails_the_holder_check(held):
    stranger = SigningKey.generate()
    vp = _signed(stranger, held, eddsa_rdfc_2022.CRYPTOSUITE)
    vp_for_holder = {**vp, "holder": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"}
    resigned = sign_presentation(
        vp_for_holder,
        stranger,
        did_key_verification_method(stranger.public_key),
        SIGNED_AT,
        challenge=CHALLENGE,
        domain=DOMAIN,
    )
    report = verify_presentation(resigned, now=NOW, challenge=CHALLENGE, domain=DOMAIN)
    assert report.check("presentation_proof").outcome is Outcome.PASSED
    assert report.check("holder").problem == "holder_mismatch"
    assert not report.verified


def test_a_proof_for_assertion_not_authentication_fails(holder_key, held):
    """A holder authenticates; a proof made with another purpose is refused."""
    vp = eddsa_jcs_2022.create_proof(
        _presentation(holder_key, held),
        holder_key,
        did_key_verification_method(holder_key.public_key),
        SIGNED_AT,
    )
    report = verify_presentation(vp, now=NOW)
    assert report.check("presentation_proof").problem == "bad_signature"
    assert "authentication" in report.check("presentation_proof").reason


def test_an_expired_holder_proof_fails(holder_key, held, trust):
    vp = _signed(holder_key, held, eddsa_rdfc_2022.CRYPTOSUITE, expires=NOW - timedelta(minutes=5))
    report = verify_presentation(vp, now=NOW, trust=trust, challenge=CHALLENGE, domain=DOMAIN)
    assert report.check("presentation_proof").problem == "proof_expired"
    fresh = _signed(holder_key, held, eddsa_rdfc_2022.CRYPTOSUITE, expires=NOW + timedelta(days=1))
    assert verify_presentation(
        fresh, now=NOW, trust=trust, challenge=CHALLENGE, domain=DOMAIN
    ).verified


def test_an_unsigned_presentation_is_refused_unless_proofless_is_asked_for(holder_key, held, trust):
    unsigned = _presentation(holder_key, held)
    strict = verify_presentation(unsigned, now=NOW, trust=trust)
    assert strict.check("presentation_proof").problem == "missing_proof"
    assert not strict.verified
    proofless = verify_presentation(unsigned, now=NOW, trust=trust, require_proof=False)
    assert proofless.verified
    assert proofless.check("holder").outcome is Outcome.NOT_APPLICABLE
    asked = verify_presentation(
        unsigned, now=NOW, trust=trust, require_proof=False, challenge=CHALLENGE
    )
    assert asked.check("challenge").problem == "missing_challenge"
    assert not asked.verified


def test_a_holder_key_that_is_not_a_did_key_is_unknown_never_passed(held):
    key = SigningKey.generate()
    vp = sign_presentation(
        {**_presentation(key, held), "holder": "did:web:wallet.example"},
        key,
        "did:web:wallet.example#key-1",
        SIGNED_AT,
        challenge=CHALLENGE,
    )
    report = verify_presentation(vp, now=NOW, challenge=CHALLENGE)
    assert report.check("presentation_proof").outcome is Outcome.UNKNOWN
    assert report.check("holder").outcome is Outcome.UNKNOWN
    assert report.check("challenge").outcome is Outcome.UNKNOWN
    assert not report.verified


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"@context": ["https://schema.org/"]}, "@context"),  # VCDM 1.1's is accepted
        ({"type": ["VerifiableCredential"]}, "VerifiablePresentation"),
        ({"holder": "not a url"}, "holder"),
        ({"verifiableCredential": ["eyJ.a.b"]}, "verifiableCredential"),
        ({"type": ["EnvelopedVerifiablePresentation"]}, "enveloped"),
    ],
)
def test_a_malformed_presentation_names_the_rule_and_judges_nothing_else(
    holder_key, held, change, rule
):
    report = verify_presentation({**_presentation(holder_key, held), **change}, now=NOW)
    shape = report.check("presentation_well_formed")
    assert (shape.outcome, shape.problem) == (Outcome.FAILED, "malformed")
    assert rule in shape.reason
    assert not report.well_formed
    assert report.credentials == ()
    assert all(c.outcome is Outcome.UNKNOWN for c in report.checks[1:])


def test_verify_document_checks_a_holder_signed_presentations_proof(holder_key, held, trust):
    """The CLI's path: a signed presentation file has its proof judged, a tampered one fails."""
    vp = _signed(holder_key, held, eddsa_rdfc_2022.CRYPTOSUITE)
    report = verify_document(vp, now=NOW, trust=trust)
    assert report.verified
    assert {c.id: c.outcome for c in report.checks}["presentation_proof"] is Outcome.PASSED
    vp["holder"] = did_key(SigningKey.generate().public_key)
    tampered = verify_document(vp, now=NOW, trust=trust)
    assert not tampered.verified
    assert {c.id: c.problem for c in tampered.checks}["presentation_proof"] == "bad_signature"


# --- offline: no verification opens a connection ----------------------------------------------

WEB_ISSUER = "did:web:passport.test:issuers:academy"
WEB_METHOD = f"{WEB_ISSUER}#key-1"
LIST_URL = "https://passport.test/status/revocation/7"


def _listed_credential(index: int, name: str) -> dict[str, Any]:
    return {
        "@context": [V2],
        "id": f"urn:uuid:9e0f3a4c-0000-4000-8000-00000000000{index}",
        "type": ["VerifiableCredential"],
        "issuer": {"id": WEB_ISSUER, "name": "NHS Digital Academy"},
        "name": name,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "urn:example:learner", "name": "Amira Okafor"},
        "credentialStatus": {
            "id": f"{LIST_URL}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": LIST_URL,
        },
    }


def _passport_file(key: SigningKey) -> dict[str, Any]:
    """A passport file of one eddsa-rdfc-2022 and one eddsa-jcs-2022 credential, with its
    issuer's key and signed status list inside."""
    credentials = [
        eddsa_rdfc_2022.create_proof(
            _listed_credential(1, "Information Governance"), key, WEB_METHOD, SIGNED_AT
        ),
        eddsa_jcs_2022.create_proof(
            _listed_credential(2, "Data Champion"), key, WEB_METHOD, SIGNED_AT
        ),
    ]
    status_list = signed_status_list(
        key, WEB_METHOD, issuer=WEB_ISSUER, url=LIST_URL, revoked=set()
    )
    return {
        "@context": [V2],
        "type": ["VerifiablePresentation", "StaffPassport"],
        "verifiableCredential": credentials,
        "staffPassport": {
            "issuers": [
                {
                    "id": WEB_ISSUER,
                    "name": "NHS Digital Academy",
                    "keys": [{"id": WEB_METHOD, "publicKeyMultibase": key.public_key.multibase}],
                }
            ],
            "statusLists": {LIST_URL: status_list},
        },
    }


def test_verification_makes_no_outbound_request(no_network, holder_key, held, trust):
    """A passport file and a holder-signed presentation, each holding eddsa-rdfc-2022 and
    eddsa-jcs-2022 credentials (and a status list, and a JWT), verify with the network blocked."""
    with pytest.raises(OSError, match="blocked"):
        socket.create_connection(("example.org", 443))  # the block is in force
    no_network.clear()

    academy = SigningKey.generate()
    pinned = trusting(
        SigningKey.generate(),
        [entity(WEB_ISSUER, "NHS Digital Academy", [(WEB_METHOD, academy.public_key)])],
    )
    passport = verify_document(_passport_file(academy), now=NOW, trust=pinned)
    assert passport.kind == "passport"
    assert passport.verified, passport.to_text()
    assert [c.form for c in passport.credentials] == ["eddsa-rdfc-2022", "eddsa-jcs-2022"]
    assert {c.check("status").outcome for c in passport.credentials} == {Outcome.PASSED}

    for suite in SUITES:
        vp = _signed(holder_key, copy.deepcopy(held), suite)
        assert verify_document(vp, now=NOW, trust=trust).verified
        report = verify_presentation(vp, now=NOW, trust=trust, challenge=CHALLENGE, domain=DOMAIN)
        assert report.verified
        assert {c.form for c in report.credentials} == {
            "eddsa-rdfc-2022",
            "eddsa-jcs-2022",
            "vc+jwt",
        }
    assert no_network == []


def test_a_signed_presentation_without_credentials_authenticates_its_holder(holder_key):
    """DID authentication: a holder's signed, empty presentation verifies; an unsigned one never."""
    empty = _presentation(holder_key, [])
    del empty["verifiableCredential"]
    signed = _signed(holder_key, [], eddsa_rdfc_2022.CRYPTOSUITE)
    assert verify_presentation(signed, now=NOW, challenge=CHALLENGE, domain=DOMAIN).verified
    assert not verify_presentation(empty, now=NOW, require_proof=False).verified


# --- enveloped presentations: vp+jwt (VC-JOSE-COSE §3.1.2) ------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _vp_jwt(holder: SigningKey, credentials: list[Any], **claims: Any) -> str:
    """The holder's presentation as a compact vp+jwt, made for CHALLENGE and DOMAIN."""
    claims = {"nonce": CHALLENGE, "audience": DOMAIN, "issued_at": SIGNED_AT, **claims}
    return encode_vp_jwt(
        _presentation(holder, credentials),
        holder,
        did_key_verification_method(holder.public_key),
        **claims,
    )


def _enveloped(token: str) -> dict[str, Any]:
    return {
        "@context": [V2],
        "type": "EnvelopedVerifiablePresentation",
        "id": f"data:application/vp+jwt,{token}",
    }


def _forged(token: str, header: dict[str, Any], key: bytes | None = None) -> str:
    """The token's payload under another header: unsigned, or HMAC-signed with `key`."""
    payload = token.split(".")[1]
    signing_input = f"{_b64(json.dumps(header).encode())}.{payload}"
    signature = b"" if key is None else hmac.digest(key, signing_input.encode(), hashlib.sha256)
    return f"{signing_input}.{_b64(signature)}"


@pytest.mark.parametrize("envelope", [_enveloped, lambda token: token])
def test_an_enveloped_vp_jwt_verifies_with_its_credentials(holder_key, held, envelope, trust):
    """As an EnvelopedVerifiablePresentation and as the bare compact JWT: the JWS is the
    holder's proof, nonce and aud the challenge and domain; every credential form verifies."""
    token = _vp_jwt(holder_key, held)
    assert json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "==")) == {
        "alg": "EdDSA",
        "typ": "vp+jwt",
        "kid": did_key_verification_method(holder_key.public_key),
    }
    report = verify_presentation(
        envelope(token), now=NOW, trust=trust, challenge=CHALLENGE, domain=DOMAIN
    )
    assert outcomes(report) == {
        "presentation_well_formed": ("passed", None),
        "presentation_proof": ("passed", None),
        "holder": ("passed", None),
        "challenge": ("passed", None),
        "domain": ("passed", None),
    }
    assert "vp+jwt" in report.check("presentation_proof").reason
    assert [c.form for c in report.credentials] == ["eddsa-rdfc-2022", "eddsa-jcs-2022", "vc+jwt"]
    assert all(c.verified for c in report.credentials)
    assert report.verified
    assert report.holder == did_key(holder_key.public_key)
    assert report.jose_header is not None and report.jose_header["typ"] == "vp+jwt"


def test_a_vp_jwt_replayed_with_another_challenge_fails_the_challenge_check(holder_key, held):
    vp = _enveloped(_vp_jwt(holder_key, held))
    _assert_refused_as_a_replay(vp)
    unbound = verify_presentation(
        _enveloped(_vp_jwt(holder_key, held, nonce=None)), now=NOW, challenge=CHALLENGE
    )
    assert unbound.check("challenge").problem == "missing_challenge"
    assert not unbound.verified


def test_a_vp_jwt_for_another_audience_fails_the_domain_check(holder_key, held, trust):
    vp = _enveloped(_vp_jwt(holder_key, held, audience=["other.example", "x.example"]))
    report = verify_presentation(vp, now=NOW, trust=trust, challenge=CHALLENGE, domain=DOMAIN)
    assert not report.verified
    domain = report.check("domain")
    assert (domain.outcome, domain.problem) == (Outcome.FAILED, "domain_mismatch")
    assert report.check("challenge").outcome is Outcome.PASSED
    listed = _enveloped(_vp_jwt(holder_key, held, audience=["other.example", DOMAIN]))
    assert verify_presentation(
        listed, now=NOW, trust=trust, challenge=CHALLENGE, domain=DOMAIN
    ).verified
    unbound = _enveloped(_vp_jwt(holder_key, held, audience=None))
    missing = verify_presentation(unbound, now=NOW, trust=trust, challenge=CHALLENGE, domain=DOMAIN)
    assert missing.check("domain").problem == "missing_domain"


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"holder": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"},
        {"verifiableCredential": []},
    ],
)
def test_a_tampered_vp_jwt_payload_fails_the_holders_proof(holder_key, held, change):
    """The nonce edited to the verifier's challenge (a replay), and perhaps more: the EdDSA
    signature no longer holds."""
    token = _vp_jwt(holder_key, held, nonce=CHALLENGE + "-edited")
    head, payload, signature = token.split(".")
    claims = {**json.loads(base64.urlsafe_b64decode(payload + "==")), **change}
    claims["nonce"] = CHALLENGE  # edited to the verifier's challenge, as a replay would
    claims.pop("iss", None)
    tampered = f"{head}.{_b64(json.dumps(claims).encode())}.{signature}"
    report = verify_presentation(_enveloped(tampered), now=NOW, challenge=CHALLENGE, domain=DOMAIN)
    assert not report.verified
    proof = report.check("presentation_proof")
    assert (proof.outcome, proof.problem) == (Outcome.FAILED, "bad_signature")
    assert "presentation's content" in proof.reason
    assert report.check("challenge").outcome is Outcome.UNKNOWN
    assert report.check("holder").outcome in {Outcome.UNKNOWN, Outcome.FAILED}


def test_a_vp_jwt_signed_by_someone_other_than_its_holder_fails_the_holder_check(held):
    stranger, holder = SigningKey.generate(), SigningKey.generate()
    token = encode_vp_jwt(
        {**_presentation(holder, held)},
        stranger,
        did_key_verification_method(stranger.public_key),
        nonce=CHALLENGE,
    )
    report = verify_presentation(token, now=NOW, challenge=CHALLENGE)
    assert report.check("presentation_proof").outcome is Outcome.PASSED
    assert report.check("holder").problem == "holder_mismatch"
    assert not report.verified


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "none", "typ": "vp+jwt"},
        {"alg": "HS256", "typ": "vp+jwt"},
        {"alg": "EdDSA", "typ": "vp+jwt", "crit": ["b64"], "b64": False},
    ],
)
def test_a_vp_jwt_with_another_algorithm_is_refused(holder_key, held, header):
    """No algorithm confusion: `none`, or HS256 keyed with the holder's public key, never
    verifies, though the token is otherwise the holder's own."""
    kid = did_key_verification_method(holder_key.public_key)
    forged = _forged(
        _vp_jwt(holder_key, held),
        {**header, "kid": kid},
        None if header["alg"] == "none" else holder_key.public_key.raw,
    )
    report = verify_presentation(_enveloped(forged), now=NOW, challenge=CHALLENGE, domain=DOMAIN)
    proof = report.check("presentation_proof")
    assert (proof.outcome, proof.problem) == (Outcome.FAILED, "bad_signature")
    assert report.well_formed
    assert not report.verified
    assert report.check("challenge").outcome is Outcome.UNKNOWN


def test_an_expired_or_not_yet_valid_vp_jwt_fails(holder_key, held, trust):
    expired = _vp_jwt(holder_key, held, expires=NOW - timedelta(minutes=5))
    report = verify_presentation(expired, now=NOW, trust=trust, challenge=CHALLENGE, domain=DOMAIN)
    assert report.check("presentation_proof").problem == "proof_expired"
    assert not report.verified
    early = _vp_jwt(holder_key, held, not_before=NOW + timedelta(minutes=5))
    report = verify_presentation(early, now=NOW, trust=trust, challenge=CHALLENGE, domain=DOMAIN)
    assert report.check("presentation_proof").problem == "not_yet_valid"
    fresh = _vp_jwt(
        holder_key, held, not_before=NOW - timedelta(minutes=1), expires=NOW + timedelta(days=1)
    )
    assert verify_presentation(
        fresh, now=NOW, trust=trust, challenge=CHALLENGE, domain=DOMAIN
    ).verified


def test_a_tampered_credential_inside_a_vp_jwt_fails_only_that_credential(holder_key, held, trust):
    held[0]["credentialSubject"]["name"] = "Someone else"
    report = verify_presentation(
        _vp_jwt(holder_key, held), now=NOW, trust=trust, challenge=CHALLENGE, domain=DOMAIN
    )
    assert report.presentation_verified
    assert [c.verified for c in report.credentials] == [False, True, True]
    assert not report.verified


@pytest.mark.parametrize(
    ("envelope", "rule"),
    [
        ("eyJhbGciOiJFZERTQSJ9.e30", "three"),
        ("eyJhbGciOiJFZERTQSJ9.e30.c2lnbmF0dXJl!", "base64url"),
        ("eyJhbGciOiJFZERTQSJ9.e30.abcde", "compact JWT"),
        ({"@context": [V2], "type": "EnvelopedVerifiablePresentation", "id": "urn:x"}, "vp+jwt"),
        (
            {
                "@context": [V2],
                "type": "EnvelopedVerifiablePresentation",
                "id": "data:application/vc+jwt,a.b.c",
            },
            "enveloped",
        ),
        ({"@context": ["x"], "type": "EnvelopedVerifiablePresentation"}, "@context"),
    ],
)
def test_a_malformed_enveloped_presentation_names_the_rule(envelope, rule):
    report = verify_presentation(envelope, now=NOW, challenge=CHALLENGE)
    shape = report.check("presentation_well_formed")
    assert (shape.outcome, shape.problem) == (Outcome.FAILED, "malformed")
    assert rule in shape.reason
    assert report.credentials == ()
    assert all(c.outcome is Outcome.UNKNOWN for c in report.checks[1:])


def test_a_vp_jwt_must_be_typed_and_hold_a_presentation(holder_key, held, issuer_key, method):
    """A vc+jwt is not a presentation; nor is a vp+jwt whose payload is not one, or whose
    iss contradicts its holder."""
    credential = held[2]["id"].removeprefix("data:application/vc+jwt,")
    typ = verify_presentation(credential, now=NOW).check("presentation_well_formed")
    assert typ.problem == "malformed"
    assert "vp+jwt" in typ.reason
    kid = did_key_verification_method(holder_key.public_key)
    not_a_vp = encode_vp_jwt({"@context": [V2], "type": ["VerifiableCredential"]}, holder_key, kid)
    shape = verify_presentation(not_a_vp, now=NOW).check("presentation_well_formed")
    assert "VerifiablePresentation" in shape.reason
    head, payload, _ = _vp_jwt(holder_key, held).split(".")
    claims = {**json.loads(base64.urlsafe_b64decode(payload + "==")), "iss": "did:example:other"}
    body = _b64(json.dumps(claims).encode())
    signature = _b64(holder_key.sign(f"{head}.{body}".encode()))
    conflict = verify_presentation(f"{head}.{body}.{signature}", now=NOW)
    assert "conflicts with holder" in conflict.check("presentation_well_formed").reason


@pytest.mark.parametrize("envelope", [lambda t: t, _enveloped], ids=["bare", "enveloped"])
def test_a_file_holding_a_vp_jwt_is_verified_as_a_presentation(holder_key, held, envelope, trust):
    """`passport verify` on a vp+jwt (bare or enveloped): the holder's proof and each credential;
    a forged signature fails the file."""
    token = _vp_jwt(holder_key, held)
    report = verify_document(
        json.dumps(envelope(token)) if envelope is _enveloped else token, now=NOW, trust=trust
    )
    assert report.kind == "presentation"
    assert report.verified
    assert len(report.credentials) == 3
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[::-1]}"
    assert not verify_document(forged, now=NOW, trust=trust).verified


def _holder_claims(holder: SigningKey, issuer: str | None = None) -> dict[str, Any]:
    """A credential with no proof of its own: claims the holder makes about themselves."""
    return {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": issuer or did_key(holder.public_key),
        "credentialSubject": {"id": did_key(holder.public_key), "name": "Amira"},
    }


@pytest.mark.parametrize("suite", SUITES)
def test_a_holders_own_claims_are_secured_by_the_presentations_proof(holder_key, suite):
    """VCDM 2.0 §4.13.4: a credential secured only by the presentation is self-asserted when its
    issuer is the holder, and then it verifies with the presentation."""
    vp = _signed(holder_key, [_holder_claims(holder_key)], suite)
    report = verify_presentation(vp, now=NOW, challenge=CHALLENGE, domain=DOMAIN)
    assert report.verified, [c.reason for r in report.credentials for c in r.checks]
    (claims,) = report.credentials
    assert claims.form == "self-asserted"
    assert claims.check("proof").outcome is Outcome.PASSED
    assert "§4.13.4" in claims.check("proof").reason


def test_a_presentation_of_own_claims_must_name_its_holder(holder_key):
    """The MUST of §4.13.4: without `holder` nothing says whose claims they are."""
    presentation = _presentation(holder_key, [_holder_claims(holder_key)])
    del presentation["holder"]
    vp = sign_presentation(
        presentation,
        holder_key,
        did_key_verification_method(holder_key.public_key),
        SIGNED_AT,
        challenge=CHALLENGE,
        domain=DOMAIN,
    )
    report = verify_presentation(vp, now=NOW, challenge=CHALLENGE, domain=DOMAIN)
    assert not report.verified
    assert outcomes(report)["holder"] == ("failed", "missing_holder")
    assert "§4.13.4" in report.check("holder").reason


def test_claims_with_no_proof_about_another_issuer_or_in_a_bad_presentation_fail(holder_key):
    """Someone else's unsigned credential is not the holder's claim; and a presentation whose
    proof fails secures nothing in it."""
    other = did_key(SigningKey.generate().public_key)
    foreign = _signed(holder_key, [_holder_claims(holder_key, issuer=other)], SUITES[0])
    report = verify_presentation(foreign, now=NOW, challenge=CHALLENGE, domain=DOMAIN)
    assert not report.verified
    assert report.credentials[0].check("proof").problem == "missing_proof"
    assert report.check("presentation_proof").outcome is Outcome.PASSED

    tampered = _signed(holder_key, [_holder_claims(holder_key)], SUITES[1])
    tampered["verifiableCredential"][0]["credentialSubject"]["name"] = "Someone else"
    report = verify_presentation(tampered, now=NOW, challenge=CHALLENGE, domain=DOMAIN)
    assert report.check("presentation_proof").outcome is Outcome.FAILED
    assert report.credentials[0].check("proof").outcome is Outcome.FAILED

    unsigned = _presentation(holder_key, [_holder_claims(holder_key)])
    report = verify_presentation(unsigned, now=NOW, require_proof=False)
    assert not report.verified
    assert report.credentials[0].check("proof").problem == "missing_proof"


def test_the_file_verifier_treats_a_holders_own_claims_the_same_way(holder_key):
    """`passport verify` reads presentations through `verify_document`: same rule, same result."""
    good = _signed(holder_key, [_holder_claims(holder_key)], SUITES[0])
    report = verify_document(good, now=NOW)
    assert report.verified, report.to_text()
    assert report.credentials[0].form == "self-asserted"
    other = did_key(SigningKey.generate().public_key)
    foreign = _signed(holder_key, [_holder_claims(holder_key, issuer=other)], SUITES[0])
    assert not verify_document(foreign, now=NOW).verified


def test_a_holders_own_claims_that_have_lapsed_do_not_verify(holder_key):
    """Self-asserted claims keep their validity period, as any credential does."""
    lapsed = {**_holder_claims(holder_key), "validUntil": "2020-01-01T00:00:00Z"}
    vp = _signed(holder_key, [lapsed], SUITES[0])
    report = verify_presentation(vp, now=NOW, challenge=CHALLENGE, domain=DOMAIN)
    assert not report.verified
    assert report.credentials[0].check("validity_period").outcome is Outcome.FAILED


def test_an_enveloped_presentation_whose_context_is_one_string_verifies(holder_key, held, trust):
    """`"@context": "https://www.w3.org/ns/credentials/v2"` (VCDM 2.0 Example 19) is accepted."""
    envelope = {**_enveloped(_vp_jwt(holder_key, held)), "@context": V2}
    report = verify_presentation(envelope, now=NOW, trust=trust, challenge=CHALLENGE, domain=DOMAIN)
    assert report.check("presentation_well_formed").outcome is Outcome.PASSED
    assert report.verified


def test_a_presentation_whose_type_is_one_string_verifies(holder_key, held, trust):
    """A VCDM 2.0 presentation with `"type": "VerifiablePresentation"` is well formed."""
    unsigned = {"@context": [V2], "type": "VerifiablePresentation", "verifiableCredential": held}
    report = verify_presentation(unsigned, now=NOW, trust=trust, require_proof=False)
    assert report.check("presentation_well_formed").outcome is Outcome.PASSED
    assert report.verified
