"""Ed25519 keys as typed objects: a signing key that never shows its secret, and a public key."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from nacl.bindings import crypto_sign, crypto_sign_BYTES, crypto_sign_seed_keypair
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from keys.errors import InvalidSignatureError, KeyStorePassphraseError, MalformedKeyError
from keys.multibase import decode_multikey, decode_private_multikey, encode_multikey


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class PublicKey:
    """An Ed25519 public key."""

    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != 32:
            raise MalformedKeyError(f"an Ed25519 public key is 32 bytes, got {len(self.raw)}")

    @classmethod
    def from_multibase(cls, text: str) -> PublicKey:
        """From a Multikey `publicKeyMultibase` (`z6Mk…`)."""
        return cls(decode_multikey(text))

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, object]) -> PublicKey:
        """From an OKP/Ed25519 JSON Web Key (RFC 8037)."""
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            raise MalformedKeyError("not an Ed25519 JWK (expected kty OKP, crv Ed25519)")
        x = jwk.get("x")
        if not isinstance(x, str):
            raise MalformedKeyError("JWK has no 'x' member")
        return cls(_b64url_decode(x))

    @property
    def multibase(self) -> str:
        """The Multikey `publicKeyMultibase`, also the key's fingerprint in did:key."""
        return encode_multikey(self.raw)

    def jwk(self) -> dict[str, str]:
        """The public JWK (RFC 8037); never carries a private part."""
        return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(self.raw)}

    @cached_property
    def _cryptography_key(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.raw)

    def to_cryptography(self) -> Ed25519PublicKey:
        """The same key as a `cryptography` object (for libraries such as pyjwt)."""
        return self._cryptography_key

    @cached_property
    def _sodium_key(self) -> VerifyKey:
        return VerifyKey(self.raw)

    def verify(self, signature: bytes, message: bytes) -> None:
        """Return if `signature` signs `message`, else raise `InvalidSignatureError`.

        libsodium (through PyNaCl) verifies in about half the time OpenSSL takes, which is most
        of the cost of verifying a credential. It is also the stricter of the two: besides RFC
        8032 §5.1.7 it refuses public keys and `R` points of small order, which no honest signer
        produces. Under the identity point as public key, OpenSSL accepts one signature for
        every message.
        """
        if len(signature) != 64:
            raise InvalidSignatureError(
                "signature does not verify (an Ed25519 signature is 64 bytes)"
            )
        try:
            self._sodium_key.verify(message, signature)
        except BadSignatureError as exc:
            raise InvalidSignatureError("signature does not verify") from exc


class SigningKey:
    """An Ed25519 private key. It signs; it never reveals its secret in repr or logs."""

    __slots__ = ("_key", "_sodium_secret", "public_key")

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        self._sodium_secret: bytes | None = None
        self.public_key = PublicKey(
            key.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            )
        )

    @classmethod
    def generate(cls) -> SigningKey:
        """A fresh random key."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> SigningKey:
        """From the 32-byte seed (RFC 8032 private key)."""
        if len(seed) != 32:
            raise MalformedKeyError(f"an Ed25519 seed is 32 bytes, got {len(seed)}")
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def from_private_multibase(cls, text: str) -> SigningKey:
        """From a Multikey `privateKeyMultibase` (`z3u2…`), as the W3C test vectors give it."""
        return cls.from_seed(decode_private_multikey(text))

    @classmethod
    def from_encrypted_pem(cls, pem: bytes, passphrase: str) -> SigningKey:
        """Open a key written by `to_encrypted_pem`; a wrong passphrase is refused clearly."""
        try:
            key = serialization.load_pem_private_key(pem, password=passphrase.encode())
        except (ValueError, TypeError) as exc:
            raise KeyStorePassphraseError(
                "the key-store passphrase does not open the stored keys "
                "(check PASSPORT_KEY_PASSPHRASE)"
            ) from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise MalformedKeyError("stored key is not an Ed25519 key")
        return cls(key)

    def to_encrypted_pem(self, passphrase: str) -> bytes:
        """The one way out for the private key: PKCS#8, encrypted under the passphrase."""
        if not passphrase:
            raise KeyStorePassphraseError("refusing to write a private key without a passphrase")
        return self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase.encode()),
        )

    def to_cryptography(self) -> Ed25519PrivateKey:
        """The `cryptography` key, for signing libraries (pyjwt) that need it."""
        return self._key

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of `message`.

        Ed25519 signatures are deterministic (RFC 8032 §5.1.6), so libsodium makes the very
        bytes OpenSSL makes, in about half the time (a credential is signed four times).
        """
        if self._sodium_secret is None:
            seed = self._key.private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
            self._sodium_secret = crypto_sign_seed_keypair(seed)[1]
        return crypto_sign(message, self._sodium_secret)[:crypto_sign_BYTES]

    def derive_secret(self, purpose: bytes) -> bytes:
        """A 32-byte symmetric key for one purpose (HKDF-SHA256 over the private seed).

        Lets the key store keep symmetric secrets as the same encrypted files as signing keys.
        """
        seed = self._key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(seed)

    def __repr__(self) -> str:
        return f"SigningKey(public={self.public_key.multibase})"
