"""Every embedded proof of a document: one proof, a proof set or a proof chain (VC Data Integrity
1.0 §2.1.2, §2.1.3, §4.3), each verified by its suite and reported as its own check.

In a set every proof must verify, each over the document without its proofs. A proof naming a
`previousProof` (one id or a list) is verified over the document whose `proof` is exactly the
proofs it names, found in the same document by `id` (as the spec's chain vectors are signed); a
name that matches no proof there fails that proof, with the name. Nothing is fetched.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from keys import PublicKey
from verifier import ed25519_signature_2020, eddsa_jcs_2022, eddsa_rdfc_2022
from verifier.data_integrity import PROOF_TYPE, single_proof, unsecured
from verifier.data_model import proof_time
from verifier.errors import ProofError, UnknownContextError
from verifier.keyset import KeyInfo, KeySet, UnknownKeyError
from verifier.report import CheckResult, Outcome
from verifier.verified_proofs import VERIFIED

MAX_PROOFS = 8  # each proof canonicalises the document again: a bound on one request's work

VerifyOver = Callable[[Mapping[str, Any], Mapping[str, Any], PublicKey, str], None]
# By suite name: a Data Integrity proof's `cryptosuite`, or a legacy proof's `type`.
VERIFIERS: Mapping[str, VerifyOver] = {
    eddsa_rdfc_2022.CRYPTOSUITE: eddsa_rdfc_2022.verify_proof_over,
    eddsa_jcs_2022.CRYPTOSUITE: eddsa_jcs_2022.verify_proof_over,
    ed25519_signature_2020.PROOF_TYPE: ed25519_signature_2020.verify_proof_over,
}


def list_proof_holds(document: Mapping[str, Any], public_key: PublicKey) -> None:
    """Return if the document's one proof holds for `public_key` in any suite of `VERIFIERS`
    (another issuer's status list may be signed with any of them), else raise `ProofError`."""
    proof = single_proof(document)
    verify = VERIFIERS.get(suite_of(proof))
    if verify is None:
        raise ProofError(f"unsupported cryptosuite {suite_of(proof)}")
    verify(unsecured(document), proof, public_key, "assertionMethod")


def all_proofs(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The document's proofs (one object, or a list of them), or `ProofError` saying why not."""
    found = document.get("proof")
    if found is None:
        raise ProofError("the credential has no embedded proof")
    proofs = found if isinstance(found, list) else [found]
    if not proofs or not all(isinstance(p, Mapping) for p in proofs):
        raise ProofError("each proof must be an object (Data Integrity §2.1)")
    if len(proofs) > MAX_PROOFS:
        raise ProofError(f"{len(proofs)} proofs: at most {MAX_PROOFS} are verified in one document")
    return proofs


def suite_of(proof: Mapping[str, Any]) -> str:
    """The proof's suite as a report names it: its `cryptosuite`, or a legacy proof's `type`."""
    name = proof.get("cryptosuite") if proof.get("type") == PROOF_TYPE else proof.get("type")
    return name if isinstance(name, str) else repr(name)


def covered_document(
    document: Mapping[str, Any], proof: Mapping[str, Any], proofs: list[Mapping[str, Any]]
) -> dict[str, Any]:
    """What `proof` signed: the document without proofs, or with the proofs a chained proof
    names (Data Integrity §4.3, steps on `previousProof`); `ProofError` for a missing one."""
    base = unsecured(document)
    previous = proof.get("previousProof")
    if previous is None:
        return base
    names = previous if isinstance(previous, list) else [previous]
    if not names or not all(isinstance(name, str) for name in names):
        raise ProofError("previousProof must be a proof id or a list of them (Data Integrity §2.1)")
    by_id = {p["id"]: p for p in proofs if isinstance(p.get("id"), str) and p is not proof}
    for name in names:
        if name not in by_id:
            raise ProofError(
                f"previousProof {name!r} names no other proof in this document, so the chain "
                "cannot be checked (Data Integrity §2.1.3)"
            )
    return {**base, "proof": [by_id[name] for name in names]}


@dataclass(frozen=True)
class ProofFinding:
    """One proof and what its check found: passed, failed, or unknown (key or context)."""

    proof: Mapping[str, Any]
    suite: str
    method: str
    key: KeyInfo | None
    outcome: Outcome
    reason: str
    problem: str | None = None


def check_proof(
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    proofs: list[Mapping[str, Any]],
    keys: KeySet,
    purpose: str,
    now: datetime | None = None,
) -> ProofFinding:
    """Verify one proof of the document with the key its verification method names, and, given
    `now`, that the proof has not expired (Data Integrity §2.1 `expires`)."""
    suite = suite_of(proof)
    method = proof.get("verificationMethod")
    method = method if isinstance(method, str) else ""

    def failed(reason: str) -> ProofFinding:
        return ProofFinding(proof, suite, method, None, Outcome.FAILED, reason, "bad_signature")

    verify = VERIFIERS.get(suite)
    try:
        if verify is None:  # before any key look-up
            raise ProofError(f"unsupported cryptosuite {suite}")
        if not method:
            raise ProofError("proof has no verificationMethod")
        covered = covered_document(document, proof, proofs)
    except ProofError as exc:
        return failed(str(exc))
    try:
        key = keys.resolve(method)
    except UnknownKeyError as exc:
        reason = f"cannot check the signature: {exc}"
        return ProofFinding(proof, suite, method, None, Outcome.UNKNOWN, reason, "key_not_listed")
    try:
        VERIFIED.verify(verify, suite, covered, proof, key.public_key, purpose)
    except UnknownContextError as exc:
        reason = f"cannot check the signature: {exc}"
        return ProofFinding(proof, suite, method, None, Outcome.UNKNOWN, reason)
    except ProofError as exc:
        return failed(str(exc))
    expires = proof_time(proof.get("expires"))
    if now is not None and expires is not None and now >= expires:
        reason = f"the proof expired at {expires:%Y-%m-%d %H:%M} UTC (Data Integrity §2.1)"
        return ProofFinding(proof, suite, method, None, Outcome.FAILED, reason, "proof_expired")
    reason = f"{suite} signature verifies with {method}"
    return ProofFinding(proof, suite, method, key, Outcome.PASSED, reason)


def check_proofs(
    document: Mapping[str, Any], keys: KeySet, purpose: str, now: datetime | None = None
) -> list[ProofFinding]:
    """Every proof of the document checked (`ProofError` when it has none it can read)."""
    proofs = all_proofs(document)
    return [check_proof(document, proof, proofs, keys, purpose, now) for proof in proofs]


def per_proof_checks(
    findings: list[ProofFinding], prefix: str = "proof", title: str = "Proof"
) -> list[CheckResult]:
    """One named check for each proof of a set or chain (none for a single proof): ids
    `{prefix}_1`…, names "{title} 1 of 2"…"""
    if len(findings) < 2:
        return []
    results = []
    for number, found in enumerate(findings, start=1):
        ident = found.proof.get("id")
        label = f" ({ident})" if isinstance(ident, str) else ""
        chained = " chained" if found.proof.get("previousProof") is not None else ""
        results.append(
            CheckResult(
                f"{prefix}_{number}",
                f"{title} {number} of {len(findings)}{chained}{label}",
                found.outcome,
                found.reason,
                found.problem,
            )
        )
    return results


def summary(findings: list[ProofFinding]) -> tuple[Outcome, str, str | None]:
    """The `proof` check of a set or chain: failed if any failed, unknown if any unknown."""
    count = len(findings)
    for outcome in (Outcome.FAILED, Outcome.UNKNOWN):
        bad = [n for n, f in enumerate(findings, start=1) if f.outcome is outcome]
        if bad:
            first = findings[bad[0] - 1]
            which = ", ".join(str(n) for n in bad)
            return outcome, f"proof {which} of {count}: {first.reason}", first.problem
    kind = "chain" if any(f.proof.get("previousProof") is not None for f in findings) else "set"
    suites = ", ".join(dict.fromkeys(f.suite for f in findings))
    return Outcome.PASSED, f"all {count} proofs of the proof {kind} verify ({suites})", None
