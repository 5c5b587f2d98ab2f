"""Fixtures for the verifier: the W3C EdDSA test vectors and credentials of our own."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from keys import SigningKey, did_key, did_key_verification_method
from tests.registries import did_key_issuer
from verifier.trust import Trust

VECTORS = Path(__file__).parents[1] / "data" / "vc-di-eddsa"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def json_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value (the value itself first), as key and index steps."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += json_paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += json_paths(item, (*prefix, index))
    return found


def replace_at(document: Any, path: tuple[Any, ...], value: Any) -> None:
    """Put `value` at `path` (not the root) inside `document`."""
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value


@dataclass(frozen=True)
class Vectors:
    """The published vc-di-eddsa test vectors for one cryptosuite."""

    key: SigningKey
    unsigned: dict[str, Any]
    proof_config: dict[str, Any]
    signed: dict[str, Any]
    texts: dict[str, str]


@pytest.fixture
def jcs_vectors() -> Vectors:
    """The `eddsa-jcs-2022` vectors of the W3C Recommendation."""
    folder = VECTORS / "eddsa-jcs-2022"
    key_pair = json.loads((VECTORS / "keyPair.json").read_text())
    return Vectors(
        key=SigningKey.from_private_multibase(key_pair["privateKeyMultibase"]),
        unsigned=json.loads((VECTORS / "unsigned.json").read_text()),
        proof_config=json.loads((folder / "proofConfigJCS.json").read_text()),
        signed=json.loads((folder / "signedJCS.json").read_text()),
        texts={p.stem: p.read_text().strip() for p in folder.glob("*.txt")},
    )


@pytest.fixture
def issuer_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def unsigned_credential(issuer_key: SigningKey) -> dict[str, Any]:
    """A minimal VCDM 2.0 credential issued by a did:key issuer."""
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",  # defines "completed"
        ],
        "id": "urn:uuid:0b6b9e4c-4a0f-4f4e-9a57-7d5c1d7e0001",
        "type": ["VerifiableCredential"],
        "issuer": did_key(issuer_key.public_key),
        "name": "Resuscitation Level 2",
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2027-01-01T00:00:00Z",
        "credentialSubject": {"id": "urn:example:learner", "completed": True},
    }


@pytest.fixture
def trust(issuer_key: SigningKey) -> Trust:
    """A verifier that pins a registry recognising the `issuer_key` did:key as Test Academy."""
    return did_key_issuer(issuer_key)


@pytest.fixture
def method(issuer_key: SigningKey) -> str:
    return did_key_verification_method(issuer_key.public_key)
