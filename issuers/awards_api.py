"""The issuer API's awards: award an achievement to a learner, read an award, and revoke,
suspend or reinstate it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Header, status
from fastapi.responses import JSONResponse

from events.errors import CredentialNotFoundError
from events.passport import CredentialStatus
from issuers.awarding import Learner
from issuers.deps import AUTH_ERRORS, ActingIssuer, Services
from issuers.schemas import AwardCreate, AwardPublic, StatusChange

router = APIRouter()


def _stable_identifier(services: Services, issuer_id: UUID, body: AwardCreate) -> str:
    if body.learner.staff_identifier:
        return body.learner.staff_identifier
    return f"{services.ledger.issuer(issuer_id).slug}:{body.learner.reference}"


@router.post(
    "/api/v1/issuers/{issuer_id}/awards",
    tags=["awards"],
    status_code=status.HTTP_201_CREATED,
    responses={
        **AUTH_ERRORS,
        404: {"description": "No such achievement"},
        409: {"description": "The achievement is retired"},
    },
)
def award(
    issuer_id: ActingIssuer,
    body: AwardCreate,
    services: Services,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> AwardPublic:
    """Award an achievement to a learner, enrolling them on their first award.

    Send an `Idempotency-Key` header: a retried request with the same key issues nothing twice.
    """
    learner = Learner(
        _stable_identifier(services, issuer_id, body), body.learner.name, body.learner.email or ""
    )
    made = services.awarding.award(
        issuer_id,
        body.achievement_id,
        learner,
        earned_on=body.earned_on,
        at=datetime.now(UTC),
        credits_earned=body.credits_earned,
        idempotency_key=idempotency_key,
        cryptosuite=body.cryptosuite,
    )
    if not services.settle():  # the read models lag: answer with what was recorded
        return AwardPublic(
            credential_id=made.credential_id,
            learner_id=str(made.learner_id),
            status=CredentialStatus.ACTIVE,  # what an award starts as
            credential=made.credential,
            jwt=made.jwt,
        )
    return _award_public(services, issuer_id, made.credential_id)


def _award_public(services: Services, issuer_id: UUID, credential_id: str) -> AwardPublic:
    record = services.views.credential(credential_id)
    if record is None or record["issuer_id"] != str(issuer_id):
        raise CredentialNotFoundError(credential_id)
    return AwardPublic(
        credential_id=credential_id,
        learner_id=record["learner_id"],
        status=record["status"],
        credential=record["credential"],
        jwt=record["jwt"],
    )


@router.get(
    "/api/v1/issuers/{issuer_id}/awards/{credential_id}",
    tags=["awards"],
    responses={**AUTH_ERRORS, 404: {"description": "No such award of this issuer"}},
)
def read_award(issuer_id: ActingIssuer, credential_id: str, services: Services) -> AwardPublic:
    """One of this issuer's awards with its current status."""
    return _award_public(services, issuer_id, credential_id)


def _change_status(
    services: Services, issuer_id: UUID, credential_id: str, change: str, reason: str
) -> AwardPublic | JSONResponse:
    current = _award_public(services, issuer_id, credential_id)
    learner = UUID(current.learner_id)
    actions = {
        "revoke": services.ledger.revoke_credential,
        "suspend": services.ledger.suspend_credential,
        "reinstate": services.ledger.reinstate_credential,
    }
    actions[change](learner, credential_id, reason)
    if not services.settle():
        return _recorded_not_yet_shown(issuer_id, credential_id, change)
    return _award_public(services, issuer_id, credential_id)


def _recorded_not_yet_shown(issuer_id: UUID, credential_id: str, change: str) -> JSONResponse:
    """202: the change is recorded, but the read models did not show it within the wait."""
    location = f"/api/v1/issuers/{issuer_id}/awards/{credential_id}"
    body = {
        "credentialId": credential_id,
        "recorded": change,
        "detail": f"the {change} is recorded; GET {location} shows it in a moment",
    }
    return JSONResponse(body, status_code=202, headers={"Location": location})


STATUS_RESPONSES: dict[int | str, dict[str, Any]] = {
    **AUTH_ERRORS,
    202: {"description": "Recorded; the award shows the change in a moment (see Location)"},
    404: {"description": "No such award of this issuer"},
    409: {"description": "The credential's status does not allow this change"},
}


@router.post(
    "/api/v1/issuers/{issuer_id}/awards/{credential_id}/{change}",
    tags=["awards"],
    responses=STATUS_RESPONSES,
    response_model=AwardPublic,
)
def change_status(
    issuer_id: ActingIssuer,
    credential_id: str,
    change: Literal["revoke", "suspend", "reinstate"],
    body: StatusChange,
    services: Services,
) -> AwardPublic | JSONResponse:
    """Revoke (for good), suspend (until reinstated) or reinstate an award, with a reason; 202
    with `Location` if it is recorded but not yet shown (after `PASSPORT_WRITE_WAIT`)."""
    return _change_status(services, issuer_id, credential_id, change, body.reason)
