"""Publishing W3C Bitstring Status Lists: credential entries, index allocation, list credentials."""

from __future__ import annotations

import base64
import gzip
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from issuers.credentials import VC_V2_CONTEXT
from verifier.status_list import MIN_LIST_BITS
from verifier.timestamps import xsd_datetime

PURPOSES = ("revocation", "suspension")
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


def status_entries(list_urls: dict[str, str], index: int) -> list[dict[str, Any]]:
    """One `BitstringStatusListEntry` per purpose, at the same index of each purpose's list."""
    return [
        {
            "id": f"{list_urls[purpose]}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose,
            "statusListIndex": str(index),
            "statusListCredential": list_urls[purpose],
        }
        for purpose in PURPOSES
    ]


def status_list_credential(
    list_url: str, issuer_did: str, purpose: str, encoded_list: str, valid_from: datetime
) -> dict[str, Any]:
    """The unsigned `BitstringStatusListCredential` (the v2 context defines its terms)."""
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
