"""Field encryption for personal data: a data key per learner, wrapped under a key-encryption key.

A sealed value is `v1.` + base64url(nonce || AES-256-GCM ciphertext). The associated data
names what the value is (the learner and the field), so a sealed value cannot be moved to
another learner or field and still open. Destroying a learner's data key makes every value
sealed under it unreadable for good: that is how erasure works on an immutable log.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from keys.errors import SealedDataError

_PREFIX = "v1."
_NONCE = 12


def _encrypt(key: bytes, plaintext: bytes, context: str) -> str:
    nonce = os.urandom(_NONCE)
    sealed = nonce + AESGCM(key).encrypt(nonce, plaintext, context.encode())
    return _PREFIX + base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")


def _decrypt(key: bytes, token: str, context: str) -> bytes:
    if not token.startswith(_PREFIX):
        raise SealedDataError(f"not a sealed value for {context}")
    body = token.removeprefix(_PREFIX)
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return AESGCM(key).decrypt(raw[:_NONCE], raw[_NONCE:], context.encode())
    except (ValueError, InvalidTag):
        raise SealedDataError(f"the sealed value for {context} does not open") from None


class DataKey:
    """One learner's data key: seals and opens that learner's personal fields."""

    def __init__(self, owner: str, secret: bytes) -> None:
        self._owner = owner
        self._secret = secret

    @classmethod
    def generate(cls, owner: str) -> DataKey:
        """A fresh random 256-bit key for `owner`."""
        return cls(owner, AESGCM.generate_key(bit_length=256))

    def seal(self, field: str, plaintext: str) -> str:
        """The sealed form of one field's value."""
        return _encrypt(self._secret, plaintext.encode(), f"{self._owner}/{field}")

    def open(self, field: str, token: str) -> str:
        """The plaintext of a value sealed by `seal` for the same owner and field."""
        return _decrypt(self._secret, token, f"{self._owner}/{field}").decode()

    def __repr__(self) -> str:
        return f"DataKey(owner={self._owner!r})"


class KeyWrapper:
    """Encrypts data keys at rest under one key-encryption key from the key store."""

    def __init__(self, key_encryption_key: bytes) -> None:
        self._kek = key_encryption_key

    def wrap(self, key: DataKey) -> str:
        """The data key, encrypted, for storing beside the log."""
        return _encrypt(self._kek, key._secret, f"data-key/{key._owner}")

    def unwrap(self, owner: str, wrapped: str) -> DataKey:
        """The data key stored for `owner`."""
        return DataKey(owner, _decrypt(self._kek, wrapped, f"data-key/{owner}"))
