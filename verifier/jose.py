"""Credentials secured as JWTs (VC-JOSE-COSE §3.1.1, `vc+jwt`), EdDSA only.

The payload is the credential itself, with the Open Badges 3.0 claims `iss`, `jti`, `sub`,
`nbf` (and `exp`) beside it. Only `EdDSA` is accepted, whatever the header says, so no token can
choose its own algorithm (`none`, or HS256 keyed with the public key).
"""

from __future__ import annotations

import binascii
import calendar
import functools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
import orjson
from jwt.algorithms import Algorithm

from keys import InvalidSignatureError, PublicKey, SigningKey
from verifier.errors import ProofError
from verifier.json_text import JsonTextError, read_json

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


def encode_vc_jwt(
    credential: dict[str, Any], key: SigningKey, kid: str, issued_at: datetime | None = None
) -> str:
    """The compact `vc+jwt` of an unsecured credential, signed with `key` named by `kid`.

    `issued_at` becomes `iat`: when the signature was made, which decides whether the key was
    current then (`validFrom`, when the achievement was earned, may be earlier).
    """
    claims: dict[str, Any] = {k: v for k, v in credential.items() if k != "proof"}
    if issued_at is not None:
        claims["iat"] = calendar.timegm(issued_at.utctimetuple())
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
    headers = {"kid": kid, "typ": MEDIA_TYPE}
    # `_EdDSA` takes our key; PyJWS's annotation lists only the key types of its own algorithms.
    return _JWS.encode(_claims_json(claims), key, ALGORITHM, headers)  # type: ignore[arg-type]


def _claims_json(claims: dict[str, Any]) -> bytes:
    """The claims set as `jwt.encode` writes it: compact JSON, each character outside printable
    ASCII escaped as `json.dumps` escapes it.

    `orjson` writes it several times faster, the same bytes once those characters are escaped,
    but for floats of 1e16 and more or below 1e-4, which it writes as the same number in shorter
    form (`1e16`, `1e-5`, where `json` writes `1e+16`, `1e-05`), and NaN and infinities, which it
    writes as null: a claims set with a null anywhere is left to `json` (no token ever says
    null for NaN; `json`'s NaN is no JSON, and verifiers refuse it as before). Subclasses of
    `str` and friends, dates and dataclasses are left to `json` too (which writes, or refuses,
    them as PyJWT did); only a `UUID` or a plain `Enum`, which `json` refuses, orjson writes.
    """
    try:
        data = orjson.dumps(claims, option=_LEFT_TO_JSON)
    except orjson.JSONEncodeError:  # a lone surrogate, an integer beyond 64 bits, and those
        data = b"null"
    if b"null" in data:
        return json.dumps(claims, separators=(",", ":")).encode()
    if data.isascii() and b"\x7f" not in data:
        return data
    return _NOT_PRINTABLE_ASCII.sub(_escaped, data.decode()).encode()


_LEFT_TO_JSON = (
    orjson.OPT_PASSTHROUGH_SUBCLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
)
_NOT_PRINTABLE_ASCII = re.compile("[\x7f-\U0010ffff]")  # controls below are escaped already


def _escaped(character: re.Match[str]) -> str:
    """A character as `json.dumps` escapes it (lowercase hex, UTF-16 surrogate pairs)."""
    point = ord(character.group())
    if point < 0x10000:
        return f"\\u{point:04x}"
    point -= 0x10000
    return f"\\u{0xD800 | point >> 10:04x}\\u{0xDC00 | point & 0x3FF:04x}"


class _EdDSA(Algorithm):
    """PyJWT's `EdDSA`, signing with our `SigningKey` (libsodium) instead of an OpenSSL key:
    the same signature (Ed25519 is deterministic), made in half the time. Only for signing:
    tokens are verified by `verify_compact`, never by PyJWT."""

    def prepare_key(self, key: Any) -> SigningKey:
        if not isinstance(key, SigningKey):
            raise TypeError("expected a keys.SigningKey")
        return key

    def sign(self, msg: bytes, key: Any) -> bytes:
        return self.prepare_key(key).sign(msg)

    def verify(self, msg: bytes, key: Any, sig: bytes) -> bool:
        raise NotImplementedError("tokens are verified by verify_compact")

    @staticmethod
    def to_jwk(key_obj: Any, as_dict: bool = False) -> Any:
        raise NotImplementedError("see keys.PublicKey.jwk")

    @staticmethod
    def from_jwk(jwk: Any) -> Any:
        raise NotImplementedError("see keys.PublicKey.from_jwk")


# PyJWT assembles and signs the JWS (RFC 7515 §7.1) with EdDSA alone registered.
_JWS = jwt.PyJWS(algorithms=[])
_JWS.register_algorithm(ALGORITHM, _EdDSA())


@dataclass(frozen=True)
class CompactJws:
    """A compact JWS split into its parts; nothing in it is trusted until `verify_compact`."""

    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes


