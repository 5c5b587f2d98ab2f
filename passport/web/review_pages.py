"""The learner's review form: rate (1 to 5) and review an achievement they hold. A rating left
out or a review too long comes back on the passport page with the design system's error
pattern, the review as typed kept."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from events.errors import LearnerErasedError
from events.review_use_cases import MAX_REVIEW_CHARS, NotAHolderError
from passport.web.cards import LinkedLearner, Token
from passport.web.deps import ServicesDep
from passport.web.html import PRIVATE, error_page
from passport.web.learner_pages import passport_page
from passport.web.reviewable import reviewable

router = APIRouter(include_in_schema=False)


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
    slug = credential.removeprefix("urn:uuid:")
    errors: dict[str, str] = {}
    if rating not in ("1", "2", "3", "4", "5"):
        errors[f"rating-{slug}-1"] = "Choose a rating from 1 (poor) to 5 (excellent)"
    if text and len(text.strip()) > MAX_REVIEW_CHARS:
        errors[f"review-{slug}"] = f"Your review must be {MAX_REVIEW_CHARS:,} characters or fewer"
    if errors and credential in reviewable(services, learner_id):
        attempt = {"credential": credential, "rating": rating, "text": text or ""}
        return passport_page(
            request, services, token, learner_id, more_errors=errors, review_attempt=attempt
        )
    if errors:
        return _refused(request, token, next(iter(errors.values())) + ".")
    try:
        services.ledger.write_review(UUID(learner_id), credential, int(rating or 0), text or "")
    except NotAHolderError as exc:
        return _refused(request, token, str(exc), 403)
    except LearnerErasedError:
        return _refused(request, token, "This passport was erased.", 410)
    services.settle()
    return RedirectResponse(f"/me/{token}#c-{slug}", status_code=303, headers=PRIVATE)
