"""W3C Bitstring Status List v1.0: reading a status list credential and one entry's status.

Validate algorithm (§3.2): the entry names a list credential; that list must be a
`BitstringStatusListCredential` for the same purpose, within its validity period, at least
131,072 entries long (§2.1 privacy), and the index must fall inside it. Bits are compared after
decoding (index 0 is the most significant bit of the first byte), never as encoded text.
Verifying the list credential's own proof is the caller's job: this module only reads it.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

from verifier.keyset import parse_time
from verifier.status_entry import EntryError, check_list_agrees, entry_shape

MIN_LIST_BITS = 131_072
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}")
_DECIMAL = re.compile(r"[0-9]{1,10}")  # ASCII digits only: str.isdigit() also accepts "²"
MAX_DECODED_BYTES = 16 * 1024 * 1024
CACHED_DECODED_BYTES = 1024 * 1024
ENTRY_TYPE = "BitstringStatusListEntry"
LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"
LIST_TYPE = "BitstringStatusList"


class StatusListError(ValueError):
    """A status list that cannot be decoded."""


@dataclass(frozen=True)
class StatusOutcome:
    """What one status entry says: its value is set (not 0), clear (0), or cannot be known;
    with the value's message (`statusMessage`, or "set"/"unset" for one bit)."""

    state: Literal["set", "clear", "unknown"]
    purpose: str
    reason: str
    value: int = 0
    message: str | None = None


def decode_encoded_list(encoded: str) -> bytes:
    """The bitstring of an `encodedList`: multibase base64url (`u`), then GZIP (§3.3).

    One list serves thousands of credentials: lists of ordinary size are decoded once.
    """
    small = _decoded_if_small(encoded)
    return small if small is not None else _decode(encoded)


@lru_cache(maxsize=64)
def _decoded_if_small(encoded: str) -> bytes | None:
    bits = _decode(encoded)
    return bits if len(bits) <= CACHED_DECODED_BYTES else None


def _decode(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise StatusListError("encodedList must be multibase base64url (start with 'u')")
    if not _BASE64URL.fullmatch(encoded[1:]):
        raise StatusListError("encodedList is not valid base64url")
    try:
        compressed = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    except (binascii.Error, ValueError) as exc:
        raise StatusListError("encodedList is not valid base64url") from exc
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        bits = inflater.decompress(compressed, MAX_DECODED_BYTES + 1)
    except zlib.error as exc:
        raise StatusListError("encodedList is not GZIP data") from exc
    if len(bits) > MAX_DECODED_BYTES or inflater.unconsumed_tail:
        raise StatusListError("encodedList expands beyond 16 MiB")
    return bits


def bit_at(bitstring: bytes, index: int, status_size: int = 1) -> int:
    """The value at `index` (in units of `status_size` bits; index 0 is the leftmost bit)."""
    value = 0
    for offset in range(index * status_size, (index + 1) * status_size):
        byte = bitstring[offset // 8]
        value = (value << 1) | ((byte >> (7 - offset % 8)) & 1)
    return value


def _subject(list_credential: Mapping[str, Any]) -> Mapping[str, Any]:
    subject = list_credential.get("credentialSubject")
    return subject if isinstance(subject, Mapping) else {}


def check_status(  # noqa: PLR0911 - one return per rule of the validate algorithm
    entry: Mapping[str, Any], list_credential: Mapping[str, Any] | None, *, now: datetime
) -> StatusOutcome:
    """The status one `BitstringStatusListEntry` records, following the validate algorithm."""
    purpose = entry.get("statusPurpose")
    purpose = purpose if isinstance(purpose, str) else ""

    def unknown(reason: str) -> StatusOutcome:
        return StatusOutcome("unknown", purpose, reason)

    if entry.get("type") != ENTRY_TYPE:
        return unknown(f"status entry of unsupported type {entry.get('type')!r}")
    if not purpose:
        return unknown("statusPurpose must be a string")
    index_text = entry.get("statusListIndex")
    if not isinstance(index_text, str) or not _DECIMAL.fullmatch(index_text):
        return unknown("statusListIndex must be a decimal string")
    try:
        shape = entry_shape(entry)
    except EntryError as exc:
        return unknown(f"malformed status entry: {exc}")
    if list_credential is None:
        return unknown(f"the status list {entry.get('statusListCredential')} is not available")
    types = list_credential.get("type")
    types = types if isinstance(types, list) else [types]
    subject = _subject(list_credential)
    if LIST_CREDENTIAL_TYPE not in types or subject.get("type") != LIST_TYPE:
        return unknown("the status list is not a BitstringStatusListCredential")
    try:
        check_list_agrees(subject, purpose, shape)
    except EntryError as exc:
        return unknown(str(exc))
    valid_from = parse_time(list_credential.get("validFrom"))
    valid_until = parse_time(list_credential.get("validUntil"))
    if (valid_from and now < valid_from) or (valid_until and now >= valid_until):
        return unknown("the status list credential is outside its validity period")
    try:
        bits = decode_encoded_list(str(subject.get("encodedList", "")))
    except StatusListError as exc:
        return unknown(f"the status list cannot be read: {exc}")
    entries = len(bits) * 8 // shape.size
    if entries < MIN_LIST_BITS:
        return unknown(
            f"status list has {entries} entries of {shape.size} bit(s); at least "
            f"{MIN_LIST_BITS} are required, so the status is unknown"
        )
    index = int(index_text)
    if index >= entries:
        return unknown(f"statusListIndex {index} is beyond the list's {entries} entries")
    value = bit_at(bits, index, shape.size)
    message = shape.messages.get(value)
    return StatusOutcome(
        "set" if value else "clear",
        purpose,
        f"{purpose} entry {index} is {value:#x} ({message})",
        value,
        message,
    )
