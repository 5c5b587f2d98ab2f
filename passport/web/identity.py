"""'Is this the person with staff number X?': answered only to parties the learner or the ledger
authorised, one guess at a time, since nothing public lets anyone test a guess.

An employer holding a share link asks about the person who shared it; the operator asks about
the learner a credential was issued to. Each share link (and the operator) has a small budget of
questions per hour, so the ~10^8 staff numbers cannot be walked through either door.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse
from pydantic import Field

from issuers.deps import Operator
from issuers.rate_limit import RateLimiter
from issuers.schemas import ApiModel
from passport.services import Services, utcnow
from passport.sharing import ShareState
from passport.web.deps import ServicesDep
from passport.web.problems import problem

router = APIRouter(tags=["identity"])
Token = Annotated[
    str, Path(description="The share link's token (a malformed one is just not found).")
]
QUESTIONS_PER_HOUR = 10
OPERATOR_QUESTIONS_PER_HOUR = 100


class IdentityQuestion(ApiModel):
    """The staff identifier (ESR number, NMC/GMC/HCPC registration) to compare."""

    staff_number: str = Field(min_length=1, max_length=40)


class CredentialIdentityQuestion(IdentityQuestion):
    """The staff identifier to compare with the learner a credential was issued to."""

    credential_id: str = Field(min_length=1, max_length=300)


class IdentityAnswer(ApiModel):
    """Whether the staff identifier is the learner's."""

    match: bool


ANSWERS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such share link or credential"},
    410: {"description": "The share link ended"},
    429: {"description": "Too many questions: wait for the seconds in Retry-After"},
}
_share_questions = RateLimiter(QUESTIONS_PER_HOUR, 3600)
_operator_questions = RateLimiter(OPERATOR_QUESTIONS_PER_HOUR, 3600)


def _too_many(wait: int) -> JSONResponse:
    response = problem(
        429,
        "Too many requests",
        f"too many identity questions for this link; ask again in {wait} seconds",
    )
    response.headers["Retry-After"] = str(wait)
    return response


def _is(services: Services, learner_id: str, staff_number: str) -> bool:
    return learner_id in {str(i) for i in services.ledger.candidate_ids(staff_number)}


@router.post(
    "/api/v1/shares/{token}/identity-match", responses=ANSWERS, response_model=IdentityAnswer
)
def share_identity_match(
    token: Token, question: IdentityQuestion, services: ServicesDep
) -> IdentityAnswer | JSONResponse:
    """For the employer holding a share link: is the person who shared it the one with this
    staff identifier? `{"match": true|false}`, at most 10 questions an hour per link."""
    link = services.sharing.share_for(token)
    if link is None:
        return problem(404, "Not found", "no such share link; check that you copied all of it")
    if link.state(utcnow()) is not ShareState.ACTIVE or not services.views.learners_exist(
        link.learner_id
    ):
        return problem(410, "Gone", "this share link has ended; ask the person for a new one")
    wait = _share_questions.take(link.id)
    if wait is not None:
        return _too_many(wait)
    return IdentityAnswer(match=_is(services, link.learner_id, question.staff_number))


@router.post("/api/v1/identity/match", responses=ANSWERS, response_model=IdentityAnswer)
def operator_identity_match(
    question: CredentialIdentityQuestion, services: ServicesDep, caller: Operator
) -> IdentityAnswer | JSONResponse:
    """(operator) Was this credential issued to the person with this staff identifier?"""
    wait = _operator_questions.take(caller.client_id)
    if wait is not None:
        return _too_many(wait)
    record = services.views.credential(question.credential_id)
    if record is None:
        return problem(404, "Not found", f"no credential {question.credential_id}")
    return IdentityAnswer(match=_is(services, str(record["learner_id"]), question.staff_number))
