"""Publishing W3C Bitstring Status Lists: credential entries, index allocation, list credentials."""

from __future__ import annotations

import base64
import gzip
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from issuers.credentials import VC_V2_CONTEXT
from projections.status_lists import LEGACY_PURPOSES, MESSAGE, STATUS_SIZE, VALUE_OF_STATUS
from verifier.status_list import MIN_LIST_BITS
from verifier.timestamps import xsd_datetime

# The one-bit lists of credentials issued before the message entry, and ours now.
LIST_PURPOSES = (*LEGACY_PURPOSES, MESSAGE)
# What each value of a two-bit entry means: `message` is read by software (the spec says it
# is not for end users); 0x3 is not used yet, which the spec lets us say with "undefined".
_MEANINGS = {value: status for status, value in VALUE_OF_STATUS.items()} | {0: "valid"}
STATUS_MESSAGES: tuple[dict[str, str], ...] = tuple(
    {"status": hex(value), "message": _MEANINGS.get(value, "undefined")}
    for value in range(2**STATUS_SIZE)
)
_random = secrets.SystemRandom()


def encode_bitstring(bits: bytes) -> str:
    """GZIP (deterministic: mtime 0; zlib's default level 6, as the spec's examples were made)
    then multibase base64url without padding (`u…`)."""
    compressed = gzip.compress(bits, compresslevel=6, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def bitstring_with(indexes: Iterable[int], size: int = MIN_LIST_BITS) -> bytes:
    """A bitstring of `size` bits with the given indexes set (index 0 = leftmost bit)."""
    bits = bytearray(size // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    return bytes(bits)


def allocate_index(
    used: Callable[[int], bool], size: int = MIN_LIST_BITS, attempts: int = 64
) -> int:
    """An unused index chosen at random, so positions reveal nothing of the order of issue."""
    for _ in range(attempts):
        index = _random.randrange(size)
        if not used(index):
            return index
    raise OverflowError("the status list is (nearly) full")


def status_entry(list_url: str, index: int, reference: str) -> dict[str, Any]:
    """The credential's one `BitstringStatusListEntry`: a two-bit `message` entry whose value
    says valid, revoked or suspended (the Open Badges 3.0 schema allows one status object)."""
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": MESSAGE,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
        "statusSize": STATUS_SIZE,
        "statusMessage": [dict(m) for m in STATUS_MESSAGES],
        "statusReference": reference,
    }


def status_list_credential(
    list_url: str, issuer_did: str, purpose: str, encoded_list: str, valid_from: datetime
) -> dict[str, Any]:
    """The unsigned `BitstringStatusListCredential` (the v2 context defines its terms).

    A `message` list does not repeat its entries' `statusSize` and `statusMessage`: §2.2 asks
    for them, but the v2 context defines neither term on `BitstringStatusList`, so a list that
    carried them would not be valid JSON-LD and vc.js (and we) would refuse it. The entries,
    signed in each credential, say both.
    """
    return {
        "@context": [VC_V2_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did,
        "validFrom": xsd_datetime(valid_from),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded_list,
        },
    }


def status_meanings(reference: str) -> dict[str, Any]:
    """The document at `statusReference`: what each value of a status entry means to us."""
    said = {
        "valid": "neither revoked nor suspended",
        "revoked": "revoked by its issuer; final, it never becomes valid again",
        "suspended": "suspended by its issuer; it becomes valid again if reinstated",
        "undefined": "not used",
    }
    return {
        "id": reference,
        "statusPurpose": MESSAGE,
        "statusSize": STATUS_SIZE,
        "statusMessage": [
            {**message, "description": said[message["message"]]} for message in STATUS_MESSAGES
        ],
        "legacy": "credentials issued before carry a one-bit revocation and a one-bit "
        "suspension entry instead; a set bit means revoked or suspended",
    }
