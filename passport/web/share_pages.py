"""The learner's share links (`/me/{token}/shares…`): choose, check your answers, create, and
withdraw a link (confirm first)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from passport.services import Services, utcnow
from passport.sharing import ShareState
from passport.web.cards import (
    CredentialCard,
    LinkedLearner,
    NoSuchLinkError,
    Token,
    cards,
    documents_of,
)
from passport.web.deps import ServicesDep
from passport.web.employer_pages import share_url
from passport.web.html import PRIVATE, page
from passport.web.learner_pages import passport_page
from passport.web.share_form import ShareForm, read_share_form

router = APIRouter(include_in_schema=False)


# No length limits here: `read_share_form` checks every field and answers with the page's
# error pattern (the body limit caps the whole request).
ScopeField = Annotated[str | None, Form()]
ChosenField = Annotated[list[str] | None, Form()]
DaysField = Annotated[str | None, Form()]
NoteField = Annotated[str | None, Form()]
FlagField = Annotated[str | None, Form()]


def _shared(shown: list[CredentialCard], form: ShareForm) -> list[CredentialCard]:
    return shown if form.everything else [c for c in shown if c.id in form.chosen]


@router.post("/me/{token}/shares/check", response_class=HTMLResponse)
def check_share(
    request: Request,
    token: Token,
    services: ServicesDep,
    learner_id: LinkedLearner,
    scope: ScopeField = None,
    credential: ChosenField = None,
    days: DaysField = None,
    note: NoteField = None,
    show_name: FlagField = None,
) -> Any:
    """Check your answers: exactly what the link will share, with whom, until when."""
    held = documents_of(services, learner_id)
    form = read_share_form(held, scope, None, credential, days, note, show_name)
    if form.errors:
        return passport_page(request, services, token, learner_id, form=form)
    view = services.views.passport(learner_id, utcnow().date())
    if view is None or view.erased:
        raise NoSuchLinkError
    context = {
        "token": token,
        "form": form,
        "shared": _shared(cards(view, held), form),
        "until": utcnow() + timedelta(days=form.valid_days()),
        "name": view.name,
    }
    return page(request, "share_check.html", context)


@router.post("/me/{token}/shares/edit", response_class=HTMLResponse)
def edit_share(
    request: Request,
    token: Token,
    services: ServicesDep,
    learner_id: LinkedLearner,
    scope: ScopeField = None,
    credential: ChosenField = None,
    days: DaysField = None,
    note: NoteField = None,
    show_name: FlagField = None,
) -> Any:
    """Back from checking: the passport page with the share form as the learner left it."""
    held = documents_of(services, learner_id)
    form = read_share_form(held, scope, None, credential, days, note, show_name)
    form.errors = {}
    return passport_page(request, services, token, learner_id, form=form, editing=True)


@router.post("/me/{token}/shares", response_class=HTMLResponse)
def create_share(
    request: Request,
    token: Token,
    services: ServicesDep,
    learner_id: LinkedLearner,
    scope: ScopeField = None,
    credential: ChosenField = None,
    days: DaysField = None,
    note: NoteField = None,
    show_name: FlagField = None,
    everything: FlagField = None,
) -> Any:
    """Make a share link: every credential or the chosen ones, an expiry, a note."""
    held = documents_of(services, learner_id)
    form = read_share_form(held, scope, everything, credential, days, note, show_name)
    if form.errors:
        return passport_page(request, services, token, learner_id, form=form)
    share_token, link = services.sharing.create_share(
        learner_id,
        utcnow(),
        credential_ids=None if form.everything else tuple(form.chosen),
        days=form.valid_days(),
        note=form.note or None,
        show_name=form.show_name,
    )
    view = services.views.passport(learner_id, utcnow().date())
    if view is None or view.erased:
        raise NoSuchLinkError
    context = {
        "token": token,
        "form": form,
        "url": share_url(services, share_token),
        "link": link,
        "shared": _shared(cards(view, held), form),
        "name": view.name,
    }
    return page(request, "share_created.html", context, 201)


def _share_of(services: Services, learner_id: str, share_id: str) -> Any:
    for share in services.sharing.shares_of(learner_id):
        if share.id == share_id:
            return share
    raise NoSuchLinkError


ShareId = Annotated[str, Path(max_length=40)]


@router.get("/me/{token}/shares/{share_id}/withdraw", response_class=HTMLResponse)
def confirm_withdrawal(
    request: Request,
    token: Token,
    share_id: ShareId,
    services: ServicesDep,
    learner_id: LinkedLearner,
) -> Any:
    """Are you sure? What withdrawing this link does; nothing changes until they confirm."""
    share = _share_of(services, learner_id, share_id)
    context = {"token": token, "share": share, "active": share.state(utcnow()) is ShareState.ACTIVE}
    return page(request, "share_withdraw.html", context)


@router.post("/me/{token}/shares/{share_id}/revoke")
def revoke_share(
    request: Request,
    token: Token,
    share_id: ShareId,
    services: ServicesDep,
    learner_id: LinkedLearner,
    confirm: FlagField = None,
) -> Any:
    """Stop a share link from opening, once the learner has confirmed it."""
    if confirm != "yes":
        return confirm_withdrawal(request, token, share_id, services, learner_id)
    if not services.sharing.revoke_share(learner_id, share_id, utcnow()):
        raise NoSuchLinkError
    return RedirectResponse(f"/me/{token}?withdrawn=yes#shares", status_code=303, headers=PRIVATE)
