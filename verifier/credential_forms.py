"""Verifies one credential in either form: an embedded Data Integrity proof or a `vc+jwt`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from keys import PublicKey
from verifier import checks, proofs
from verifier.checks import StatusLists
from verifier.data_model import proof_time, validity_dates
from verifier.did_web import DidDocuments
from verifier.errors import ProofError
from verifier.jose import (
    conflicting_claim,
    credential_of,
    numeric_dates,
    parse_compact,
    verify_compact,
)
from verifier.keyset import KeyInfo, UnknownKeyError
from verifier.registry_checks import after_proof
from verifier.report import CredentialReport, Outcome
from verifier.trust import Trust
from verifier.verify_context import (
    JWT_DATA_URL,
    LATER_CHECKS,
    Context,
    LedgerProofs,
    ProofExpectations,
    credential_report,
    document_types,
)


def _as_jwt(credential: Any) -> str | None:
    """The compact JWT of a credential given as a JWT or an `EnvelopedVerifiableCredential`."""
    if isinstance(credential, str):
        return credential.strip()
    if isinstance(credential, Mapping) and "EnvelopedVerifiableCredential" in document_types(
        credential
    ):
        ident = credential.get("id")
        if isinstance(ident, str) and ident.startswith(JWT_DATA_URL):
            return ident.removeprefix(JWT_DATA_URL)
    return None


def verify_credential(
    credential: Mapping[str, Any] | str,
    *,
    now: datetime,
    trust: Trust | None = None,
    statuses: Mapping[str, Mapping[str, Any]] | None = None,
    status_lists: StatusLists | None = None,
    ledger: LedgerProofs | None = None,
    expect: ProofExpectations | None = None,
    did_documents: DidDocuments | None = None,
) -> CredentialReport:
    """Run every named check on one credential (embedded proof, JWT, or enveloped JWT).

    `trust` is the verifier's own choice of registries and policy; without it nothing is
    trusted and every issuer is `issuer_not_recognised`. `did_documents`, when given (online),
    is asked for the DID document of a did:web issuer a trusted registry lists, and adds the
    `did_document` check (`verifier.did_web`)."""
    context = Context(
        now,
        trust or Trust(),
        statuses if statuses is not None else {},
        status_lists,
        ledger,
        expect or ProofExpectations(),
        did_documents,
    )
    token = _as_jwt(credential)
    if token is not None:
        return _under_policy(_verify_jwt(token, context), context)
    enveloped = isinstance(credential, Mapping) and "EnvelopedVerifiableCredential" in (
        document_types(credential)
    )
    if enveloped:
        shape = checks.result(
            "well_formed",
            Outcome.FAILED,
            f"an enveloped credential's id must be a {JWT_DATA_URL}… URL (VC-JOSE-COSE §3.1.1)",
            "malformed",
        )
        reason = "the credential is malformed"
        rest = [checks.not_checked(c, reason) for c in ("proof", *LATER_CHECKS)]
        return credential_report(credential, "enveloped", [shape, *rest], context.trust.policy)
    return _under_policy(_verify_embedded(credential, context), context)


def _under_policy(report: CredentialReport, ctx: Context) -> CredentialReport:
    """The report naming the verifier's policy (reports are made under the default one)."""
    policy = ctx.trust.policy.value
    return report if report.policy == policy else replace(report, policy=policy)


