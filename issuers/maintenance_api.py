"""The maintenance API: what keeps an achievement's awards current (retake, CPD hours)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from events.errors import AchievementNotFoundError
from issuers.deps import ActingIssuer
from issuers.maintenance import MaintenanceRuleBody, set_rule, stored_rule
from issuers.programmes_api import ERRORS, Services

router = APIRouter(tags=["achievements"])
PATH = "/api/v1/issuers/{issuer_id}/achievements/{achievement_id}/maintenance"


@router.put(PATH, responses={**ERRORS, 404: {"description": "No such achievement"}})
def put_rule(
    issuer_id: ActingIssuer, achievement_id: str, body: MaintenanceRuleBody, services: Services
) -> dict[str, Any]:
    """Set the rule that keeps awards of this achievement current. The ledger suspends an award
    (reason "not maintained") on the day its rule is missed and reinstates it when the learner
    catches up; the learner's page says what is due by when."""
    rule = set_rule(services.ledger, issuer_id, achievement_id, body)
    services.settle()
    assert rule is not None
    return rule


@router.get(PATH, responses={**ERRORS, 404: {"description": "No such achievement or no rule"}})
def get_rule(issuer_id: ActingIssuer, achievement_id: str, services: Services) -> dict[str, Any]:
    """The achievement's maintenance rule."""
    if achievement_id not in services.ledger.issuer(issuer_id).achievements:
        raise AchievementNotFoundError(achievement_id)
    with services.read_models.read() as tx:
        rule = stored_rule(tx, achievement_id)
    if rule is None:
        raise AchievementNotFoundError(f"{achievement_id} (it has no maintenance rule)")
    return rule


@router.delete(
    PATH,
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**ERRORS, 404: {"description": "No such achievement"}},
)
def delete_rule(issuer_id: ActingIssuer, achievement_id: str, services: Services) -> Response:
    """Remove the rule: awards are no longer suspended for want of upkeep (those suspended
    already stay so until the issuer reinstates them)."""
    set_rule(services.ledger, issuer_id, achievement_id, None)
    services.settle()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
