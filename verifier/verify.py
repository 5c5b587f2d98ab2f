"""Verifies credentials, presentations and passport files, offline, as a list of named checks.

For each credential, in order:
1. well_formed — VC Data Model 2.0 §4 required properties (fatal: nothing else is judged);
2. proof — the Data Integrity `eddsa-rdfc-2022` or `eddsa-jcs-2022` proof (vc-di-eddsa §3.2,
   §3.3; JSON-LD contexts only from the bundled, pinned set) or the `vc+jwt` signature
   (VC-JOSE-COSE §3.1.1, EdDSA only: no algorithm confusion, RFC 8725 §3.1) holds for the key
   the proof names (fatal: the content is not trusted otherwise);
3. issuer — the issuer controls that key (as vc.js requires) and a registry the verifier
   trusts (`verifier.trust`) recognised it, for this kind of credential, when it was issued;
   keys, issuers, note keys and status lists inside a file are hints, never trusted for that;
4. key_valid_at_issuance — the registry lists the key as the issuer's, not retired when the
   credential was issued (rotation: a key retired later does not invalidate earlier ones);
5. validity_period — `validFrom` <= now < `validUntil` (VCDM 2.0 §4.9), and for a JWT also its
   `nbf` and `exp` (RFC 7519 §4.1.4-5), with one clock for all;
6. status — revoked or suspended as recorded, by status lists signed with a key the registry
   lists for the issuer; a status that cannot be checked is `unknown`;
7. ledger_inclusion — an inclusion proof against a checkpoint signed by a note key the registry
   lists.
Nothing here opens a network connection or reads a database.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from keys import PublicKey
from verifier import checks, proofs
from verifier.checks import StatusLists
from verifier.data_model import proof_time, validity_dates
from verifier.did_web import DidDocuments, did_document_check
from verifier.errors import MalformedInputError, ProofError
from verifier.jose import (
    VP_MEDIA_TYPE,
    conflicting_claim,
    credential_of,
    numeric_date,
    numeric_date_problem,
    parse_compact,
    verify_compact,
)
from verifier.json_text import JsonTextError, read_json
from verifier.keyset import KeyInfo, KeySet, UnknownKeyError
from verifier.presentation import (
    PresentationReport,
    held_credentials,
    holder_id,
    is_self_asserted,
    open_presentation,
    presentation_checks,
    self_asserted_checks,
)
from verifier.related import related_resources
from verifier.report import CheckResult, CredentialReport, DocumentReport, Outcome
from verifier.trust import Policy, Trust

MAX_INPUT_BYTES = 5 * 1024 * 1024
JWT_DATA_URL = "data:application/vc+jwt,"
LATER_CHECKS = ("issuer", "key_valid_at_issuance", "validity_period", "status", "ledger_inclusion")


def _name(credential: Mapping[str, Any]) -> str | None:
    subject = credential.get("credentialSubject")
    if isinstance(subject, Mapping):
        achievement = subject.get("achievement")
        if isinstance(achievement, Mapping) and isinstance(achievement.get("name"), str):
            return str(achievement["name"])
    name = credential.get("name")
    return name if isinstance(name, str) else None


def _types(document: Mapping[str, Any]) -> list[Any]:
    """The `type` member as a list (VCDM 2.0 §4.5 allows one string)."""
    types = document.get("type")
    return types if isinstance(types, list) else [types]


def _as_jwt(credential: Any) -> str | None:
    """The compact JWT of a credential given as a JWT or an `EnvelopedVerifiableCredential`."""
    if isinstance(credential, str):
        return credential.strip()
    if isinstance(credential, Mapping) and "EnvelopedVerifiableCredential" in _types(credential):
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
    context = _Context(
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
        return replace(_verify_jwt(token, context), policy=context.trust.policy.value)
    if isinstance(credential, Mapping) and "EnvelopedVerifiableCredential" in _types(credential):
        shape = checks.result(
            "well_formed",
            Outcome.FAILED,
            f"an enveloped credential's id must be a {JWT_DATA_URL}… URL (VC-JOSE-COSE §3.1.1)",
            "malformed",
        )
        reason = "the credential is malformed"
        rest = [checks.not_checked(c, reason) for c in ("proof", *LATER_CHECKS)]
        return _report(credential, "enveloped", [shape, *rest], context.trust.policy)
    return replace(_verify_embedded(credential, context), policy=context.trust.policy.value)


@dataclass(frozen=True)
class ProofExpectations:
    """What the verifier's caller requires of an embedded proof (VC API verify options): its
    purpose, and the challenge and domain it must have been made for (Data Integrity §4.3)."""

    purpose: str = "assertionMethod"
    challenge: str | None = None
    domain: str | None = None

    def unmet_by_jwt(self) -> str | None:
        """A `vc+jwt` is made for assertion, for no challenge and no domain: why it cannot meet
        these expectations, or None when it can."""
        asked = [
            f"{name} {value!r}"
            for name, value, default in (
                ("proof purpose", self.purpose, "assertionMethod"),
                ("challenge", self.challenge, None),
                ("domain", self.domain, None),
            )
            if value != default
        ]
        if not asked:
            return None
        return (
            f"the verifier requires {', '.join(asked)}; a vc+jwt carries no proof purpose, "
            "challenge or domain (VC-JOSE-COSE §3.1.1)"
        )

    def unmet(self, proof: Mapping[str, Any]) -> str | None:
        """Why the proof was not made as required, or None when it was (the signature, which
        covers these fields, is checked separately)."""
        for name, expected in (("challenge", self.challenge), ("domain", self.domain)):
            if expected is None:
                continue
            given = proof.get(name)
            # A proof's domain may be one string or a set of them (Data Integrity §2.1).
            if expected not in (given if isinstance(given, list) else [given]):
                return f"the verifier requires {name} {expected!r}; the proof has {given!r}"
        return None


@dataclass(frozen=True)
class _Context:
    """What one verification knows besides the credential: one clock, trust, statuses."""

    now: datetime
    trust: Trust
    statuses: Mapping[str, Mapping[str, Any]]
    lists: StatusLists | None
    ledger: LedgerProofs | None = None
    expect: ProofExpectations = ProofExpectations()
    did_documents: DidDocuments | None = None

    @property
    def keys(self) -> KeySet:
        """The keys the trusted registries list (did:keys are computed)."""
        return self.trust.key_set


@dataclass(frozen=True)
class LedgerProofs:
    """Inclusion proofs by credential id (checked against the note keys the registry lists)."""

    proofs: Mapping[str, Mapping[str, Any]]


def _report(
    credential: Any, form: str, results: list[CheckResult], policy: Policy = Policy.REGISTRY
) -> CredentialReport:
    mapping = credential if isinstance(credential, Mapping) else {}
    ident = mapping.get("id")
    return CredentialReport(
        credential_id=ident if isinstance(ident, str) else None,
        name=_name(mapping),
        issuer=checks.issuer_id(mapping),
        form=form,
        checks=tuple(results),
        policy=policy.value,
    )


def _did_document(issuer: str, method: str, ctx: _Context) -> list[CheckResult]:
    """The `did_document` check, online, for a did:web issuer a trusted registry lists (never
    for any other: an untrusted file cannot make the verifier fetch anything)."""
    if ctx.did_documents is None or not issuer.startswith("did:web:"):
        return []
    if not any(issuer in r.entities for r in ctx.trust.registries):
        return []
    fetched = ctx.did_documents(issuer)
    if fetched is None:
        return []
    check = did_document_check(issuer, method, fetched, ctx.trust)
    return [replace(check, decides=check.decides and ctx.trust.policy is Policy.REGISTRY)]


def _after_proof(
    credential: Mapping[str, Any],
    method: str,
    key: KeyInfo | None,
    issued_at: datetime | None,
    ctx: _Context,
    token: str | None = None,
    claims: Mapping[str, Any] | None = None,
) -> list[CheckResult]:
    return [
        *_registry_checks(credential, method, key, issued_at, ctx, token, claims),
        *_did_document(checks.issuer_id(credential) or "", method, ctx),
    ]


def _registry_checks(
    credential: Mapping[str, Any],
    method: str,
    key: KeyInfo | None,
    issued_at: datetime | None,
    ctx: _Context,
    token: str | None,
    claims: Mapping[str, Any] | None,
) -> list[CheckResult]:
    issuer = checks.issuer_id(credential) or ""
    recognition = ctx.trust.recognition(issuer, credential, issued_at)
    results = [checks.issuer_controls_key(credential, method, recognition, ctx.trust.policy)]
    if key is None:
        later = [checks.not_checked(c, "the proof could not be checked") for c in LATER_CHECKS[2:]]
        if method and not method.startswith("did:key:") and not ctx.trust.lists_key(method):
            return [*results, checks.key_not_listed(issuer, method), *later]
        unchecked = checks.not_checked(LATER_CHECKS[1], "the proof could not be checked")
        return [*results, unchecked, *later]
    ident = credential.get("id")
    recorded = ctx.statuses.get(ident) if isinstance(ident, str) else None
    related = related_resources(credential)
    return [
        *results,
        *([related] if related is not None else []),
        checks.key_valid_at(key, issued_at),
        checks.validity_period(
            credential,
            ctx.now,
            not_before=numeric_date((claims or {}).get("nbf")),
            expires=numeric_date((claims or {}).get("exp")),
        ),
        checks.status(credential, recorded, lists=ctx.lists, keys=ctx.keys, now=ctx.now),
        checks.ledger_inclusion(
            credential,
            ctx.ledger.proofs.get(ident) if ctx.ledger and isinstance(ident, str) else None,
            ctx.trust.note_keys,
            token,
        ),
    ]


def _verify_embedded(credential: Any, ctx: _Context) -> CredentialReport:
    form = "embedded proof"
    shape = checks.well_formed(credential, legacy=True)
    if shape.outcome is not Outcome.PASSED:
        return _report(
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
        return _report(
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
        return _report(
            credential,
            form,
            [shape, proof_result, *each]
            + [checks.not_checked(c, "the proof failed") for c in LATER_CHECKS],
        )
    key = primary.key if outcome is Outcome.PASSED else None
    issued_at = proof_time(primary.proof.get("created")) or validity_dates(credential)[0]
    return _report(
        credential,
        form,
        [
            shape,
            proof_result,
            *each,
            *_after_proof(credential, primary.method, key, issued_at, ctx),
        ],
    )


def _primary(findings: list[proofs.ProofFinding], issuer: str) -> proofs.ProofFinding:
    """The proof that speaks for the issuer: the first made with the issuer's key, else the
    first (the issuer check then says whose key it was)."""
    for found in findings:
        if found.method.split("#", 1)[0] == issuer:
            return found
    return findings[0]


def _verify_jwt(token: str, ctx: _Context) -> CredentialReport:
    form = "vc+jwt"
    try:
        jws = parse_compact(token)
        credential = credential_of(jws)
    except ProofError as exc:
        bad = checks.result("well_formed", Outcome.FAILED, str(exc), "malformed")
        return _report(
            {},
            form,
            [bad]
            + [
                checks.not_checked(c, "the credential is malformed")
                for c in ("proof", *LATER_CHECKS)
            ],
        )
    shape = checks.well_formed(credential)
    conflict = conflicting_claim(jws, credential) or numeric_date_problem(jws.claims)
    if shape.outcome is Outcome.PASSED and conflict is not None:
        shape = checks.result("well_formed", Outcome.FAILED, conflict, "malformed")
    if shape.outcome is not Outcome.PASSED:
        return _report(
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
        claimed = numeric_date(jws.claims.get("iat")) or validity_dates(credential)[0]
        return _report(
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
                *_after_proof(credential, kid, None, claimed, ctx),
            ],
        )
    except ProofError as exc:
        return _report(
            credential,
            form,
            [shape, checks.result("proof", Outcome.FAILED, str(exc), "bad_signature")]
            + [checks.not_checked(c, "the proof failed") for c in LATER_CHECKS],
        )
    issued_at = numeric_date(jws.claims.get("iat")) or validity_dates(credential)[0]
    proof_result = checks.result(
        "proof", Outcome.PASSED, f"vc+jwt EdDSA signature verifies with {kid}"
    )
    return _report(
        credential,
        form,
        [
            shape,
            proof_result,
            *_after_proof(credential, kid, resolved[-1], issued_at, ctx, token, jws.claims),
        ],
    )


def parse_document(data: bytes | str | Mapping[str, Any]) -> Mapping[str, Any] | str:
    """Read a file's content: a JSON object, or a compact JWT. Anything else is malformed."""
    if isinstance(data, Mapping):
        return data
    if len(data) > MAX_INPUT_BYTES or (
        isinstance(data, str) and len(data.encode("utf-8", "surrogatepass")) > MAX_INPUT_BYTES
    ):
        raise MalformedInputError(f"input is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB")
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise MalformedInputError("input is not UTF-8 text") from None
    stripped = text.strip()
    if stripped.count(".") == 2 and not stripped.startswith(("{", "[")):
        return stripped
    try:
        parsed = read_json(stripped)
    except JsonTextError as exc:
        raise MalformedInputError(f"input is not JSON every tool reads alike: {exc}") from None
    except json.JSONDecodeError as exc:
        raise MalformedInputError(f"input is neither JSON nor a compact JWT ({exc.msg})") from None
    except RecursionError:
        raise MalformedInputError("input is JSON nested too deeply to read") from None
    if not isinstance(parsed, dict):
        raise MalformedInputError("input is JSON but not an object")
    return parsed


