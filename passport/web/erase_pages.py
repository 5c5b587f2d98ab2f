"""The learner erases their own personal details (`/me/{token}/erase`): what it does, then the
confirmed form that does it."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from passport.erasure import erase_learner
from passport.services import Services, utcnow
from passport.sharing import ShareState
from passport.web.cards import LinkedLearner, Token, no_such_link
from passport.web.deps import ServicesDep
from passport.web.html import page

router = APIRouter(include_in_schema=False)


def _erase_page(
    request: Request, services: Services, token: str, learner_id: str, error: str | None = None
) -> Response:
    """What erasure will do, with the form that does it (the second step, after the passport)."""
    view = services.views.passport(learner_id, utcnow().date())
    if view is None or view.erased:
        return no_such_link(request)
    now = utcnow()
    active = [
        s for s in services.sharing.shares_of(learner_id) if s.state(now) is ShareState.ACTIVE
    ]
    errors = {"confirm": error} if error else None
    context = {"token": token, "name": view.name, "shares": len(active), "errors": errors}
    return page(request, "erase.html", context, 422 if error else 200)


@router.get("/me/{token}/erase", response_class=HTMLResponse)
def erase_confirmation(
    request: Request, token: Token, services: ServicesDep, learner_id: LinkedLearner
) -> Any:
    """What erasing their personal details will do; nothing changes until they confirm."""
    return _erase_page(request, services, token, learner_id)


@router.post("/me/{token}/erase", response_class=HTMLResponse)
def erase_myself(
    request: Request,
    token: Token,
    services: ServicesDep,
    learner_id: LinkedLearner,
    confirm: Annotated[str | None, Form()] = None,
) -> Any:
    """The learner erases their own personal data (recorded as theirs, with the reason)."""
    if confirm != "yes":
        return _erase_page(
            request,
            services,
            token,
            learner_id,
            "Tick the box to confirm that you want your details erased",
        )
    erase_learner(services, UUID(learner_id), by="learner", reason="the learner's own request")
    return page(
        request,
        "error.html",
        {
            "title": "Your personal details are erased",
            "message": "Your name, email and staff number are gone from Staff Passport for good, "
            "and so are your personal and share links.",
            "advice": "Credentials you downloaded or shared before stay valid: they never held "
            "your name or email.",
        },
    )
