"""W3C VC API verification: `POST /credentials/verify`, one credential against the ledger, and
`POST /presentations/verify`, a holder's presentation checked against this verifier's
`challenge` and `domain`, each credential in it against the ledger.

Trust: this deployment trusts its own issuer registry (`passport.registry`); under
`PASSPORT_VERIFY_POLICY=proof-only` an issuer nobody recognises is reported in `warnings` but
does not decide. Every response names the `policy` that decided.

Status codes (VC API; DESIGN.md): a credential is 200 when verified and 400 with the reasons when
not. A presentation is 200 whenever verification ran, whatever it found; 400 only for input that
could not be verified at all (not JSON, no presentation, a malformed presentation), with the same
result body naming the rule broken. 413 for a body over the size limit (the app's body-size
middleware answers that before the body is read).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from typing import Any, Literal, Self

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from passport.services import Services, utcnow
from passport.verification import ledger_verifier
from passport.web.deps import ServicesDep
from verifier import CheckResult, CredentialReport, verify_presentation
from verifier.presentation import PresentationReport
from verifier.report import GOOD
from verifier.verify import ProofExpectations

PROBLEMS = "https://staff-passport.example/problems/"


class _BadRequestRoute(APIRoute):
    """Answers a request body that cannot be read with the VC API's 400 and its result body,
    not the app's generic 422: for this endpoint that is malformed input."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                errors = exc.errors()
                first = errors[0] if errors else {}
                where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
                message = str(first.get("msg", "invalid request"))
                detail = f"{where}: {message}" if where else message
                return self.malformed(detail, _policy_of(request))

        return route

    @staticmethod
    def malformed(detail: str, policy: str) -> JSONResponse:
        """The 400 this route answers for a body that cannot be read."""
        return _malformed(detail, policy)


class _BadCredentialRoute(_BadRequestRoute):
    """`POST /credentials/verify`'s unreadable body: its own result body, 400, with the policy."""

    @staticmethod
    def malformed(detail: str, policy: str) -> JSONResponse:
        """The VC API's 400 for a credential request that cannot be read."""
        result = VerifyCredentialResult(
            verified=False,
            results=[],
            problemDetails=[
                ProblemDetail(type=f"{PROBLEMS}malformed", title="Malformed", detail=detail)
            ],
            policy=policy,
        )
        return JSONResponse(result.model_dump(), status_code=400)


def _policy_of(request: Request) -> str:
    """The policy this deployment verifies under (`PASSPORT_VERIFY_POLICY`)."""
    services: Services = request.app.state.services
    return services.settings.verify_policy


router = APIRouter(tags=["VC API"], route_class=_BadRequestRoute)


class VerifyPresentationOptions(BaseModel):
    """VC API `VerifyPresentationOptions`; keys this verifier does not know are ignored."""

    model_config = ConfigDict(extra="allow")

    challenge: str | None = Field(
        None, description="The challenge the holder's proof must carry (replay protection)."
    )
    domain: str | None = Field(
        None, description="The domain the holder's proof must be made for (this verifier)."
    )
    returnPresentation: bool | None = Field(  # noqa: N815 - the VC API's name
        None, description="Return the verified presentation in the response."
    )


class VerifyPresentationRequest(BaseModel):
    """VC API `VerifyPresentationRequest` (holder-signed), or `ProoflessVerifyPresentationRequest`
    (`presentation`, unsigned: no holder binding, and no challenge or domain can hold)."""

    model_config = ConfigDict(extra="allow")

    verifiablePresentation: dict[str, Any] | str | None = Field(  # noqa: N815 - the VC API's name
        None,
        description="The presentation, with its holder's Data Integrity proof "
        "(eddsa-rdfc-2022 or eddsa-jcs-2022, proofPurpose authentication); or enveloped "
        "(VC-JOSE-COSE): an EnvelopedVerifiablePresentation whose id is "
        "data:application/vp+jwt,<JWS>, or that compact vp+jwt itself (EdDSA only; the "
        "JWT's nonce and aud are the challenge and domain).",
    )
    presentation: dict[str, Any] | None = Field(
        None, description="An unsigned presentation (the VC API's proofless request)."
    )
    options: VerifyPresentationOptions | None = Field(
        None, description="Verification options; unknown ones are accepted and ignored."
    )

    @model_validator(mode="after")
    def _one_presentation(self) -> Self:
        if (self.verifiablePresentation is None) == (self.presentation is None):
            raise ValueError("give exactly one of verifiablePresentation and presentation")
        return self


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


def _problem(check: CheckResult, where: str = "") -> ProblemDetail:
    return ProblemDetail(
        type=f"{PROBLEMS}{check.problem or check.id}",
        title=check.name,
        detail=f"{where}{check.reason}",
    )


def _check(check: CheckResult) -> Check:
    return Check.model_validate(check.to_dict())


def _credential(report: CredentialReport) -> CredentialResult:
    return CredentialResult.model_validate(report.to_dict())


def _json(result: VerifyPresentationResponse) -> dict[str, Any]:
    """The body: `results` members and the presentation only when they apply; nulls elsewhere."""
    body = result.model_dump(mode="json")
    body["results"] = result.results.model_dump(mode="json", exclude_none=True)
    if result.verifiablePresentation is None:
        del body["verifiablePresentation"]
    return body


def _malformed(detail: str, policy: str) -> JSONResponse:
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
    return JSONResponse(_json(body), status_code=400)


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


def _response(
    report: PresentationReport,
    presentation: dict[str, Any] | str,
    options: VerifyPresentationOptions,
    policy: str,
) -> VerifyPresentationResponse:
    problems = [_problem(c) for c in report.checks if not c.good]
    warnings = []
    for held in report.credentials:
        where = f"credential {held.credential_id or held.name or '(no id)'}: "
        problems += [_problem(c, where) for c in held.checks if not c.good]
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