_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")
_BASE64URL_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _segment(text: str, name: str) -> bytes:
    # The alphabet is checked by deleting it (what is left is foreign): a regex over a 2 kB
    # payload cost a twentieth of a whole verification.
    encoded = text.encode("ascii", "replace")
    if encoded.translate(None, _BASE64URL_ALPHABET):
        raise ProofError(f"not a compact JWT: the {name} is not unpadded base64url")
    # What base64.urlsafe_b64decode does, without its wrappers.
    padded = encoded.translate(_FROM_URLSAFE) + b"=" * (-len(text) % 4)
    try:
        return binascii.a2b_base64(padded)
    except binascii.Error:  # a length no base64 text has (4n + 1)
        raise ProofError(f"not a compact JWT: the {name} is not base64url") from None


def _header(segment: str) -> Any:
    """The decoded header; an issuer's tokens share theirs, so a short flat one is read once."""
    flat = _flat_header(segment) if len(segment) <= _CACHED_HEADER_CHARS else None
    return dict(flat) if flat is not None else read_json(_segment(segment, "header"))


_CACHED_HEADER_CHARS = 512  # bounds the cache's memory, whatever tokens are sent


@functools.lru_cache(maxsize=256)
def _flat_header(segment: str) -> tuple[tuple[str, Any], ...] | None:
    """A header object whose members are all plain values, as pairs (so no caller can change
    the cached copy); None for any other JSON, which is read (and refused) on each call."""
    header = read_json(_segment(segment, "header"))
    if not isinstance(header, dict):
        return None
    if not all(v is None or isinstance(v, str | int | float | bool) for v in header.values()):
        return None
    return tuple(header.items())


