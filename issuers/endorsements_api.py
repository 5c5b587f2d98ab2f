"""The endorsement API: an accrediting body endorses an achievement or an issuer, and revokes it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse
from pydantic import StringConstraints

from events.errors import CredentialNotFoundError
from issuers.deps import AUTH_ERRORS, ActingIssuer, Services
from issuers.endorsements import Endorsing
from issuers.schemas import ApiModel, StatusChange

router = APIRouter()
Comment = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
AchievementRef = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)
]


class EndorsementCreate(ApiModel):
    """What to endorse: an issuer's achievement, or (without `achievementId`) the issuer."""

    issuer_id: UUID
    achievement_id: AchievementRef | None = None
    comment: Comment


class EndorsementPublic(ApiModel):
    """A recorded endorsement: the signed `EndorsementCredential`, its JWT and status."""

    credential_id: str
    endorsed_issuer_id: str | None = None
    achievement_id: str | None = None
    status: str
    credential: dict[str, Any]
    jwt: str


def _endorsement(services: Services, endorser_id: UUID, credential_id: str) -> EndorsementPublic:
    record = services.views.credential(credential_id)
    types = record["credential"].get("type", []) if record else []
    if record is None or record["issuer_id"] != str(endorser_id):
        raise CredentialNotFoundError(credential_id)
    if "EndorsementCredential" not in types:
        raise CredentialNotFoundError(credential_id)
    subject = record["credential"].get("credentialSubject", {})
    target = str(subject.get("id", "")) if isinstance(subject, dict) else ""
    return EndorsementPublic(
        credential_id=credential_id,
        achievement_id=target.removeprefix("urn:uuid:") if target.startswith("urn:uuid:") else None,
        status=record["status"],
        credential=record["credential"],
        jwt=record["jwt"],
    )


@router.post(
    "/api/v1/issuers/{issuer_id}/endorsements",
    tags=["endorsements"],
    status_code=status.HTTP_201_CREATED,
    responses={
        **AUTH_ERRORS,
        403: {
            "description": "The client may not act for this issuer, or the registry does not "
            "recognise the issuer as an accrediting body (the problem says how to be)"
        },
        404: {"description": "No such issuer or achievement to endorse"},
        422: {"description": "Invalid request, or an issuer endorsing its own work"},
    },
)
def endorse(
    issuer_id: ActingIssuer, body: EndorsementCreate, services: Services
) -> EndorsementPublic:
    """Endorse (accredit) another issuer's achievement, or the issuer itself, with a signed Open
    Badges 3.0 `EndorsementCredential`; learners' pages and exports carry it from then on. Only
    an issuer the registry recognises as an accrediting body may endorse."""
    endorsing = Endorsing(
        services.ledger, services.key_store, services.awarding, services.status_indexes
    )
    made = endorsing.endorse(
        issuer_id,
        issuer_id=body.issuer_id,
        achievement_id=body.achievement_id,
        comment=body.comment,
        at=datetime.now(UTC),
    )
    services.settle()
    return EndorsementPublic(
        credential_id=made.credential_id,
        endorsed_issuer_id=str(body.issuer_id),
        achievement_id=body.achievement_id,
        status="active",
        credential=made.credential,
        jwt=made.jwt,
    )


@router.get(
    "/api/v1/issuers/{issuer_id}/endorsements/{credential_id}",
    tags=["endorsements"],
    responses={**AUTH_ERRORS, 404: {"description": "No such endorsement of this issuer"}},
)
def read_endorsement(
    issuer_id: ActingIssuer, credential_id: str, services: Services
) -> EndorsementPublic:
    """One of this issuer's endorsements with its current status."""
    return _endorsement(services, issuer_id, credential_id)


@router.post(
    "/api/v1/issuers/{issuer_id}/endorsements/{credential_id}/revoke",
    tags=["endorsements"],
    response_model=EndorsementPublic,
    responses={
        **AUTH_ERRORS,
        202: {"description": "Recorded; the endorsement shows the change in a moment"},
        404: {"description": "No such endorsement of this issuer"},
        409: {"description": "Already revoked"},
    },
)
def revoke_endorsement(
    issuer_id: ActingIssuer, credential_id: str, body: StatusChange, services: Services
) -> EndorsementPublic | JSONResponse:
    """Withdraw an endorsement for good (through the endorser's status list), with a reason."""
    current = _endorsement(services, issuer_id, credential_id)
    record = services.views.credential(credential_id)
    assert record is not None  # _endorsement found it
    services.ledger.revoke_credential(UUID(record["learner_id"]), credential_id, body.reason)
    if not services.settle():
        location = f"/api/v1/issuers/{issuer_id}/endorsements/{credential_id}"
        return JSONResponse(
            {"credentialId": credential_id, "recorded": "revoke"},
            status_code=202,
            headers={"Location": location},
        )
    return current.model_copy(update={"status": "revoked"})
