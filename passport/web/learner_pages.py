"""The learner's side (`/me/{token}`): the passport page, downloads and a new personal link;
sharing it is in `share_pages.py`, erasure in `erase_pages.py`.

A learner is known by their personal link: `LinkedLearner` (in `cards.py`) is the one place
that turns a request into a learner, so signing in with an organisation's OpenID Connect
provider can later resolve the same learner id from a session instead.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from passport.certificates.pdf import file_stem
from passport.compliance import revalidation_progress
from passport.publishing import passport_file
from passport.services import Services, utcnow
from passport.sharing import MAX_SHARE_DAYS
from passport.web.accreditation import accreditations_of
from passport.web.cards import (
    LinkedLearner,
    NoSuchLinkError,
    Token,
    cards,
    documents_of,
    held_credentials,
    no_such_link,
)
from passport.web.deps import ServicesDep
from passport.web.graphics import cpd_chart
from passport.web.html import PRIVATE, page
from passport.web.next_learning import next_steps
from passport.web.reviewable import reviewable
from passport.web.role_check import read_day
from passport.web.share_form import ShareForm
from passport.web.upkeep import upkeep_notes

router = APIRouter(include_in_schema=False)


def passport_page(
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
    return passport_page(
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


@router.post("/me/{token}/link", response_class=HTMLResponse)
def replace_link(request: Request, services: ServicesDep, learner_id: LinkedLearner) -> Any:
    """Replace the personal link: the old one stops working at once."""
    fresh = services.sharing.issue_learner_link(learner_id, utcnow())
    new_link = f"{services.settings.base_url.rstrip('/')}/me/{fresh}"
    return passport_page(request, services, fresh, learner_id, new_link=new_link)
