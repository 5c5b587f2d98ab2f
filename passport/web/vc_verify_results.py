"""Response bodies of the W3C VC API verify endpoints: the result models, and how a verifier
report becomes one (problem details, warnings, the presentation's `results`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, computed_field

from passport.web.vc_verify_requests import VerifyPresentationOptions
from verifier import CheckResult, CredentialReport
from verifier.presentation import PresentationReport
from verifier.report import GOOD

PROBLEMS = "https://staff-passport.example/problems/"


class Check(BaseModel):
    """One of our named checks."""

    id: str
    name: str
    outcome: Literal["passed", "failed", "unknown", "not_applicable"]
    reason: str
    problem: str | None = None
    decides: bool = Field(True, description="False: reported, but the policy does not count it.")


class ProblemDetail(BaseModel):
    """VC API `ProblemDetails` item (RFC 9457 members)."""

    type: str
    title: str
    detail: str


class Validity(BaseModel):
    """VC API result of one validation: whether it held, and the input judged."""

    valid: bool
    input: str


class ProofValidity(BaseModel):
    """VC API result of validating one of the presentation's proofs."""

    valid: bool
    input: dict[str, Any]


class PresentationResults(BaseModel):
    """VC API `results`: the presentation's proofs, holder, challenge and domain."""

    model_config = ConfigDict(extra="forbid")

    proof: list[ProofValidity] = []
    holder: Validity | None = None
    challenge: Validity | None = None
    domain: Validity | None = None


class PresentationResult(BaseModel):
    """The presentation's own named checks (extension, as vc.js reports `presentationResult`)."""

    verified: bool
    holder: str | None = None
    checks: list[Check]


class CredentialResult(BaseModel):
    """One held credential's named checks, as `POST /credentials/verify` runs them."""

    id: str | None = None
    name: str | None = None
    issuer: str | None = None
    form: str
    verified: bool
    policy: str = Field(description="What decided: registry or proof-only.")
    checks: list[Check]


class Problems(BaseModel):
    """What went wrong: VC API `problemDetails`, and the same in one line each as `errors`."""

    problemDetails: list[ProblemDetail]  # noqa: N815 - the VC API's name
    warnings: list[str] = []
    policy: str = Field(
        description="What decided: `registry` (issuers recognised by this ledger's registry) "
        "or `proof-only` (recognition reported in warnings, not deciding).",
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def errors(self) -> list[str]:
        """Each problem in one line, as earlier VC API versions (and the W3C suites) read them:
        empty when verified."""
        return [f"{p.title}: {p.detail}" for p in self.problemDetails]


class VerifyPresentationResponse(Problems):
    """VC API `VerifyPresentationResponse`, with our named checks beside it."""

    verified: bool = Field(description="The presentation and every credential in it verified.")
    results: PresentationResults
    presentationResult: PresentationResult  # noqa: N815 - vc.js's name
    credentialResults: list[CredentialResult]  # noqa: N815 - vc.js's name
    verifiablePresentation: dict[str, Any] | str | None = Field(  # noqa: N815 - the VC API's name
        None, description="The presentation, when options.returnPresentation is true."
    )


class VerifyCredentialResult(Problems):
    """W3C VC API verification result, with our named checks in `results`."""

    verified: bool
    results: list[dict[str, Any]]


def problem_detail(check: CheckResult, where: str = "") -> ProblemDetail:
    """A failed named check as a VC API problem detail, `where` naming the credential."""
    return ProblemDetail(
        type=f"{PROBLEMS}{check.problem or check.id}",
        title=check.name,
        detail=f"{where}{check.reason}",
    )


def _check(check: CheckResult) -> Check:
    return Check.model_validate(check.to_dict())


def _credential(report: CredentialReport) -> CredentialResult:
    return CredentialResult.model_validate(report.to_dict())


def presentation_body(result: VerifyPresentationResponse) -> dict[str, Any]:
    """The body: `results` members and the presentation only when they apply; nulls elsewhere."""
    body = result.model_dump(mode="json")
    body["results"] = result.results.model_dump(mode="json", exclude_none=True)
    if result.verifiablePresentation is None:
        del body["verifiablePresentation"]
    return body


def malformed_presentation(detail: str, policy: str) -> JSONResponse:
    """The 400 `POST /presentations/verify` answers for input that cannot be verified."""
    body = VerifyPresentationResponse(
        verified=False,
        policy=policy,
        results=PresentationResults(),
        problemDetails=[
            ProblemDetail(type=f"{PROBLEMS}malformed", title="Malformed", detail=detail)
        ],
        presentationResult=PresentationResult(verified=False, checks=[]),
        credentialResults=[],
    )
    return JSONResponse(presentation_body(body), status_code=400)


def _validity(check: CheckResult, value: str) -> Validity:
    return Validity(valid=check.outcome in GOOD, input=value)


def _results(
    report: PresentationReport,
    presentation: Mapping[str, Any] | str,
    options: VerifyPresentationOptions,
) -> PresentationResults:
    proofs: list[Any]
    if report.jose_header is not None:  # enveloped: the JWS is the proof; its header the input
        proofs = [dict(report.jose_header)]
    else:
        found = presentation.get("proof") if isinstance(presentation, Mapping) else None
        proofs = found if isinstance(found, list) else [found] if found is not None else []
    signed = report.check("presentation_proof")
    # A proof set or chain: each proof has its own check (presentation_proof_1, …).
    each = {c.id: c for c in report.checks}
    return PresentationResults(
        proof=[
            ProofValidity(
                valid=each.get(f"presentation_proof_{n}", signed).outcome in GOOD, input=p
            )
            for n, p in enumerate(proofs, start=1)
            if isinstance(p, dict)
        ],
        holder=_validity(report.check("holder"), report.holder) if report.holder else None,
        challenge=(
            _validity(report.check("challenge"), options.challenge)
            if options.challenge is not None
            else None
        ),
        domain=(
            _validity(report.check("domain"), options.domain)
            if options.domain is not None
            else None
        ),
    )


def presentation_response(
    report: PresentationReport,
    presentation: dict[str, Any] | str,
    options: VerifyPresentationOptions,
    policy: str,
) -> VerifyPresentationResponse:
    """The VC API result of a presentation report: problems, warnings and named checks."""
    problems = [problem_detail(c) for c in report.checks if not c.good]
    warnings = []
    for held in report.credentials:
        where = f"credential {held.credential_id or held.name or '(no id)'}: "
        problems += [problem_detail(c, where) for c in held.checks if not c.good]
        warnings += [f"{where}{c.reason}" for c in held.checks if c.good and c.outcome not in GOOD]
    return VerifyPresentationResponse(
        verified=report.verified,
        warnings=warnings,
        policy=policy,
        results=_results(report, presentation, options),
        problemDetails=problems,
        presentationResult=PresentationResult(
            verified=report.presentation_verified,
            holder=report.holder,
            checks=[_check(c) for c in report.checks],
        ),
        credentialResults=[_credential(r) for r in report.credentials],
        verifiablePresentation=presentation if options.returnPresentation else None,
    )
