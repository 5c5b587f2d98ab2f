"""Prints eddsa-rdfc-2022 verification throughput against baselines measured in the same run.

- raw Ed25519 verification of 64 bytes (what a Data Integrity proof signs): the floor, as
  `keys.PublicKey.verify` does it (libsodium), and as OpenSSL (`cryptography`) does it;
- the W3C vector credential, `eddsa-rdfc-2022` proof alone (RDFC-1.0 twice, then Ed25519);
- an Open Badges 3.0 credential as the issuers build it: its `eddsa-rdfc-2022` proof alone, and
  through every named check of the verifier (well-formedness, issuer, key validity, validity
  period, status), secured with `eddsa-rdfc-2022` and, for comparison, `eddsa-jcs-2022`;
- when `didkit` is installed (the `dev` extra), didkit verifying its own linked-data-proof
  credential (Ed25519Signature2018 over VCDM 1.1: the suite and contexts it ships with).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from keys import SigningKey, did_key, did_key_verification_method
from tests.badges import open_badge
from verifier import eddsa_jcs_2022, eddsa_rdfc_2022, verify_credential

VECTORS = Path(__file__).parents[1] / "tests" / "data" / "vc-di-eddsa"


def _rate(count: int, work: Callable[[], None]) -> float:
    start = time.perf_counter()
    for _ in range(count):
        work()
    return count / (time.perf_counter() - start)


def _badge(key: SigningKey) -> dict[str, Any]:
    """An unsigned OpenBadgeCredential shaped like the ones `issuers/` awards."""
    return open_badge(did_key(key.public_key))


def bench_ours(count: int) -> dict[str, float]:
    """Verifications per second: raw Ed25519, the vector proof, and badges through the verifier."""
    key = SigningKey.generate()
    message = b"x" * 64
    signature = key.sign(message)
    vector = json.loads((VECTORS / "eddsa-rdfc-2022" / "signedDataInt.json").read_text())
    vector_key = SigningKey.from_private_multibase(
        json.loads((VECTORS / "keyPair.json").read_text())["privateKeyMultibase"]
    ).public_key
    method, now = did_key_verification_method(key.public_key), datetime.now(UTC)
    badges = {
        suite.CRYPTOSUITE: suite.create_proof(_badge(key), key, method, now, proof_as_array=True)
        for suite in (eddsa_rdfc_2022, eddsa_jcs_2022)
    }

    def badge(form: str) -> Callable[[], None]:
        def verify() -> None:
            assert verify_credential(badges[form], now=now).check("proof").outcome == "passed"

        return verify

    return {
        "raw": _rate(count, lambda: key.public_key.verify(signature, message)),
        "raw openssl": _rate(
            count, lambda: key.public_key.to_cryptography().verify(signature, message)
        ),
        "vector": _rate(count, lambda: eddsa_rdfc_2022.verify_proof(vector, vector_key)),
        "badge proof": _rate(
            count, lambda: eddsa_rdfc_2022.verify_proof(badges["eddsa-rdfc-2022"], key.public_key)
        ),
        "badge rdfc": _rate(count, badge(eddsa_rdfc_2022.CRYPTOSUITE)),
        "badge jcs": _rate(count, badge(eddsa_jcs_2022.CRYPTOSUITE)),
    }


async def _didkit_rate(count: int) -> float:
    import didkit  # type: ignore[import-not-found, unused-ignore]  # noqa: PLC0415

    jwk = didkit.generate_ed25519_key()
    issuer = didkit.key_to_did("key", jwk)
    options = {
        "proofPurpose": "assertionMethod",
        "verificationMethod": await didkit.key_to_verification_method("key", jwk),
    }
    credential = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
    }
    signed = await didkit.issue_credential(json.dumps(credential), json.dumps(options), jwk)
    check = json.dumps({"proofPurpose": "assertionMethod"})
    start = time.perf_counter()
    for _ in range(count):
        result = json.loads(await didkit.verify_credential(signed, check))
        assert not result["errors"], result
    return count / (time.perf_counter() - start)


def bench_didkit(count: int) -> float | None:
    """didkit verifications per second, or None when didkit is not installed."""
    try:
        return asyncio.run(_didkit_rate(count))
    except ImportError:
        return None


def main() -> None:
    """Run the benchmark and print figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--verifications", type=int, default=2000)
    args = parser.parse_args()
    rates = bench_ours(args.verifications)
    raw = rates["raw"]
    print(f"verify in-process ({args.verifications} verifications each)")
    print(f"  {'raw Ed25519 verify (64 bytes), libsodium':<41}: {raw:9.0f} /s")
    print(f"  {'raw Ed25519 verify (64 bytes), OpenSSL':<41}: {rates['raw openssl']:9.0f} /s")
    for label, name in (
        ("W3C vector, eddsa-rdfc-2022 proof only", "vector"),
        ("OB 3.0 badge, eddsa-rdfc-2022 proof only", "badge proof"),
        ("OB 3.0 badge, verifier, eddsa-rdfc-2022", "badge rdfc"),
        ("OB 3.0 badge, verifier, eddsa-jcs-2022", "badge jcs"),
    ):
        print(f"  {label:<41}: {rates[name]:9.0f} /s   ratio to raw {rates[name] / raw:.3f}")
    didkit = bench_didkit(args.verifications)
    if didkit is None:
        print("didkit: not installed (pip install didkit, or the dev extra); not measured")
        return
    print(f"  {'didkit, Ed25519Signature2018 (VCDM 1.1)':<41}: {didkit:9.0f} /s")
    print(f"  ratio ours / didkit: W3C vector {rates['vector'] / didkit:.2f}, ", end="")
    print(f"OB badge proof {rates['badge proof'] / didkit:.2f}, ", end="")
    print(f"OB badge through the whole verifier {rates['badge rdfc'] / didkit:.2f}")


if __name__ == "__main__":
    main()
    # didkit's native threads can abort the interpreter while it shuts down (PyGILState_Release),
    # after every figure is printed: leave without running the finalisers, so `make bench` goes on.
    sys.stdout.flush()
    os._exit(0)
