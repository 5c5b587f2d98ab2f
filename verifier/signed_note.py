"""C2SP signed notes (Ed25519) and tlog-checkpoints: the ledger's signed statements of its tree.

A note is text ending in a newline, a blank line, then signature lines
`— <name> base64(keyhash[4] || signature[64])`. The key hash is the first four bytes of
SHA-256(name || "\\n" || 0x01 || public key); a verifier key is `name+hex(keyhash)+base64(0x01 ||
public key)`. Signatures by keys we do not know are ignored, as the specification says.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from keys import InvalidSignatureError, PublicKey, SigningKey

ED25519_TYPE = b"\x01"
SIGNATURE_PREFIX = "— "  # an em dash and a space


class SignedNoteError(ValueError):
    """A note that is malformed or carries no valid signature of a known key."""


def key_hash(name: str, public_key: PublicKey) -> bytes:
    """The four-byte key id of a note verifier key."""
    return hashlib.sha256(name.encode() + b"\n" + ED25519_TYPE + public_key.raw).digest()[:4]


def note_verifier_key(name: str, public_key: PublicKey) -> str:
    """The `name+keyhash+base64key` form others use to check our notes."""
    encoded = base64.b64encode(ED25519_TYPE + public_key.raw).decode()
    return f"{name}+{key_hash(name, public_key).hex()}+{encoded}"


def parse_verifier_key(vkey: str) -> tuple[str, bytes, PublicKey]:
    """(name, key hash, public key) of a verifier key, checked for consistency."""
    try:
        name, hash_hex, encoded = vkey.split("+", 2)
        raw = base64.b64decode(encoded, validate=True)
        expected = bytes.fromhex(hash_hex)
    except (ValueError, binascii.Error) as exc:
        raise SignedNoteError(f"malformed verifier key: {exc}") from exc
    if not raw.startswith(ED25519_TYPE) or len(raw) != 33:
        raise SignedNoteError("verifier key is not an Ed25519 key")
    public = PublicKey(raw[1:])
    if key_hash(name, public) != expected:
        raise SignedNoteError("verifier key hash does not match its name and key")
    return name, expected, public


def sign_note(text: str, name: str, key: SigningKey) -> str:
    """The note: the text, a blank line and our signature line."""
    if not text.endswith("\n"):
        raise SignedNoteError("note text must end with a newline")
    signature = key.sign(text.encode())
    encoded = base64.b64encode(key_hash(name, key.public_key) + signature).decode()
    return f"{text}\n{SIGNATURE_PREFIX}{name} {encoded}\n"


def open_note(note: str, verifier_keys: Sequence[str]) -> str:
    """The note's text if a known key signed it; `SignedNoteError` otherwise."""
    # One checkpoint vouches for every credential of a passport: the exact note under the
    # exact keys is checked once (only successes are remembered).
    return _opened(note, tuple(verifier_keys))


@functools.lru_cache(maxsize=256)
def _opened(note: str, verifier_keys: tuple[str, ...]) -> str:
    text, separator, signatures = note.rpartition("\n\n")
    if not separator or not signatures.endswith("\n"):
        raise SignedNoteError("malformed note: no blank line before the signatures")
    text += "\n"
    known = {(name, h): key for name, h, key in map(parse_verifier_key, verifier_keys)}
    for line in signatures.splitlines():
        if not line.startswith(SIGNATURE_PREFIX):
            raise SignedNoteError("malformed signature line")
        name, _, encoded = line.removeprefix(SIGNATURE_PREFIX).rpartition(" ")
        try:
            blob = base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise SignedNoteError("malformed signature") from exc
        key = known.get((name, blob[:4]))
        if key is None or len(blob) != 68:
            continue
        try:
            key.verify(blob[4:], text.encode())
        except InvalidSignatureError as exc:
            raise SignedNoteError(f"signature by {name} does not verify") from exc
        return text
    raise SignedNoteError("no signature by a known key")


@dataclass(frozen=True)
class Checkpoint:
    """C2SP tlog-checkpoint body: origin, tree size, root hash."""

    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        """The checkpoint's note text."""
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Read a checkpoint's text (extension lines after the root are allowed)."""
        lines = text.split("\n")
        try:
            return cls(lines[0], int(lines[1]), base64.b64decode(lines[2], validate=True))
        except (IndexError, ValueError, binascii.Error) as exc:
            raise SignedNoteError("malformed checkpoint") from exc