def parse_compact(token: str) -> CompactJws:
    """Split and decode a compact JWS (RFC 7515 §7.1); `ProofError` if it is not one."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise ProofError("not a compact JWT: expected three dot-separated parts")
    try:
        header = _header(parts[0])
        # RFC 7519 §7.2: the claims set is UTF-8 (no other encoding is guessed).
        claims = read_json(_segment(parts[1], "payload").decode("utf-8"))
    except JsonTextError as exc:
        raise ProofError(f"not a compact JWT: {exc}") from exc
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ProofError("not a compact JWT: header or payload is not JSON") from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise ProofError("not a compact JWT: header and payload must be JSON objects")
    return CompactJws(
        header, claims, f"{parts[0]}.{parts[1]}".encode("ascii"), _segment(parts[2], "signature")
    )


def credential_of(jws: CompactJws) -> dict[str, Any]:
    """The credential a JWT carries: the payload (`vc+jwt`), or a legacy `vc` claim."""
    typ = jws.header.get("typ")
    if typ in (None, "JWT") and isinstance(jws.claims.get("vc"), dict):
        return dict(jws.claims["vc"])  # the legacy VC-JWT form some Open Badges 3.0 tokens use
    if typ not in (None, "JWT", MEDIA_TYPE):
        raise ProofError(f"JWT type must be {MEDIA_TYPE}, got {typ!r}")
    return {k: v for k, v in jws.claims.items() if k not in REGISTERED_CLAIMS}


def conflicting_claim(jws: CompactJws, credential: dict[str, Any]) -> str | None:
    """The first registered claim that contradicts the credential it secures, if any.

    VC-JOSE-COSE §3.1: when a payload carries both JWT claims and the data model's properties,
    they must not conflict (`iss` = issuer, `jti` = id, `sub` = credentialSubject.id).
    """
    subject = credential.get("credentialSubject")
    pairs = {
        "iss": ("issuer", _issuer_id(credential)),
        "jti": ("id", credential.get("id")),
        "sub": ("credentialSubject.id", subject.get("id") if isinstance(subject, dict) else None),
    }
    for claim, (member, value) in pairs.items():
        if claim in jws.claims and value is not None and jws.claims[claim] != value:
            return f"JWT claim {claim} {jws.claims[claim]!r} conflicts with {member} {value!r}"
    return None


def verify_compact(jws: CompactJws, resolve: Callable[[str], PublicKey]) -> str:
    """Check the Ed25519 signature over the JWS signing input (RFC 8037 §3.1); return the
    `kid`, or raise `ProofError`.

    Only EdDSA is accepted (RFC 8725 §3.1), and a `crit` header we do not understand is refused
    (RFC 7515 §4.1.11). The signature is checked as every Ed25519 signature here is
    (`PublicKey.verify`), so a small-order key is refused in this form too.
    """
    if jws.header.get("alg") != ALGORITHM:
        raise ProofError(f"JWT algorithm must be {ALGORITHM}, got {jws.header.get('alg')!r}")
    if "crit" in jws.header:
        raise ProofError("JWT header has critical extensions this verifier does not support")
    kid = jws.header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise ProofError("JWT header has no kid naming the issuer's key")
    public_key = resolve(kid)
    try:
        public_key.verify(jws.signature, jws.signing_input)
    except InvalidSignatureError as exc:
        raise ProofError("signature does not match the credential's content") from exc
    return kid


def decode_vc_jwt(token: str, resolve: Callable[[str], PublicKey]) -> tuple[dict[str, Any], str]:
    """Verify a `vc+jwt`; return (credential, kid) or raise `ProofError`.

    Only the signature is judged here: `nbf` and `exp` are left to the validity check.
    """
    jws = parse_compact(token)
    kid = verify_compact(jws, resolve)
    return credential_of(jws), kid


# --- presentations secured as JWTs (VC-JOSE-COSE §3.1.2, `vp+jwt`) ----------------------------

VP_MEDIA_TYPE = "vp+jwt"
VP_DATA_URL = "data:application/vp+jwt,"
# JWT claims a `vp+jwt` payload may carry beside the presentation: `nonce` and `aud` bind it to
# the verifier's challenge and domain (as a Data Integrity proof's `challenge` and `domain` do).
PRESENTATION_CLAIMS = (*REGISTERED_CLAIMS, "nonce")


def encode_vp_jwt(
    presentation: dict[str, Any],
    key: SigningKey,
    kid: str,
    *,
    nonce: str | None = None,
    audience: str | list[str] | None = None,
    issued_at: datetime | None = None,
    not_before: datetime | None = None,
    expires: datetime | None = None,
) -> str:
    """The compact `vp+jwt` of an unsecured presentation, signed by its holder's `key` (`kid`).

    `nonce` and `audience` (`aud`) carry the verifier's challenge and domain; `iss` is the
    holder and `jti` the presentation's id, when it has them.
    """
    claims: dict[str, Any] = {k: v for k, v in presentation.items() if k != "proof"}
    holder = presentation.get("holder")
    holder = holder.get("id") if isinstance(holder, dict) else holder
    if isinstance(holder, str):
        claims["iss"] = holder
    if isinstance(presentation.get("id"), str):
        claims["jti"] = presentation["id"]
    if nonce is not None:
        claims["nonce"] = nonce
    if audience is not None:
        claims["aud"] = audience
    for claim, moment in (("iat", issued_at), ("nbf", not_before), ("exp", expires)):
        if moment is not None:
            claims[claim] = calendar.timegm(moment.utctimetuple())
    return jwt.encode(
        claims,
        key.to_cryptography(),
        algorithm=ALGORITHM,
        headers={"kid": kid, "typ": VP_MEDIA_TYPE},
    )


def presentation_of(jws: CompactJws) -> dict[str, Any]:
    """The presentation a `vp+jwt` carries: its payload without the JWT claims.

    The header's `typ` must be `vp+jwt` (a `vc+jwt`, or an untyped token, is not a presentation),
    and the legacy `vp` and `vc` claims must not be present (VC-JOSE-COSE §3.1).
    """
    typ = jws.header.get("typ")
    if typ != VP_MEDIA_TYPE:
        raise ProofError(f"JWT type must be {VP_MEDIA_TYPE}, got {typ!r}")
    for legacy in ("vp", "vc"):
        if legacy in jws.claims:
            raise ProofError(f"a {VP_MEDIA_TYPE} must not carry the JWT claim {legacy!r}")
    return {k: v for k, v in jws.claims.items() if k not in PRESENTATION_CLAIMS}


def conflicting_presentation_claim(jws: CompactJws, presentation: dict[str, Any]) -> str | None:
    """The first registered claim that contradicts the presentation it secures, if any
    (`iss` = holder, `jti` = id)."""
    holder = presentation.get("holder")
    holder = holder.get("id") if isinstance(holder, dict) else holder
    pairs = {"iss": ("holder", holder), "jti": ("id", presentation.get("id"))}
    for claim, (member, value) in pairs.items():
        if claim in jws.claims and value is not None and jws.claims[claim] != value:
            return f"JWT claim {claim} {jws.claims[claim]!r} conflicts with {member} {value!r}"
    return None


def numeric_date(value: object) -> datetime | None:
    """A JWT NumericDate (RFC 7519 §2) as an aware datetime; None when not a usable number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


NUMERIC_DATE_CLAIMS = ("exp", "nbf", "iat")


def numeric_dates(claims: Mapping[str, Any]) -> tuple[dict[str, datetime], str | None]:
    """The JWT's `exp`, `nbf` and `iat` that are present, each read once, and why one of them is
    not a NumericDate (RFC 7519 §2, §4.1.4-6), or None when each one present is. Every JWT path
    reads them here: a claim that is present but unreadable ("1000", -1e400) must never count
    as "no expiry"."""
    dates: dict[str, datetime] = {}
    for claim in NUMERIC_DATE_CLAIMS:
        if claim in claims:
            moment = numeric_date(claims[claim])
            if moment is None:
                return dates, (
                    f"the JWT's {claim} is not a NumericDate, a number of seconds since "
                    "1970-01-01 UTC (RFC 7519 §2)"
                )
            dates[claim] = moment
    return dates, None


def numeric_date_problem(claims: Mapping[str, Any]) -> str | None:
    """Why the JWT's `exp`, `nbf` or `iat` is not a NumericDate (`numeric_dates`), or None."""
    return numeric_dates(claims)[1]
