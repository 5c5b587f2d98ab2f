"""Multikey encoding of Ed25519 public keys: multicodec header, base58btc, 'z' multibase prefix."""

import re

import base58

from keys.errors import MalformedKeyError

ED25519_PUB_MULTICODEC = b"\xed\x01"
ED25519_PRIV_MULTICODEC = b"\x80\x26"
BASE58BTC_PREFIX = "z"
# A 64-byte signature is at most 88 base58 characters, a Multikey 48: room to spare, no more.
MAX_BASE58BTC_CHARS = 200
BASE58BTC_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
# Each alphabet character to the byte of its digit value, for str.translate.
_DIGITS = str.maketrans({c: chr(i) for i, c in enumerate(BASE58BTC_ALPHABET)})
_BASE58BTC_TEXT = re.compile(f"[{BASE58BTC_ALPHABET}]*")
# Every two-digit base58 text, by its value (0 to 58**2 - 1).
_DIGIT_PAIRS = [a + b for a in BASE58BTC_ALPHABET for b in BASE58BTC_ALPHABET]


def encode_base58btc(data: bytes) -> str:
    """Multibase base58btc: 'z' followed by the base58 (Bitcoin alphabet) text."""
    return BASE58BTC_PREFIX + b58encode(data)


def b58encode(data: bytes) -> str:
    """Bytes to base58 (Bitcoin alphabet) text, as `base58.b58encode` does, about 3x faster.

    Each leading zero byte is a '1'; the rest is the big-endian number in base 58, taken four
    digits at a time (the big number is divided a quarter as often).
    """
    significant = data.lstrip(b"\0")
    number = int.from_bytes(significant, "big")
    pairs: list[str] = []
    while number:
        number, quad = divmod(number, 11_316_496)  # 58**4
        pairs += (_DIGIT_PAIRS[quad % 3364], _DIGIT_PAIRS[quad // 3364])
    text = "".join(reversed(pairs)).lstrip("1")  # the top quad's leading zero digits
    return "1" * (len(data) - len(significant)) + text


def b58decode(text: str) -> bytes:
    """Base58 (Bitcoin alphabet) text to bytes, as `base58.b58decode` does, about 3x faster.

    Each leading '1' is a zero byte; the rest is a base-58 number, most significant digit
    first. Text with any character outside the alphabet (even trailing whitespace, which the
    `base58` package strips) goes to `base58.b58decode`, so its result or its `ValueError` is
    exactly that package's.
    """
    if _BASE58BTC_TEXT.fullmatch(text) is None:
        return bytes(base58.b58decode(text))
    significant = text.lstrip("1")
    digits = significant.translate(_DIGITS).encode("latin-1")  # one byte per digit, 0 to 57
    head = len(digits) % 4
    number = 0
    for digit in digits[:head]:
        number = number * 58 + digit
    # Four digits at a time: the big number is multiplied a quarter as often.
    quads = iter(digits[head:])
    for a, b, c, d in zip(quads, quads, quads, quads, strict=True):
        number = number * 11_316_496 + ((a * 58 + b) * 58 + c) * 58 + d  # 58**4
    zeros = len(text) - len(significant)
    return b"\0" * zeros + number.to_bytes((number.bit_length() + 7) // 8, "big")


def decode_base58btc(text: str) -> bytes:
    """Inverse of `encode_base58btc`; refuses any other multibase prefix, and text longer than
    any key or signature (base58 decoding takes time quadratic in the length)."""
    if not text.startswith(BASE58BTC_PREFIX):
        raise MalformedKeyError(f"not base58btc multibase (must start with 'z'): {text[:12]!r}")
    if len(text) > MAX_BASE58BTC_CHARS:
        raise MalformedKeyError(
            f"base58btc text of {len(text)} characters is longer than any key or signature "
            f"(at most {MAX_BASE58BTC_CHARS})"
        )
    try:
        return b58decode(text[1:])
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
