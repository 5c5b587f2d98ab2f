"""Credentials as `vc+jwt`: the Open Badges 3.0 claims, EdDSA only, validity from nbf/exp."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import jwt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keys import (
    PublicKey,
    SigningKey,
    did_key,
    did_key_verification_method,
    resolve_did_key,
)
from tests.verifier.conftest import NOW
from verifier import Outcome, ProofError, verify_credential
from verifier.jose import decode_vc_jwt, encode_vc_jwt

SIGNED_AT = datetime(2026, 2, 1, tzinfo=UTC)


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _sign(key: SigningKey, header: dict[str, Any], claims: dict[str, Any]) -> str:
    """A token with exactly the header given (pyjwt adds only `alg`)."""
    return jwt.encode(
        claims, key.to_cryptography(), algorithm="EdDSA", headers=header, sort_headers=False
    )


def test_decoding_returns_the_credential_and_the_key_it_names(
    unsigned_credential, issuer_key, method
):
    """Round trip: the payload minus the JWT claims is the credential; `kid` names the key."""
    token = encode_vc_jwt(unsigned_credential, issuer_key, method, SIGNED_AT)
    credential, kid = decode_vc_jwt(token, resolve_did_key)
    assert credential == unsigned_credential
    assert kid == method


def test_the_header_and_claims_are_what_open_badges_expects(
    unsigned_credential, issuer_key, method
):
    """Header `alg`/`kid`/`typ: vc+jwt`; claims iss, jti, sub, nbf, exp beside the credential."""
    token = encode_vc_jwt(unsigned_credential, issuer_key, method, SIGNED_AT)
    assert jwt.get_unverified_header(token) == {"alg": "EdDSA", "kid": method, "typ": "vc+jwt"}
    claims = jwt.decode(
        token, issuer_key.public_key.to_cryptography(), algorithms=["EdDSA"], leeway=10**9
    )
    assert claims["iss"] == unsigned_credential["issuer"]
    assert claims["jti"] == unsigned_credential["id"]
    assert claims["sub"] == "urn:example:learner"
    assert claims["nbf"] == int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
    assert claims["exp"] == int(datetime(2027, 1, 1, tzinfo=UTC).timestamp())
    assert "vc" not in claims


def test_an_expired_jwt_is_reported_expired_not_refused(unsigned_credential, issuer_key, method):
    """pyjwt does not judge `exp`: the signature passes and the validity check says expired."""
    token = encode_vc_jwt(unsigned_credential, issuer_key, method, SIGNED_AT)
    report = verify_credential(token, now=datetime(2027, 3, 1, tzinfo=UTC))
    assert report.check("proof").outcome is Outcome.PASSED
    assert report.check("validity_period").problem == "expired"


def test_a_jwt_exp_earlier_than_valid_until_decides(unsigned_credential, issuer_key, method):
    """A token's own `exp` ends its validity even when the credential names no validUntil."""
    del unsigned_credential["validUntil"]
    claims = {
        **unsigned_credential,
        "iss": unsigned_credential["issuer"],
        "exp": int(datetime(2026, 6, 1, tzinfo=UTC).timestamp()),
    }
    token = _sign(issuer_key, {"kid": method, "typ": "vc+jwt"}, claims)
    report = verify_credential(token, now=NOW)
    assert report.check("validity_period").problem == "expired"


def test_a_claim_contradicting_the_credential_is_malformed(unsigned_credential, issuer_key, method):
    """`iss` naming someone other than the issuer is refused (VC-JOSE-COSE: no conflicts)."""
    claims = {**unsigned_credential, "iss": "did:web:someone-else.example"}
    token = _sign(issuer_key, {"kid": method, "typ": "vc+jwt"}, claims)
    report = verify_credential(token, now=NOW)
    assert report.check("well_formed").problem == "malformed"
    assert "iss" in report.check("well_formed").reason


