"""The operator's learner administration: erasure of a learner's personal data."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path

from issuers.deps import Operator
from issuers.schemas import ApiModel, Reason
from passport.erasure import erase_learner
from passport.web.deps import ServicesDep

router = APIRouter(tags=["admin"])


class ErasureRequest(ApiModel):
    """Why the learner's personal data is erased; recorded on the log, so no personal data."""

    reason: Reason


class ErasurePublic(ApiModel):
    """The erasure as recorded."""

    learner_id: str
    erased: bool
    by: str
    reason: str


ERASURE_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, invalid or expired access token"},
    403: {"description": "Only the ledger operator may erase a learner"},
    404: {"description": "No such learner"},
    409: {"description": "The learner was erased already"},
}


@router.post(
    "/api/v1/admin/learners/{learner_id}/erasure",
    responses=ERASURE_ERRORS,
    response_model_by_alias=True,
)
def erasure(
    learner_id: Annotated[UUID, Path(description="The learner whose personal data goes.")],
    body: ErasureRequest,
    services: ServicesDep,
    caller: Operator,
) -> ErasurePublic:
    """Erase a learner's personal data for good (operator only); credentials stay verifiable."""
    by = f"operator:{caller.client_id}"
    erase_learner(services, learner_id, by=by, reason=body.reason)
    return ErasurePublic(learner_id=str(learner_id), erased=True, by=by, reason=body.reason)