def verify_document(
    data: bytes | str | Mapping[str, Any],
    *,
    now: datetime,
    trust: Trust | None = None,
    status_lists: StatusLists | None = None,
    did_documents: DidDocuments | None = None,
) -> DocumentReport:
    """Verify whatever the file holds: a credential, a presentation or a passport file.

    `status_lists`, when given, replaces the lists a passport file carries (e.g. lists just
    fetched from the ledger that published them); `did_documents` is as `verify_credential`'s.
    """
    document = parse_document(data)
    trust = trust or Trust()
    if _is_enveloped_presentation(document):
        report = verify_presentation(
            document,
            now=now,
            trust=trust,
            status_lists=status_lists,
            did_documents=did_documents,
        )
        return DocumentReport("presentation", report.credentials, report.checks)

    def single(credential: Mapping[str, Any] | str) -> DocumentReport:
        report = verify_credential(
            credential,
            now=now,
            trust=trust,
            status_lists=status_lists,
            did_documents=did_documents,
        )
        return DocumentReport("credential", (report,))

    if isinstance(document, str):
        return single(document)
    types = _types(document)
    if "VerifiablePresentation" in types:
        return _verify_presentation(
            document, now, trust, "StaffPassport" in types, status_lists, did_documents
        )
    if "VerifiableCredential" in types or "EnvelopedVerifiableCredential" in types:
        return single(document)
    raise MalformedInputError(
        "unknown format: expected a VerifiableCredential, a VerifiablePresentation or a JWT"
    )


def _is_enveloped_presentation(document: Mapping[str, Any] | str) -> bool:
    """A `vp+jwt`, bare or in an `EnvelopedVerifiablePresentation`."""
    if isinstance(document, str):
        try:
            return parse_compact(document).header.get("typ") == VP_MEDIA_TYPE
        except ProofError:
            return False
    return "EnvelopedVerifiablePresentation" in _types(document)


def _verify_presentation(
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
        return _report(
            credential, "self-asserted", list(self_asserted_checks(credential, presented, now))
        )
    return verify(credential)


def _list_of(value: object) -> list[Any]:
    """A passport file member that must be a list; anything else counts as empty."""
    return value if isinstance(value, list) else []


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
