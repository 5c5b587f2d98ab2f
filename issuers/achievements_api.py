"""The issuer API's issuers and achievements: registering an academy (operator only), reading
it with its keys, and defining, versioning and retiring its achievements."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, status

from events.errors import AchievementNotFoundError
from issuers.deps import AUTH_ERRORS, ActingIssuer, Operator, Services
from issuers.schemas import (
    AchievementCreate,
    AchievementPublic,
    IssuerAccountPublic,
    IssuerCreate,
    IssuerKeyPublic,
    IssuerPublic,
)

router = APIRouter()


@router.post(
    "/api/v1/admin/issuers",
    tags=["admin"],
    status_code=status.HTTP_201_CREATED,
    responses={**AUTH_ERRORS, 409: {"description": "An issuer of that name exists"}},
)
def register_issuer(body: IssuerCreate, services: Services, _: Operator) -> IssuerAccountPublic:
    """Register an academy (operator only); the response holds its client secret, once."""
    account = services.accounts.register_issuer(
        body.name, str(body.url), datetime.now(UTC), body.did_method
    )
    return IssuerAccountPublic(
        id=str(account.id),
        did=account.did,
        client_id=account.client_id,
        client_secret=account.client_secret,
    )


@router.get("/api/v1/issuers/{issuer_id}", tags=["issuers"], responses=AUTH_ERRORS)
def read_issuer(issuer_id: ActingIssuer, services: Services) -> IssuerPublic:
    """The issuer with its current and retired keys."""
    issuer = services.ledger.issuer(issuer_id)
    return IssuerPublic(
        id=str(issuer.id),
        name=issuer.name,
        url=issuer.url,
        did=issuer.did,
        keys=[
            IssuerKeyPublic(
                id=k["id"],
                public_key_multibase=k["publicKeyMultibase"],
                valid_from=k["validFrom"],
                retired_at=k["retiredAt"],
            )
            for k in issuer.keys
        ],
    )


def _achievement(record: dict[str, Any]) -> AchievementPublic:
    return AchievementPublic(
        id=record["id"],
        version=record["version"],
        retired=record["retired"],
        kind=record["kind"],
        refresher_months=record["refresherMonths"],
        achievement=record["achievement"],
    )


def _extra(body: AchievementCreate) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if body.image:
        extra["image"] = {"id": str(body.image), "type": "Image"}
    if body.achievement_type:
        extra["achievementType"] = body.achievement_type
    if body.alignment:
        extra["alignment"] = [
            {"type": ["Alignment"], **a.model_dump(by_alias=True, mode="json", exclude_none=True)}
            for a in body.alignment
        ]
    return extra


@router.post(
    "/api/v1/issuers/{issuer_id}/achievements",
    tags=["achievements"],
    status_code=status.HTTP_201_CREATED,
    responses=AUTH_ERRORS,
)
def create_achievement(
    issuer_id: ActingIssuer, body: AchievementCreate, services: Services
) -> AchievementPublic:
    """Define an achievement (an Open Badges 3.0 `Achievement`)."""
    achievement_id = services.awarding.define_achievement(
        issuer_id,
        name=body.name,
        description=body.description,
        criteria=body.criteria,
        kind=body.kind,
        refresher_months=body.refresher_months,
        credits_available=body.credits_available,
        field_of_study=body.field_of_study,
        extra=_extra(body),
    )
    return _achievement(services.ledger.issuer(issuer_id).achievements[achievement_id])


@router.get(
    "/api/v1/issuers/{issuer_id}/achievements", tags=["achievements"], responses=AUTH_ERRORS
)
def list_achievements(issuer_id: ActingIssuer, services: Services) -> list[AchievementPublic]:
    """Every achievement this issuer has defined, retired ones included."""
    return [_achievement(a) for a in services.ledger.issuer(issuer_id).achievements.values()]


def _find_achievement(services: Services, issuer_id: UUID, achievement_id: str) -> dict[str, Any]:
    record = services.ledger.issuer(issuer_id).achievements.get(achievement_id)
    if record is None:
        raise AchievementNotFoundError(achievement_id)
    return record


@router.get(
    "/api/v1/issuers/{issuer_id}/achievements/{achievement_id}",
    tags=["achievements"],
    responses={**AUTH_ERRORS, 404: {"description": "No such achievement"}},
)
def read_achievement(
    issuer_id: ActingIssuer, achievement_id: str, services: Services
) -> AchievementPublic:
    """One achievement, at its latest version."""
    return _achievement(_find_achievement(services, issuer_id, achievement_id))


@router.put(
    "/api/v1/issuers/{issuer_id}/achievements/{achievement_id}",
    tags=["achievements"],
    responses={
        **AUTH_ERRORS,
        404: {"description": "No such achievement"},
        409: {"description": "The achievement is retired"},
    },
)
def update_achievement(
    issuer_id: ActingIssuer, achievement_id: str, body: AchievementCreate, services: Services
) -> AchievementPublic:
    """Publish a new version; credentials already issued keep the version they were made under."""
    services.awarding.update_achievement(
        issuer_id,
        achievement_id,
        name=body.name,
        description=body.description,
        criteria=body.criteria,
        kind=body.kind,
        refresher_months=body.refresher_months,
        credits_available=body.credits_available,
        field_of_study=body.field_of_study,
        extra=_extra(body),
    )
    return _achievement(_find_achievement(services, issuer_id, achievement_id))


@router.post(
    "/api/v1/issuers/{issuer_id}/achievements/{achievement_id}/retire",
    tags=["achievements"],
    responses={
        **AUTH_ERRORS,
        404: {"description": "No such achievement"},
        409: {"description": "Already retired"},
    },
)
def retire_achievement(
    issuer_id: ActingIssuer, achievement_id: str, services: Services
) -> AchievementPublic:
    """Stop awarding an achievement; credentials already issued are unaffected."""
    _find_achievement(services, issuer_id, achievement_id)
    services.ledger.retire_achievement(issuer_id, achievement_id)
    return _achievement(_find_achievement(services, issuer_id, achievement_id))
