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

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from passport.services import Services, utcnow
from passport.verification import ledger_verifier
from passport.web.deps import ServicesDep
from passport.web.vc_verify_requests import (
    VerifyCredentialOptions,
    VerifyCredentialRequest,
    VerifyPresentationOptions,
    VerifyPresentationRequest,
)
from passport.web.vc_verify_results import (
    PROBLEMS,
    ProblemDetail,
    VerifyCredentialResult,
    VerifyPresentationResponse,
    malformed_presentation,
    presentation_body,
    presentation_response,
    problem_detail,
)
from verifier import verify_presentation
from verifier.report import GOOD
from verifier.verify import ProofExpectations


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
        return malformed_presentation(detail, policy)


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
    result = presentation_response(report, presentation, options, services.settings.verify_policy)
    status = 200 if report.well_formed else 400
    return JSONResponse(presentation_body(result), status_code=status)


credentials = APIRouter(tags=["VC API"], route_class=_BadCredentialRoute)


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
        problemDetails=[problem_detail(c) for c in problems],
        warnings=[c.reason for c in counted if c.good and c.outcome not in GOOD],
        policy=report.policy,
    )
    return JSONResponse(result.model_dump(), status_code=200 if verified else 400)
