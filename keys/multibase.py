"""Multikey encoding of Ed25519 public keys: multicodec header, base58btc, 'z' multibase prefix."""

import base58

from keys.errors import MalformedKeyError

ED25519_PUB_MULTICODEC = b"\xed\x01"
ED25519_PRIV_MULTICODEC = b"\x80\x26"
BASE58BTC_PREFIX = "z"


def encode_base58btc(data: bytes) -> str:
    """Multibase base58btc: 'z' followed by the base58 (Bitcoin alphabet) text."""
    return BASE58BTC_PREFIX + base58.b58encode(data).decode("ascii")


def decode_base58btc(text: str) -> bytes:
    """Inverse of `encode_base58btc`; refuses any other multibase prefix."""
    if not text.startswith(BASE58BTC_PREFIX):
        raise MalformedKeyError(f"not base58btc multibase (must start with 'z'): {text[:12]!r}")
    try:
        return bytes(base58.b58decode(text[1:]))
    except ValueError as exc:
        raise MalformedKeyError(f"invalid base58btc text: {exc}") from exc


def encode_multikey(raw_public_key: bytes) -> str:
    """The `publicKeyMultibase` of an Ed25519 key (`z6Mk…`)."""
    return encode_base58btc(ED25519_PUB_MULTICODEC + raw_public_key)


def decode_multikey(text: str) -> bytes:
    """The 32 raw bytes of an Ed25519 public key from its `publicKeyMultibase`."""
    data = decode_base58btc(text)
    if not data.startswith(ED25519_PUB_MULTICODEC) or len(data) != 34:
        raise MalformedKeyError("not an Ed25519 Multikey (expected header 0xed01 and 32 bytes)")
    return data[2:]


def decode_private_multikey(text: str) -> bytes:
    """The 32-byte seed of an Ed25519 private key from its `privateKeyMultibase`."""
    data = decode_base58btc(text)
    if not data.startswith(ED25519_PRIV_MULTICODEC) or len(data) != 34:
        raise MalformedKeyError("not an Ed25519 private Multikey (header 0x8026, 32 bytes)")
    return data[2:]
