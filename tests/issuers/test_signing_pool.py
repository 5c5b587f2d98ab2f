"""Credentials signed in worker processes are the ones signed here, in the batch's order."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from issuers.signing import SigningPool, secure_all
from keys import SigningKey, did_key, did_key_verification_method
from verifier import eddsa_jcs_2022, eddsa_rdfc_2022

AT = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def _documents(issuer: str, count: int) -> list[tuple[dict[str, Any], str]]:
    return [
        (
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "id": f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
                "type": ["VerifiableCredential"],
                "issuer": issuer,
                "credentialSubject": {"id": f"did:example:learner-{n}"},
            },
            eddsa_jcs_2022.CRYPTOSUITE if n % 3 else eddsa_rdfc_2022.CRYPTOSUITE,
        )
        for n in range(count)
    ]


def test_a_pool_gives_the_same_proofs_and_tokens_in_the_same_order():
    """Ed25519 signatures are deterministic (RFC 8032), so seven credentials secured by this
    process and two workers equal, one by one and in order, those secured in this process."""
    key = SigningKey.generate()
    issuer = did_key(key.public_key)
    method = did_key_verification_method(key.public_key)
    documents = _documents(issuer, 7)
    with SigningPool(3) as pool:
        pooled = pool.secure_all(documents, key, method, AT)
    assert pooled == secure_all(documents, key, method, AT)
    assert [c["id"] for c, _ in pooled] == [d["id"] for d, _ in documents]
    assert all(c["proof"][0]["verificationMethod"] == method for c, _ in pooled)


def test_a_pool_of_one_process_is_refused():
    """`--jobs 1` means no pool at all: a pool of fewer than two processes is refused."""
    with pytest.raises(ValueError, match="at least two"):
        SigningPool(1)
