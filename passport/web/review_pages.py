"""The learner's review form: rate (1 to 5) and review an achievement they hold."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from events.errors import LearnerErasedError
from events.review_use_cases import MAX_REVIEW_CHARS, NotAHolderError
from passport.reviewing import reviews_of_learner
from passport.services import Services
from passport.web.cards import LinkedLearner, Token
from passport.web.deps import ServicesDep
from passport.web.html import PRIVATE, error_page

router = APIRouter(include_in_schema=False)
REVIEWABLE_KINDS = ("training", "badge", "cpd")


def reviewable(services: Services, learner_id: str) -> dict[str, Any]:
    """For each credential whose achievement the learner may review, their review so far (or
    None): the passport page offers the form on those cards."""
    mine = reviews_of_learner(services, learner_id)
    return {
        credential["id"]: mine.get(achievement_id)
        for credential, achievement_id, kind, status in _held(services, learner_id)
        if kind in REVIEWABLE_KINDS and status != "revoked"
    }


def _held(services: Services, learner_id: str) -> list[tuple[dict[str, Any], str, str, str]]:
    with services.read_models.read() as tx:
        rows = tx.execute(
            "SELECT credential_id, achievement_id, kind, status FROM rm_credentials "
            "WHERE learner_id = ?",
            (learner_id,),
        )
    return [({"id": str(r[0])}, str(r[1]), str(r[2]), str(r[3])) for r in rows]


def _refused(request: Request, token: str, message: str, status: int = 422) -> Response:
    return error_page(
        request,
        status,
        "Your review was not sent",
        message,
        f"Go back to your passport (/me/{token}) and try again.",
    )


@router.post("/me/{token}/reviews")
def write_review(
    request: Request,
    token: Token,
    services: ServicesDep,
    learner_id: LinkedLearner,
    credential: Annotated[str | None, Form(max_length=200)] = None,
    rating: Annotated[str | None, Form(max_length=4)] = None,
    text: Annotated[str | None, Form(max_length=MAX_REVIEW_CHARS * 4)] = None,
) -> Response:
    """Record the learner's rating and review (a second one is recorded as an edit)."""
    if not credential:
        return _refused(request, token, "Choose the credential whose training you are rating.")
    if rating not in ("1", "2", "3", "4", "5"):
        return _refused(request, token, "Choose a rating from 1 (poor) to 5 (excellent).")
    if text and len(text.strip()) > MAX_REVIEW_CHARS:
        return _refused(request, token, f"Keep your review to {MAX_REVIEW_CHARS} characters.")
    try:
        services.ledger.write_review(UUID(learner_id), credential, int(rating), text or "")
    except NotAHolderError as exc:
        return _refused(request, token, str(exc), 403)
    except LearnerErasedError:
        return _refused(request, token, "This passport was erased.", 410)
    services.settle()
    slug = credential.removeprefix("urn:uuid:")
    return RedirectResponse(f"/me/{token}#c-{slug}", status_code=303, headers=PRIVATE)
