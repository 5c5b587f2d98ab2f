"""OAuth 2.0 client credentials (RFC 6749 §4.4) and short-lived signed access tokens (RFC 9068).

Client secrets are 256-bit random values, stored only as SHA-256 hashes (a slow hash adds
nothing for secrets of that entropy). Access tokens are EdDSA JWTs signed by the ledger's token
key; validation accepts only EdDSA, our own key ids, our audience and unexpired tokens.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt

from events.client import OPERATOR
from issuers.errors import AuthenticationError
from keys import PublicKey, SigningKey
from verifier.jose import numeric_dates

TOKEN_LIFETIME = timedelta(minutes=15)
TOKEN_TYPE = "at+jwt"  # noqa: S105 - a media type, not a secret
ALGORITHM = "EdDSA"
TOKEN_SKEW = timedelta(seconds=60)  # a token minted by a clock a little ahead is still good


@dataclass(frozen=True)
class ClientCredentials:
    """A new client's id and secret, shown once."""

    client_id: str
    client_secret: str


@dataclass(frozen=True)
class Principal:
    """Who a request acts as: an issuer (by id) or the ledger operator."""

    client_id: str
    owner: str

    @property
    def is_operator(self) -> bool:
        """Whether this is the ledger operator."""
        return self.owner == OPERATOR


def hash_secret(secret: str) -> str:
    """The stored form of a client secret."""
    return "sha256$" + hashlib.sha256(secret.encode()).hexdigest()


def new_client_credentials() -> tuple[ClientCredentials, str]:
    """Fresh, unguessable credentials and the hash to store."""
    secret = secrets.token_urlsafe(32)
    return ClientCredentials("client_" + secrets.token_hex(12), secret), hash_secret(secret)


ClientLookup = Callable[[str], tuple[str, str, bool] | None]


def authenticate_client(lookup: ClientLookup, client_id: str, client_secret: str) -> Principal:
    """The principal for valid, unrevoked client credentials; `AuthenticationError` otherwise."""
    record = lookup(client_id)
    expected = record[1] if record else hash_secret(secrets.token_urlsafe(32))
    matches = hmac.compare_digest(hash_secret(client_secret), expected)
    if record is None or not matches or record[2]:
        raise AuthenticationError
    return Principal(client_id=client_id, owner=record[0])


class AccessTokens:
    """Mints and validates access tokens."""

    def __init__(
        self, signer_id: str, signer: SigningKey, trusted: Mapping[str, PublicKey], audience: str
    ) -> None:
        self._signer_id = signer_id
        self._signer = signer
        self._trusted = dict(trusted)
        self._audience = audience

    def mint(self, principal: Principal, now: datetime) -> tuple[str, int]:
        """A signed token for the principal and its lifetime in seconds."""
        claims = {
            "iss": self._audience,
            "aud": self._audience,
            "sub": principal.owner,
            "client_id": principal.client_id,
            "iat": int(now.timestamp()),
            "exp": int((now + TOKEN_LIFETIME).timestamp()),
            "jti": secrets.token_hex(16),
        }
        token = jwt.encode(
            claims,
            self._signer.to_cryptography(),
            algorithm=ALGORITHM,
            headers={"kid": self._signer_id, "typ": TOKEN_TYPE},
        )
        return token, int(TOKEN_LIFETIME.total_seconds())

    def validate(self, token: str, now: datetime, lookup: ClientLookup) -> Principal:
        """The principal a token stands for; `AuthenticationError` for anything amiss."""
        try:
            header = jwt.get_unverified_header(token)
            key = self._trusted.get(str(header.get("kid")))
            if key is None or header.get("typ") != TOKEN_TYPE:
                raise AuthenticationError
            claims: dict[str, Any] = jwt.decode(
                token,
                key.to_cryptography(),
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._audience,
                options={
                    "require": ["exp", "iat", "sub", "client_id"],
                    "verify_iat": False,
                    "verify_exp": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise AuthenticationError from exc
        # PyJWT checks no date it is told not to verify: read them as every JWT path does.
        dates, unreadable = numeric_dates(claims)
        if unreadable is not None:
            raise AuthenticationError
        if not dates["iat"] - TOKEN_SKEW <= now < dates["exp"]:
            raise AuthenticationError
        record = lookup(str(claims["client_id"]))
        if record is None or record[2] or record[0] != claims["sub"]:
            raise AuthenticationError  # the client was revoked since the token was issued
        return Principal(client_id=str(claims["client_id"]), owner=str(claims["sub"]))
