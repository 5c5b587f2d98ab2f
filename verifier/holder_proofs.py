"""The holder's proofs on a presentation: one proof, a proof set or chain, or a `vp+jwt`'s JWS.

A presentation may carry several Data Integrity proofs (§2.1.2 proof sets, §2.1.3 proof chains),
as a credential may: every one must verify, each over what it covers (`verifier.proofs`), each
is reported as its own check (`presentation_proof_1`…), and the `presentation_proof` check sums
them up. Each proof must be made for `authentication` and, when the verifier asks, carry its
`challenge` and `domain` (checked in `verifier.presentation`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from verifier.data_model import proof_time
from verifier.errors import ProofError, UnknownContextError
from verifier.jose import (
    VP_MEDIA_TYPE,
    CompactJws,
    numeric_date,
    numeric_date_problem,
    verify_compact,
)
from verifier.keyset import KeySet, UnknownKeyError, controller_of
from verifier.proofs import (
    VERIFIERS,
    ProofFinding,
    all_proofs,
    covered_document,
    per_proof_checks,
    suite_of,
    summary,
)
from verifier.report import CheckResult, Outcome

PROOF_PURPOSE = "authentication"
CHECK = "presentation_proof"
NAME = "Holder's proof (signature)"


def _result(outcome: Outcome, reason: str, problem: str | None = None) -> CheckResult:
    return CheckResult(CHECK, NAME, outcome, reason, problem)


@dataclass(frozen=True)
class HolderProofs:
    """What the holder's proof check found: its result, one result per proof of a set or chain,
    the proofs (a `vp+jwt`: its `nonce` and `aud` as one), and the controller of each key."""

    result: CheckResult
    proofs: tuple[Mapping[str, Any], ...] = ()
    signers: tuple[str, ...] = ()
    each: tuple[CheckResult, ...] = ()


def unsigned(require_proof: bool) -> HolderProofs:
    """No proof at all: a failure when the verifier requires one, else not applicable."""
    if require_proof:
        return HolderProofs(
            _result(
                Outcome.FAILED,
                "the presentation carries no proof by its holder (an unsigned presentation "
                "is verified only when sent as `presentation`)",
                "missing_proof",
            )
        )
    return HolderProofs(
        _result(Outcome.NOT_APPLICABLE, "the presentation is not signed by a holder")
    )


def _signature(
    covered: Mapping[str, Any], proof: Mapping[str, Any], key_set: KeySet, now: datetime
) -> CheckResult:
    """One proof's signature over what it covers, with the key it names, then its `expires`."""
    method, suite = str(proof["verificationMethod"]), suite_of(proof)
    verify = VERIFIERS.get(suite)
    if verify is None:  # before any key look-up
        return _result(Outcome.FAILED, f"unsupported cryptosuite {suite}", "bad_signature")
    try:
        key = key_set.resolve(method)
        verify(covered, proof, key.public_key, PROOF_PURPOSE)
    except (UnknownKeyError, UnknownContextError) as exc:
        return _result(Outcome.UNKNOWN, f"cannot check the holder's signature: {exc}")
    except ProofError as exc:
        return _result(Outcome.FAILED, str(exc), "bad_signature")
    if "expires" in proof:
        expires = proof_time(proof["expires"])
        if expires is None:
            reason = "the proof's expires is not a date and time with a time zone"
            return _result(Outcome.FAILED, reason, "malformed")
        if now >= expires:
            reason = f"the holder's proof expired at {expires:%Y-%m-%d %H:%M} UTC"
            return _result(Outcome.FAILED, reason, "proof_expired")
    return _result(Outcome.PASSED, f"{suite} signature verifies with {method}")


