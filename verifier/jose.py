"""Credentials secured as JWTs (VC-JOSE-COSE §3.1.1, `vc+jwt`), EdDSA only.

The payload is the credential itself, with the Open Badges 3.0 claims `iss`, `jti`, `sub`,
`nbf` (and `exp`) beside it. Only `EdDSA` is accepted, whatever the header says, so no token can
choose its own algorithm (`none`, or HS256 keyed with the public key).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import datetime
from typing import Any

import jwt

from keys import PublicKey, SigningKey
from verifier.errors import ProofError

ALGORITHM = "EdDSA"
MEDIA_TYPE = "vc+jwt"
REGISTERED_CLAIMS = ("iss", "jti", "sub", "nbf", "exp", "iat", "aud")


def _epoch(xsd: str) -> int:
    return calendar.timegm(datetime.fromisoformat(xsd.replace("Z", "+00:00")).utctimetuple())


def _issuer_id(credential: dict[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        value = issuer.get("id")
        return value if isinstance(value, str) else None
    return issuer if isinstance(issuer, str) else None


def encode_vc_jwt(credential: dict[str, Any], key: SigningKey, kid: str) -> str:
    """The compact `vc+jwt` of an unsecured credential, signed with `key` named by `kid`."""
    claims: dict[str, Any] = {k: v for k, v in credential.items() if k != "proof"}
    if (issuer := _issuer_id(credential)) is not None:
        claims["iss"] = issuer
    if isinstance(credential.get("id"), str):
        claims["jti"] = credential["id"]
    subject = credential.get("credentialSubject")
    if isinstance(subject, dict) and isinstance(subject.get("id"), str):
        claims["sub"] = subject["id"]
    if isinstance(credential.get("validFrom"), str):
        claims["nbf"] = _epoch(credential["validFrom"])
    if isinstance(credential.get("validUntil"), str):
        claims["exp"] = _epoch(credential["validUntil"])
    return jwt.encode(
        claims,
        key.to_cryptography(),
        algorithm=ALGORITHM,
        headers={"kid": kid, "typ": MEDIA_TYPE},
    )


def jwt_header(token: str) -> dict[str, Any]:
    """The unverified header, or `ProofError` if the text is not a compact JWS."""
    try:
        return dict(jwt.get_unverified_header(token))
    except jwt.PyJWTError as exc:
        raise ProofError(f"not a compact JWT: {exc}") from exc


def decode_vc_jwt(
    token: str, resolve: Callable[[str], PublicKey]
) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """Verify a `vc+jwt`; return (credential, kid, all claims) or raise `ProofError`."""
    header = jwt_header(token)
    if header.get("alg") != ALGORITHM:
        raise ProofError(f"JWT algorithm must be {ALGORITHM}, got {header.get('alg')!r}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise ProofError("JWT header has no kid naming the issuer's key")
    public_key = resolve(kid)
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            public_key.to_cryptography(),
            algorithms=[ALGORITHM],
            options={
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": False,
                "verify_iss": False,
            },
        )
    except jwt.InvalidSignatureError as exc:
        raise ProofError("signature does not match the credential's content") from exc
    except jwt.PyJWTError as exc:
        raise ProofError(f"JWT does not verify: {exc}") from exc
    typ = header.get("typ")
    if typ in (None, "JWT") and isinstance(claims.get("vc"), dict):
        credential = dict(claims["vc"])  # the legacy VC-JWT form some Open Badges 3.0 tokens use
    elif typ in (None, "JWT", MEDIA_TYPE):
        credential = {k: v for k, v in claims.items() if k not in REGISTERED_CLAIMS}
    else:
        raise ProofError(f"JWT type must be {MEDIA_TYPE}, got {typ!r}")
    return credential, kid, claims