def _verify_embedded(credential: Any, ctx: Context) -> CredentialReport:
    form = "embedded proof"
    shape = checks.well_formed(credential, legacy=True)
    if shape.outcome is not Outcome.PASSED:
        return credential_report(
            credential,
            form,
            [shape]
            + [
                checks.not_checked(c, "the credential is malformed")
                for c in ("proof", *LATER_CHECKS)
            ],
        )
    try:
        findings = proofs.check_proofs(credential, ctx.keys, ctx.expect.purpose, ctx.now)
        primary = _primary(findings, checks.issuer_id(credential) or "")
        form = ", ".join(dict.fromkeys(f.suite for f in findings))
        if primary.outcome is not Outcome.FAILED:
            unmet = ctx.expect.unmet(primary.proof)
            if unmet is not None:
                raise ProofError(unmet)
    except ProofError as exc:
        return credential_report(
            credential,
            form,
            [shape, checks.result("proof", Outcome.FAILED, str(exc), "bad_signature")]
            + [checks.not_checked(c, "the proof failed") for c in LATER_CHECKS],
        )
    each = proofs.per_proof_checks(findings)
    if len(findings) == 1:
        outcome, reason, problem = primary.outcome, primary.reason, primary.problem
    else:
        outcome, reason, problem = proofs.summary(findings)
    proof_result = checks.result("proof", outcome, reason, problem)
    if outcome is Outcome.FAILED:
        return credential_report(
            credential,
            form,
            [shape, proof_result, *each]
            + [checks.not_checked(c, "the proof failed") for c in LATER_CHECKS],
        )
    key = primary.key if outcome is Outcome.PASSED else None
    issued_at = proof_time(primary.proof.get("created")) or validity_dates(credential)[0]
    return credential_report(
        credential,
        form,
        [
            shape,
            proof_result,
            *each,
            *after_proof(credential, primary.method, key, issued_at, ctx),
        ],
    )


def _primary(findings: list[proofs.ProofFinding], issuer: str) -> proofs.ProofFinding:
    """The proof that speaks for the issuer: the first made with the issuer's key, else the
    first (the issuer check then says whose key it was)."""
    for found in findings:
        if found.method.split("#", 1)[0] == issuer:
            return found
    return findings[0]


def _verify_jwt(token: str, ctx: Context) -> CredentialReport:
    form = "vc+jwt"
    try:
        jws = parse_compact(token)
        credential = credential_of(jws)
    except ProofError as exc:
        bad = checks.result("well_formed", Outcome.FAILED, str(exc), "malformed")
        return credential_report(
            {},
            form,
            [bad]
            + [
                checks.not_checked(c, "the credential is malformed")
                for c in ("proof", *LATER_CHECKS)
            ],
        )
    shape = checks.well_formed(credential)
    dates, unreadable = numeric_dates(jws.claims)
    conflict = conflicting_claim(jws, credential) or unreadable
    if shape.outcome is Outcome.PASSED and conflict is not None:
        shape = checks.result("well_formed", Outcome.FAILED, conflict, "malformed")
    if shape.outcome is not Outcome.PASSED:
        return credential_report(
            credential,
            form,
            [shape]
            + [
                checks.not_checked(c, "the credential is malformed")
                for c in ("proof", *LATER_CHECKS)
            ],
        )
    resolved: list[KeyInfo] = []

    def resolve(kid: str) -> PublicKey:
        resolved.append(ctx.keys.resolve(kid))
        return resolved[-1].public_key

    kid = str(jws.header.get("kid", ""))
    try:
        unmet = ctx.expect.unmet_by_jwt()
        if unmet is not None:
            raise ProofError(unmet)
        verify_compact(jws, resolve)
    except UnknownKeyError as exc:
        claimed = dates.get("iat") or validity_dates(credential)[0]
        return credential_report(
            credential,
            form,
            [
                shape,
                checks.result(
                    "proof",
                    Outcome.UNKNOWN,
                    f"cannot check the signature: {exc}",
                    "key_not_listed",
                ),
                *after_proof(credential, kid, None, claimed, ctx),
            ],
        )
    except ProofError as exc:
        return credential_report(
            credential,
            form,
            [shape, checks.result("proof", Outcome.FAILED, str(exc), "bad_signature")]
            + [checks.not_checked(c, "the proof failed") for c in LATER_CHECKS],
        )
    issued_at = dates.get("iat") or validity_dates(credential)[0]
    proof_result = checks.result(
        "proof", Outcome.PASSED, f"vc+jwt EdDSA signature verifies with {kid}"
    )
    return credential_report(
        credential,
        form,
        [
            shape,
            proof_result,
            *after_proof(credential, kid, resolved[-1], issued_at, ctx, token, dates),
        ],
    )
