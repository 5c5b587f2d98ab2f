"""Verifies presentations (JSON or `vp+jwt`) and passport files, then each credential they hold."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from verifier import checks
from verifier.checks import StatusLists
from verifier.credential_forms import verify_credential
from verifier.did_web import DidDocuments
from verifier.errors import ProofError
from verifier.jose import VP_MEDIA_TYPE, credential_of, parse_compact
from verifier.presentation import (
    PresentationReport,
    held_credentials,
    holder_id,
    is_self_asserted,
    open_presentation,
    presentation_checks,
    self_asserted_checks,
)
from verifier.report import CheckResult, CredentialReport, DocumentReport, Outcome
from verifier.trust import Trust
from verifier.verify_context import LedgerProofs, credential_report, document_types


def is_enveloped_presentation(document: Mapping[str, Any] | str) -> bool:
    """A `vp+jwt`, bare or in an `EnvelopedVerifiablePresentation`."""
    if isinstance(document, str):
        try:
            return parse_compact(document).header.get("typ") == VP_MEDIA_TYPE
        except ProofError:
            return False
    return "EnvelopedVerifiablePresentation" in document_types(document)


def verify_presentation_file(
    document: Mapping[str, Any],
    now: datetime,
    trust: Trust,
    is_passport: bool,
    status_lists: StatusLists | None,
    did_documents: DidDocuments | None = None,
) -> DocumentReport:
    held = document.get("verifiableCredential") or []
    held = held if isinstance(held, list) else [held]
    extension = document.get("staffPassport") if is_passport else None
    extension = extension if isinstance(extension, Mapping) else {}
    # The file's issuers and note keys are the holder's word: only its copy of a registry signed
    # by a key the verifier pinned, and no older than the one pinned, may add to the trust.
    trust = trust.updated_with(_mapping_of(extension.get("registry")))
    statuses = {  # a bare string is read as the status itself; anything else is unrecognised
        ident: entry if isinstance(entry, Mapping) else {"status": entry}
        for ident, entry in _mapping_of(extension.get("statuses")).items()
    }
    found_lists = extension.get("statusLists")
    lists = status_lists or checks.StatusLists(
        found_lists if isinstance(found_lists, Mapping) else {},
        "the issuer's signed status list carried in the passport file",
    )
    jwts = _mapping_of(extension.get("jwts"))
    found_proofs = extension.get("ledger")
    ledger = LedgerProofs(found_proofs if isinstance(found_proofs, Mapping) else {})
    presented = None
    if document.get("proof") is not None:  # a holder-signed presentation: judged too
        own = presentation_checks(document, now=now, key_set=trust.key_set, require_proof=False)
        presented = PresentationReport(own, (), holder_id(document))

    def verify(credential: Mapping[str, Any] | str) -> CredentialReport:
        return verify_credential(
            credential,
            now=now,
            trust=trust,
            statuses=statuses,
            status_lists=lists,
            ledger=ledger,
            did_documents=did_documents,
        )

    reports = [_judged(c, presented, now, verify) for c in held]
    doc_checks: list[CheckResult] = []
    if not held:
        doc_checks.append(
            CheckResult(
                "contents",
                "Holds credentials",
                Outcome.FAILED,
                "the file holds no credentials",
                "malformed",
            )
        )
    for credential in held:
        ident = credential.get("id") if isinstance(credential, Mapping) else None
        token = jwts.get(ident) if isinstance(ident, str) else None
        if not isinstance(token, str):
            continue
        jwt_report = verify(token)
        reports.append(
            CredentialReport(
                jwt_report.credential_id,
                f"{jwt_report.name or jwt_report.credential_id or 'credential'} (JWT)",
                jwt_report.issuer,
                jwt_report.form,
                jwt_report.checks,
            )
        )
        doc_checks.append(_same_content(credential, token, ident or ""))
    if presented is not None:
        doc_checks[:0] = presented.checks
    kind = "passport" if is_passport else "presentation"
    return DocumentReport(kind, tuple(reports), tuple(doc_checks))


def verify_presentation(
    presentation: Mapping[str, Any] | str,
    *,
    now: datetime,
    challenge: str | None = None,
    domain: str | None = None,
    require_proof: bool = True,
    trust: Trust | None = None,
    statuses: Mapping[str, Mapping[str, Any]] | None = None,
    status_lists: StatusLists | None = None,
    verify_held: Callable[[Mapping[str, Any] | str], CredentialReport] | None = None,
    did_documents: DidDocuments | None = None,
) -> PresentationReport:
    """Verify a presentation as a verifier that asked for `challenge` and `domain`.

    The holder's proof, holder, challenge and domain are checked (`verifier.presentation`), then
    each credential held, embedded or enveloped `vc+jwt`, with `verify_held` when given (a
    server passes its own keys and status lists that way) or else `verify_credential` with
    `trust`, `statuses` and `status_lists`. `require_proof=False` accepts an unsigned
    presentation (the VC API's proofless request); a required challenge or domain still fails it.

    An enveloped presentation (`EnvelopedVerifiablePresentation` with a
    `data:application/vp+jwt,` id, or the bare compact `vp+jwt`) is opened first: the JWS is the
    holder's proof, its `nonce` and `aud` the challenge and domain, and the credentials in its
    payload are verified as any others.
    """
    opened = open_presentation(presentation)
    checks = presentation_checks(
        opened,
        now=now,
        challenge=challenge,
        domain=domain,
        require_proof=require_proof,
        key_set=trust.key_set if trust is not None else None,
    )
    header = opened.jws.header if opened.jws is not None else None
    if checks[0].outcome is not Outcome.PASSED:  # malformed: the credentials are not judged
        return PresentationReport(checks, (), jose_header=header)
    document: Mapping[str, Any] = opened.presentation

    def held(credential: Mapping[str, Any] | str) -> CredentialReport:
        return verify_credential(
            credential,
            now=now,
            trust=trust,
            statuses=statuses,
            status_lists=status_lists,
            did_documents=did_documents,
        )

    presented = PresentationReport(checks, (), holder_id(document), header)
    reports = tuple(
        _judged(c, presented, now, verify_held or held) for c in held_credentials(document)
    )
    return PresentationReport(checks, reports, presented.holder, header)


def _judged(
    credential: Mapping[str, Any] | str,
    presented: PresentationReport | None,
    now: datetime,
    verify: Callable[[Mapping[str, Any] | str], CredentialReport],
) -> CredentialReport:
    """A held credential's report: the holder's own claims (no proof of their own, in a
    presentation whose checks are given) on the presentation's proof; any other by `verify`."""
    if presented is not None and is_self_asserted(credential):
        assert isinstance(credential, Mapping)
        return credential_report(
            credential, "self-asserted", list(self_asserted_checks(credential, presented, now))
        )
    return verify(credential)


def _mapping_of(value: object) -> Mapping[str, Any]:
    """A passport file member that must be an object; anything else counts as empty."""
    return value if isinstance(value, Mapping) else {}


def _same_content(credential: Mapping[str, Any], token: str, ident: str) -> CheckResult:
    try:
        claims = credential_of(parse_compact(token))
    except ProofError:
        claims = {}
    embedded = {k: v for k, v in credential.items() if k != "proof"}
    if claims == embedded:
        return CheckResult(
            "jwt_matches",
            "JWT form matches",
            Outcome.PASSED,
            f"the JWT of {ident} carries the same credential",
        )
    return CheckResult(
        "jwt_matches",
        "JWT form matches",
        Outcome.FAILED,
        f"the JWT of {ident} carries a different credential",
        "malformed",
    )
