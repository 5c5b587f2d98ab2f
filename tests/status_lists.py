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
    key: SigningKey,
    method: str,
    *,
    issuer: str,
    url: str,
    revoked: set[int],
    purpose: str | list[str] = "revocation",
    status_size: int = 1,
    values: dict[int, int] | None = None,
    entries: int = LIST_SIZE,
    subject: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A `BitstringStatusListCredential` at `url` with the entries in `revoked` set to 1 and
    those in `values` to their value, `status_size` bits each (entry i starts at bit
    i * status_size; bit 0 is the most significant bit of the first byte), signed
    `eddsa-jcs-2022` by `key` as `method`; `subject` adds properties to its subject."""
    bits = bytearray(entries * status_size // 8)
    for index, value in {**dict.fromkeys(revoked, 1), **(values or {})}.items():
        for offset in range(status_size):
            if (value >> (status_size - 1 - offset)) & 1:
                position = index * status_size + offset
                bits[position // 8] |= 0x80 >> (position % 8)
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
            "statusPurpose": purpose,
            "encodedList": encoded,
            **(subject or {}),
        },
    }
    return create_proof(unsigned, key, method, datetime(2026, 11, 1, tzinfo=UTC))