def test_a_legacy_vc_claim_is_read_only_without_the_vc_jwt_type(
    unsigned_credential, issuer_key, method, trust
):
    """Open Badges tokens with `typ: JWT` and a `vc` claim verify; under `vc+jwt` they do not."""
    claims = {"iss": unsigned_credential["issuer"], "vc": unsigned_credential}
    legacy = _sign(issuer_key, {"kid": method, "typ": "JWT"}, claims)
    assert verify_credential(legacy, now=NOW, trust=trust).verified
    modern = _sign(issuer_key, {"kid": method, "typ": "vc+jwt"}, claims)
    report = verify_credential(modern, now=NOW, trust=trust)
    assert report.check("well_formed").outcome is Outcome.FAILED


@pytest.mark.parametrize("alg", ["none", "HS256", "ES256", None])
def test_only_eddsa_is_accepted(unsigned_credential, issuer_key, method, alg):
    """Any `alg` but EdDSA is refused before a key is even looked up (RFC 8725 §3.1)."""
    token = encode_vc_jwt(unsigned_credential, issuer_key, method)
    _, payload, signature = token.split(".")
    forged_header = {"kid": method, "typ": "vc+jwt"} | ({"alg": alg} if alg else {})
    forged = f"{_b64(forged_header)}.{payload}.{signature}"

    def must_not_resolve(kid: str) -> Any:
        raise AssertionError(f"looked up {kid} for a token that names another algorithm")

    with pytest.raises(ProofError, match="JWT algorithm must be EdDSA"):
        decode_vc_jwt(forged, must_not_resolve)


def test_a_jwt_with_critical_extensions_is_refused(unsigned_credential, issuer_key, method):
    """A `crit` header the verifier does not understand is refused (RFC 7515 §4.1.11)."""
    token = _sign(
        issuer_key,
        {"kid": method, "typ": "vc+jwt", "crit": ["b64"], "b64": True},
        unsigned_credential,
    )
    with pytest.raises(ProofError, match="critical"):
        decode_vc_jwt(token, resolve_did_key)


def test_a_jwt_signed_by_another_key_fails(unsigned_credential, issuer_key, method):
    """A token whose `kid` names the issuer's key but is signed by another fails its proof."""
    token = encode_vc_jwt(unsigned_credential, SigningKey.generate(), method)
    report = verify_credential(token, now=NOW)
    assert report.check("proof").problem == "bad_signature"
    assert report.check("issuer").reason == "not checked: the proof failed"


@pytest.mark.parametrize("token", ["eyJh.eyJh.abcde", "a.b.c", "eyJhbGciOiJFZERTQSJ9.e30.x"])
def test_a_segment_of_impossible_length_is_malformed_not_a_crash(token):
    """A base64url segment of 4n + 1 characters decodes to nothing: refused, with a reason."""
    report = verify_credential(token, now=NOW)
    assert not report.verified
    assert report.checks[0].outcome is not Outcome.PASSED


@pytest.mark.parametrize(
    "segment", ["eyJh+bGc", "eyJh/bGc", "eyJhbGc=", "eyJh bGc", "eyJhbGé", "eyJh\u0660bGc"]
)
def test_a_segment_outside_the_base64url_alphabet_is_malformed(segment):
    """RFC 7515 §2: segments are unpadded base64url; `+`, `/`, `=`, a space or a non-ASCII
    character (even a digit of another script) makes the token malformed, named as such."""
    report = verify_credential(f"eyJhbGciOiJFZERTQSJ9.{segment}.AAAA", now=NOW)
    assert report.checks[0].outcome is Outcome.FAILED
    assert "not unpadded base64url" in report.checks[0].reason


def test_a_payload_not_in_utf8_is_malformed(unsigned_credential, issuer_key, method):
    """RFC 7519 §7.2: the claims set is UTF-8; the same JSON in UTF-16, correctly signed, is
    refused as malformed rather than guessed at."""
    header = _b64({"alg": "EdDSA", "kid": method, "typ": "vc+jwt"})
    payload = base64.urlsafe_b64encode(json.dumps(unsigned_credential).encode("utf-16"))
    signing_input = f"{header}.{payload.rstrip(b'=').decode()}"
    signature = base64.urlsafe_b64encode(issuer_key.sign(signing_input.encode()))
    report = verify_credential(f"{signing_input}.{signature.rstrip(b'=').decode()}", now=NOW)
    assert report.checks[0].outcome is Outcome.FAILED
    assert report.checks[0].reason == "not a compact JWT: header or payload is not JSON"