def _one(
    presentation: Mapping[str, Any],
    proof: Mapping[str, Any],
    proofs: list[Mapping[str, Any]],
    key_set: KeySet,
    now: datetime,
) -> CheckResult:
    """One proof of the presentation checked over what it covers (a chain: earlier proofs too)."""
    method = proof.get("verificationMethod")
    if not isinstance(method, str) or not method:
        return _result(Outcome.FAILED, "proof has no verificationMethod", "malformed")
    try:
        covered = covered_document(presentation, proof, proofs)
    except ProofError as exc:
        return _result(Outcome.FAILED, str(exc), "bad_signature")
    return _signature(covered, proof, key_set, now)


def data_integrity_proofs(
    presentation: Mapping[str, Any], key_set: KeySet, now: datetime, require_proof: bool
) -> HolderProofs:
    """Every Data Integrity proof of the presentation checked; a set or chain proof by proof."""
    if presentation.get("proof") is None:
        return unsigned(require_proof)
    try:
        proofs = all_proofs(presentation)
    except ProofError as exc:
        return HolderProofs(_result(Outcome.FAILED, str(exc), "bad_signature"))
    results = [_one(presentation, proof, proofs, key_set, now) for proof in proofs]
    methods = [p.get("verificationMethod") for p in proofs]
    signers = tuple(controller_of(m) for m in methods if isinstance(m, str) and m)
    if len(proofs) == 1:
        return HolderProofs(results[0], tuple(proofs), signers)
    findings = [
        ProofFinding(
            p, suite_of(p), str(p.get("verificationMethod")), None, r.outcome, r.reason, r.problem
        )
        for p, r in zip(proofs, results, strict=True)
    ]
    outcome, reason, problem = summary(findings)
    each = per_proof_checks(findings, prefix=CHECK, title="Holder's proof")
    return HolderProofs(_result(outcome, reason, problem), tuple(proofs), signers, tuple(each))


# The JWT claims that carry a Data Integrity proof's `challenge` and `domain`.
JWT_BINDINGS = {"challenge": "nonce", "domain": "aud"}


def _jwt_signature(jws: CompactJws, key_set: KeySet, now: datetime) -> CheckResult:
    """The `vp+jwt` signature (EdDSA only, with the key its `kid` names), then `exp`, `nbf`."""
    try:
        kid = verify_compact(jws, lambda method: key_set.resolve(method).public_key)
    except UnknownKeyError as exc:
        return _result(Outcome.UNKNOWN, f"cannot check the holder's signature: {exc}")
    except ProofError as exc:
        reason = (  # verify_compact speaks of credentials; here the holder signed
            str(exc)
            .replace("the credential's content", "the presentation's content")
            .replace("the issuer's key", "the holder's key")
        )
        return _result(Outcome.FAILED, reason, "bad_signature")
    unreadable = numeric_date_problem(jws.claims)
    if unreadable is not None:
        return _result(Outcome.FAILED, unreadable, "malformed")
    expires, not_before = numeric_date(jws.claims.get("exp")), numeric_date(jws.claims.get("nbf"))
    if expires is not None and now >= expires:
        reason = f"the holder's {VP_MEDIA_TYPE} expired at {expires:%Y-%m-%d %H:%M} UTC"
        return _result(Outcome.FAILED, reason, "proof_expired")
    if not_before is not None and now < not_before:
        reason = f"the holder's {VP_MEDIA_TYPE} is not valid before {not_before:%Y-%m-%d %H:%M} UTC"
        return _result(Outcome.FAILED, reason, "not_yet_valid")
    return _result(Outcome.PASSED, f"{VP_MEDIA_TYPE} EdDSA signature verifies with {kid}")


def jwt_proof(jws: CompactJws, key_set: KeySet, now: datetime) -> HolderProofs:
    """The holder's JWS as a proof: its `nonce` and `aud` stand for `challenge` and `domain`."""
    bound = {name: jws.claims[claim] for name, claim in JWT_BINDINGS.items() if claim in jws.claims}
    kid = jws.header.get("kid")
    signers = (controller_of(kid),) if isinstance(kid, str) and kid else ()
    return HolderProofs(_jwt_signature(jws, key_set, now), (bound,), signers)
