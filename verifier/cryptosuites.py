"""The Data Integrity cryptosuites this package speaks, by name: how each secures and verifies."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from keys import PublicKey
from verifier import eddsa_jcs_2022, eddsa_rdfc_2022


@dataclass(frozen=True)
class Cryptosuite:
    """`create_proof(document, key, method, created, purpose, *, proof_as_array, extra_options)`
    and `verify_proof(document, public_key, expected_purpose)` of one cryptosuite."""

    create_proof: Callable[..., dict[str, Any]]
    verify_proof: Callable[[dict[str, Any], PublicKey, str], None]


CRYPTOSUITES: Mapping[str, Cryptosuite] = {
    suite.CRYPTOSUITE: Cryptosuite(suite.create_proof, suite.verify_proof)
    for suite in (eddsa_rdfc_2022, eddsa_jcs_2022)
}