def test_a_small_order_key_cannot_make_a_jwt_that_says_anything():
    """Under the identity point as public key, one signature (R = identity, S = 0) satisfies
    OpenSSL's check for every message; the JWT form refuses it as the Data Integrity form does."""
    identity = PublicKey(bytes([1]) + bytes(31))
    issuer = did_key(identity)
    header = {"alg": "EdDSA", "typ": "vc+jwt", "kid": did_key_verification_method(identity)}
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "credentialSubject": {"id": "did:example:subject", "name": "Anything at all"},
    }
    forged_signature = base64.urlsafe_b64encode(bytes(identity.raw) + bytes(32)).rstrip(b"=")
    token = f"{_b64(header)}.{_b64({**credential, 'iss': issuer})}.{forged_signature.decode()}"
    report = verify_credential(token, now=NOW)
    assert report.check("proof").outcome is Outcome.FAILED
    assert not report.verified


_ANY_TEXT = st.text(st.characters(exclude_categories=()))  # lone surrogates too
_CLAIM_VALUES = st.recursive(
    st.one_of(
        st.booleans(),
        st.integers(-(2**63), 2**63 - 1),
        st.floats(min_value=1e-4, max_value=1e15, allow_nan=False),
        _ANY_TEXT,
        st.sampled_from(["Siân", "Zoë \u2028", "\x7f\x1f", "\U0001f600 \ud800"]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(_ANY_TEXT, inner, max_size=4)
    ),
    max_leaves=20,
)
_MEMBER_NAMES = _ANY_TEXT.filter(lambda name: name not in ("proof", "validUntil"))


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_MEMBER_NAMES, _CLAIM_VALUES, max_size=6), _ANY_TEXT)
def test_a_vc_jwt_is_the_very_token_pyjwt_makes(members, name):
    """Whatever the credential holds (any text: accents, controls, DEL, astral characters, lone
    surrogates), its `vc+jwt` is byte for byte the token `jwt.encode` makes of the same claims
    (RFC 7519 §7.1) with the same key."""
    key = SigningKey.from_seed(bytes(range(32)))
    credential = {
        **members,
        "id": "urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427",
        "issuer": {"id": "did:key:z6Mk", "name": name},
        "credentialSubject": {"id": "did:example:learner", "name": name},
        "validFrom": "2026-01-31T00:00:00Z",
    }
    claims = {
        **credential,
        "iat": 1769904000,  # SIGNED_AT
        "iss": "did:key:z6Mk",
        "jti": credential["id"],
        "sub": "did:example:learner",
        "nbf": 1769817600,
    }
    expected = jwt.encode(
        claims, key.to_cryptography(), algorithm="EdDSA", headers={"kid": "k", "typ": "vc+jwt"}
    )
    assert encode_vc_jwt(credential, key, "k", issued_at=SIGNED_AT) == expected


def test_a_vc_jwt_never_turns_nan_into_null():
    """A credential holding NaN is written as PyJWT writes it (its NaN token), never with the
    null a faster encoder would put there, so its meaning is not changed silently."""
    key = SigningKey.from_seed(bytes(range(32)))
    token = encode_vc_jwt({"id": "urn:x", "credits": float("nan")}, key, "k")
    payload = token.split(".")[1]
    assert b'"credits":NaN' in base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))


def test_values_json_writes_its_own_way_are_written_as_pyjwt_writes_them():
    """A `str` subclass (an enum's value) is written as PyJWT writes it, and a date, which PyJWT
    refuses, is refused the same way rather than written as orjson would."""
    key = SigningKey.from_seed(bytes(range(32)))

    class Level(StrEnum):
        ADVANCED = "advanced"

    claims = {"id": "urn:x", "level": Level.ADVANCED, "jti": "urn:x"}
    expected = jwt.encode(
        claims, key.to_cryptography(), algorithm="EdDSA", headers={"kid": "k", "typ": "vc+jwt"}
    )
    assert encode_vc_jwt({"id": "urn:x", "level": Level.ADVANCED}, key, "k") == expected
    with pytest.raises(TypeError):
        encode_vc_jwt({"id": "urn:x", "awarded": SIGNED_AT}, key, "k")
