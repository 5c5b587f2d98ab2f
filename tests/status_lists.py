"""Signed Bitstring Status List credentials for tests, built as the spec lays them out."""

from __future__ import annotations

import base64
import gzip
from datetime import UTC, datetime
from typing import Any

from keys import SigningKey
from verifier.eddsa_jcs_2022 import create_proof

LIST_SIZE = 131_072  # the spec's minimum length (Bitstring Status List v1.0 §6.1)


def signed_status_list(
    key: SigningKey, method: str, *, issuer: str, url: str, revoked: set[int]
) -> dict[str, Any]:
    """A `BitstringStatusListCredential` at `url` with the bits in `revoked` set (index 0 is the
    most significant bit of the first byte), signed `eddsa-jcs-2022` by `key` as `method`."""
    bits = bytearray(LIST_SIZE // 8)
    for index in revoked:
        bits[index // 8] |= 0x80 >> (index % 8)
    encoded = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits))).decode().rstrip("=")
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": "2026-11-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        },
    }
    return create_proof(unsigned, key, method, datetime(2026, 11, 1, tzinfo=UTC))
