"""The learner's side (`/me/{token}`): the passport, sharing it (choose, check your answers,
create), withdrawing a share link (confirm first), downloads, a new personal link, erasure.

A learner is known by their personal link: `LinkedLearner` (in `cards.py`) is the one place
that turns a request into a learner, so signing in with an organisation's OpenID Connect
provider can later resolve the same learner id from a session instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from passport.certificates.pdf import file_stem
from passport.compliance import revalidation_progress
from passport.erasure import erase_learner
from passport.publishing import passport_file
from passport.services import Services, utcnow
from passport.sharing import DEFAULT_SHARE_DAYS, MAX_SHARE_DAYS, ShareState
from passport.web.accreditation import accreditations_of
from passport.web.cards import (
    CredentialCard,
    LinkedLearner,
    NoSuchLinkError,
    Token,
    cards,
    documents_of,
    held_credentials,
    no_such_link,
)
from passport.web.deps import ServicesDep
from passport.web.employer_pages import share_url
from passport.web.graphics import cpd_chart
from passport.web.html import PRIVATE, page
from passport.web.next_learning import next_steps
from passport.web.reviewable import reviewable
from passport.web.role_check import read_day
from passport.web.upkeep import upkeep_notes

router = APIRouter(include_in_schema=False)
NOTE_LENGTH = 500


@dataclass
class ShareForm:
    """The share form as the learner filled it in, with an error per field that is wrong."""

    scope: str = ""
    chosen: list[str] = field(default_factory=list)
    days: str = str(DEFAULT_SHARE_DAYS)
    note: str = ""
    show_name: bool = True
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def everything(self) -> bool:
        """Whether it shares every credential, including ones earned later."""
        return self.scope == "all"

    def valid_days(self) -> int:
        """The number of days (only after `check` found no error)."""
        return int(self.days)


def _read_share_form(
    held: dict[str, Any],
    scope: str | None,
    everything: str | None,
    credential: list[str] | None,
    days: str | None,
    note: str | None,
    show_name: str | None,
) -> ShareForm:
    """The form's fields checked the server's way (a browser's checks can be skipped)."""
    scope = "all" if everything else (scope or ("chosen" if credential else ""))
    form = ShareForm(
        scope=scope,
        chosen=[c for c in credential or [] if c in held],
        days=(days or str(DEFAULT_SHARE_DAYS)).strip(),
        note=(note or "").strip(),
        show_name=show_name is not None,
    )
    if scope not in ("all", "chosen"):
        form.errors["scope"] = "Choose at least one credential to share, or share them all"
    elif scope == "chosen" and not form.chosen:
        form.errors["credential"] = "Choose at least one credential to share, or share them all"
    if not re.fullmatch(r"[0-9]{1,4}", form.days) or not 1 <= int(form.days) <= MAX_SHARE_DAYS:
        form.errors["days"] = f"Enter a whole number of days from 1 to {MAX_SHARE_DAYS}"
    if len(form.note) > NOTE_LENGTH:
        form.errors["note"] = f"The note must be {NOTE_LENGTH} characters or fewer"
    return form


def _learner_page(
    request: Request,
    services: Services,
    token: str,
    learner_id: str,
    *,
    revalidation: tuple[str | None, str | None, str | None] = (None, None, None),
    form: ShareForm | None = None,
    next_role: str | None = None,
    status: int = 200,
    more_errors: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """The learner's passport page (with `extra` in its context, and `more_errors` from another
    of its forms in its error summary), or the no-such-link page."""
    today = utcnow().date()
    view = services.views.passport(learner_id, today)
    if view is None or view.erased:
        return no_such_link(request)
    documents = documents_of(services, learner_id)
    shown = cards(view, documents)
    revalidation_day, revalidation_error, _ = read_day(revalidation, "Your revalidation date")
    cycle = None
    if revalidation_day is not None:
        cycle = revalidation_progress(
            held_credentials(services, learner_id, documents),
            revalidation_date=revalidation_day,
            as_of=today,
        )
    form = form or ShareForm()
    errors = {**form.errors, **(more_errors or {})}
    if revalidation_error:
        errors["revalidation-day"] = revalidation_error
    learn_next = None
    if next_role is not None and next_role in {r.id for r in services.catalogue.roles}:
        held = held_credentials(services, learner_id, documents)
        learn_next = next_steps(services, held, next_role, today)
    elif next_role is not None:
        errors["next-role"] = "Select the role you want to learn for"
    context = {
        "token": token,
        "view": view,
        "cards": shown,
        "accredited": accreditations_of(services, learner_id),
        "reviewable": reviewable(services, learner_id),
        "needs_action": [c for c in shown if c.needs_action],
        "keep_up": upkeep_notes(services.read_models, learner_id, today),
        "chart": cpd_chart(view.cpd_credits_by_year),
        "cycle": cycle,
        "revalidation": dict(
            zip(
                ("revalidation-day", "revalidation-month", "revalidation-year"),
                (v or "" for v in revalidation),
                strict=True,
            )
        ),
        "shares": services.sharing.shares_of(learner_id),
        "roles": services.catalogue.roles,
        "next_role": next_role or "",
        "learn_next": learn_next,
        "now": utcnow(),
        "form": form,
        "errors": errors or None,
        "max_days": MAX_SHARE_DAYS,
        **extra,
    }
    return page(request, "passport.html", context, 422 if errors else status)


@router.get("/me/{token}", response_class=HTMLResponse)
def learner_page(
    request: Request,
    token: Token,
    services: ServicesDep,
    learner_id: LinkedLearner,
    revalidation_day: Annotated[str | None, Query(alias="revalidation-day", max_length=4)] = None,
    revalidation_month: Annotated[
        str | None, Query(alias="revalidation-month", max_length=4)
    ] = None,
    revalidation_year: Annotated[str | None, Query(alias="revalidation-year", max_length=6)] = None,
    revalidation: Annotated[date | None, Query()] = None,
    withdrawn: Annotated[str | None, Query(max_length=3)] = None,
    next_role: Annotated[str | None, Query(alias="next-role", max_length=100)] = None,
) -> Any:
    """The learner's whole passport."""
    parts = (revalidation_day, revalidation_month, revalidation_year)
    if revalidation is not None and not any(parts):
        parts = (str(revalidation.day), str(revalidation.month), str(revalidation.year))
    return _learner_page(
        request,
        services,
        token,
        learner_id,
        revalidation=parts,
        next_role=next_role,
        withdrawn=bool(withdrawn),
    )


@router.get("/me/{token}/passport.json")
def learner_download(services: ServicesDep, learner_id: LinkedLearner) -> Any:
    """The whole passport as one verifiable file."""
    bundle = passport_file(services, learner_id, utcnow())
    if not bundle:
        raise NoSuchLinkError
    return JSONResponse(
        bundle,
        headers={**PRIVATE, "Content-Disposition": 'attachment; filename="passport.json"'},
    )


@router.get("/me/{token}/credentials/{slug}.{form}")
def credential_download(
    slug: Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")],
    form: Annotated[str, Path(pattern=r"^(json|jwt)$")],
    services: ServicesDep,
    learner_id: LinkedLearner,
) -> Any:
    """One credential: the JSON with its proof, or the JWT."""
    record = services.views.credential(f"urn:uuid:{slug}")
    if record is None or record["learner_id"] != learner_id:
        raise NoSuchLinkError
    document = record["credential"]
    name = document.get("credentialSubject", {}).get("achievement", {}).get("name", "")
    stem = file_stem(str(name), str(document.get("validFrom", ""))[:10])
    disposition = {"Content-Disposition": f'attachment; filename="{stem}.{form}"'}
    if form == "jwt":
        return Response(
            record["jwt"], media_type="application/vc+jwt", headers={**PRIVATE, **disposition}
        )
    return JSONResponse(record["credential"], headers={**PRIVATE, **disposition})


# No length limits here: `_read_share_form` checks every field and answers with the page's
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
    form = _read_share_form(held, scope, None, credential, days, note, show_name)
    if form.errors:
        return _learner_page(request, services, token, learner_id, form=form)
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
    form = _read_share_form(held, scope, None, credential, days, note, show_name)
    form.errors = {}
    return _learner_page(request, services, token, learner_id, form=form, editing=True)


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
    form = _read_share_form(held, scope, everything, credential, days, note, show_name)
    if form.errors:
        return _learner_page(request, services, token, learner_id, form=form)
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


@router.post("/me/{token}/link", response_class=HTMLResponse)
def replace_link(request: Request, services: ServicesDep, learner_id: LinkedLearner) -> Any:
    """Replace the personal link: the old one stops working at once."""
    fresh = services.sharing.issue_learner_link(learner_id, utcnow())
    new_link = f"{services.settings.base_url.rstrip('/')}/me/{fresh}"
    return _learner_page(request, services, fresh, learner_id, new_link=new_link)


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