@router.post(
    "/presentations/verify",
    response_model=VerifyPresentationResponse,
    responses={
        400: {
            "model": VerifyPresentationResponse,
            "description": "Malformed input: no presentation, or one that breaks the data model",
        },
        413: {"description": "Payload too large"},
    },
)
def verify_presentation_route(
    body: VerifyPresentationRequest, services: ServicesDep
) -> JSONResponse:
    """W3C VC API: verify a presentation and every credential in it.

    The holder's proof (eddsa-rdfc-2022 or eddsa-jcs-2022, proofPurpose authentication) must
    carry `options.challenge` and `options.domain` when given: a presentation replayed with
    another challenge, or made for another domain, fails its named check. An enveloped
    presentation (`EnvelopedVerifiablePresentation`, `data:application/vp+jwt,…`, or the bare
    compact `vp+jwt`) is verified by its JWS (EdDSA only), whose `nonce` and `aud` claims must
    carry the challenge and domain and whose `exp` and `nbf` are honoured. Each credential, with
    an embedded proof or enveloped as `data:application/vc+jwt,…`, is verified as
    `POST /credentials/verify` does. 200 whenever verification ran, whatever the outcome.
    """
    options = body.options or VerifyPresentationOptions()
    signed = body.verifiablePresentation is not None
    presentation = (body.verifiablePresentation if signed else body.presentation) or {}
    now = utcnow()
    report = verify_presentation(
        presentation,
        now=now,
        challenge=options.challenge,
        domain=options.domain,
        require_proof=signed,
        verify_held=ledger_verifier(services, now),
    )
    result = _response(report, presentation, options, services.settings.verify_policy)
    status = 200 if report.well_formed else 400
    return JSONResponse(_json(result), status_code=status)


credentials = APIRouter(tags=["VC API"], route_class=_BadCredentialRoute)

# The VC API's `options.checks` names, and the named checks each stands for. A credential must
# always be well formed, its proof hold, and the key be its issuer's and valid when it signed:
# no selection verifies a forgery, or a credential in someone else's name. A related resource
# whose digest we can check must match it: the credential would misstate what it points to.
ALWAYS = ("well_formed", "proof", "issuer", "key_valid_at_issuance", "related_resources")
SELECTABLE = {
    "proof": ALWAYS,
    "issuer": ALWAYS,
    "credentialStatus": ("status",),
    "status": ("status",),
    "validity": ("validity_period",),
    "expiration": ("validity_period",),
    "ledger": ("ledger_inclusion",),
}


class VerifyCredentialOptions(BaseModel):
    """VC API `VerifyOptions`; keys this verifier does not know are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    checks: list[str] | None = Field(
        None,
        description="Which checks decide the verdict besides the ones that always do (well "
        "formed, proof, issuer, key valid when it signed): credentialStatus, validity, "
        "ledger. Absent: all of them. Every check is still reported.",
    )
    expectedProofPurpose: str = Field(  # noqa: N815 - the VC API's name
        "assertionMethod", description="The purpose the credential's proof must have been made for."
    )
    challenge: str | None = Field(None, description="The challenge the proof must carry.")
    domain: str | None = Field(None, description="The domain the proof must be made for.")

    def deciding(self) -> set[str] | None:
        """The named checks that decide the verdict, or None for all of them."""
        if self.checks is None:
            return None
        return {*ALWAYS, *(c for name in self.checks for c in SELECTABLE.get(name, ()))}


class VerifyCredentialRequest(BaseModel):
    """W3C VC API `POST /credentials/verify` request."""

    model_config = ConfigDict(extra="allow")

    verifiableCredential: dict[str, Any] | str = Field(  # noqa: N815 - the VC API's name
        description="The credential: JSON with an embedded proof, or a compact vc+jwt."
    )
    options: VerifyCredentialOptions | None = Field(
        None, description="Verification options; unknown ones are accepted and ignored."
    )


class VerifyCredentialResult(Problems):
    """W3C VC API verification result, with our named checks in `results`."""

    verified: bool
    results: list[dict[str, Any]]


@credentials.post(
    "/credentials/verify",
    response_model=VerifyCredentialResult,
    responses={
        400: {
            "model": VerifyCredentialResult,
            "description": "Not verified, or a request body that cannot be read",
        }
    },
)
def verify_credential_route(body: VerifyCredentialRequest, services: ServicesDep) -> JSONResponse:
    """W3C VC API: verify a credential; 200 when verified, 400 with the reasons when not.

    `options.checks` narrows which checks decide (well-formedness, the proof, the issuer and the
    key's validity always do);
    `options.expectedProofPurpose`, `challenge` and `domain` are required of the proof."""
    options = body.options or VerifyCredentialOptions()
    now = utcnow()
    expect = ProofExpectations(options.expectedProofPurpose, options.challenge, options.domain)
    with services.read_models.one_read():
        report = ledger_verifier(services, now, expect)(body.verifiableCredential)
    deciding = options.deciding()
    counted = [c for c in report.checks if deciding is None or c.id in deciding]
    verified = all(c.good for c in counted)
    problems = [c for c in counted if not c.good]
    result = VerifyCredentialResult(
        verified=verified,
        results=report.to_dict()["checks"],
        problemDetails=[_problem(c) for c in problems],
        warnings=[c.reason for c in counted if c.good and c.outcome not in GOOD],
        policy=report.policy,
    )
    return JSONResponse(result.model_dump(), status_code=200 if verified else 400)
