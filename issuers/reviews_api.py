"""The review API: an academy reads the reviews of its achievements and replies once; the
operator hides a review with a recorded reason."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status
from fastapi.responses import Response
from pydantic import StringConstraints

from events.errors import AchievementNotFoundError
from issuers.deps import ActingIssuer, Operator, Services
from issuers.schemas import ApiModel
from projections.reviews import Reviews, opened

router = APIRouter()
ReplyText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
MAX_LISTED = 50


class ReviewPublic(ApiModel):
    """A review as its achievement's issuer sees it: under the reviewer's pseudonym."""

    id: str
    achievement_id: str
    reviewer: str
    verified_learner: bool = True
    rating: int
    text: str | None
    written_at: str
    edited: bool
    reply: str | None


class ReviewReply(ApiModel):
    """The issuer's one reply to a review."""

    text: ReplyText


class ReviewHide(ApiModel):
    """Why the operator hides a review (recorded in the ledger)."""

    reason: ReplyText


@router.get(
    "/api/v1/issuers/{issuer_id}/achievements/{achievement_id}/reviews",
    tags=["reviews"],
    responses={404: {"description": "No such achievement of this issuer"}},
)
def list_reviews(
    issuer_id: ActingIssuer,
    achievement_id: str,
    services: Services,
    limit: Annotated[int, Query(ge=1, le=MAX_LISTED)] = 20,
) -> list[ReviewPublic]:
    """The newest reviews of one of this issuer's achievements (hidden ones left out)."""
    if achievement_id not in services.ledger.issuer(issuer_id).achievements:
        raise AchievementNotFoundError(achievement_id)
    found = Reviews(services.read_models).latest(achievement_id, limit)
    keys = services.views.data_keys({learner for learner, _ in found})
    return [
        ReviewPublic(
            id=r.review_id,
            achievement_id=r.achievement_id,
            reviewer=r.pseudonym,
            rating=r.rating,
            text=r.text,
            written_at=r.written_at,
            edited=r.edited,
            reply=r.reply,
        )
        for r in opened(found, keys)
    ]


@router.post(
    "/api/v1/issuers/{issuer_id}/reviews/{review_id}/reply",
    tags=["reviews"],
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        404: {"description": "No such review of this issuer's achievements"},
        409: {"description": "Already replied: a reply is final"},
    },
)
def reply_to_review(
    issuer_id: ActingIssuer, review_id: UUID, body: ReviewReply, services: Services
) -> Response:
    """Reply, once, to a review of one of this issuer's achievements."""
    services.ledger.reply_to_review(issuer_id, review_id, body.text)
    services.settle()
    return Response(status_code=204)


@router.post(
    "/api/v1/admin/reviews/{review_id}/hide",
    tags=["admin"],
    status_code=status.HTTP_204_NO_CONTENT,
    responses={404: {"description": "No such review"}, 409: {"description": "Already hidden"}},
)
def hide_review(
    review_id: UUID, body: ReviewHide, services: Services, caller: Operator
) -> Response:
    """Hide a review from the public (operator only); the reason and who hid it are recorded."""
    services.ledger.hide_review(review_id, f"operator:{caller.client_id}", body.reason)
    services.settle()
    return Response(status_code=204)
