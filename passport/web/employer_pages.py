"""The employer's side: a share link's page (`/s/{token}`), its QR code, and the role check
(on the page and as an API for onboarding systems).

What a share reveals: the credentials it names (or all), their issuers, dates and status, who
revoked or suspended one and when; the learner's name only if they chose to show it, and the
reason an issuer gave for revoking or suspending only then too (a reason can be about the
person, so it travels with their name). Never an email address or staff number.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from passport.compliance import RoleCheck, UnknownRoleError
from passport.publishing import passport_file
from passport.registry import own_trust
from passport.services import Services, utcnow
from passport.sharing import ShareLink, ShareState
from passport.web.accreditation import checked_accreditations, shared_with_endorsements
from passport.web.cards import TOKEN_SHAPE, Token, cards
from passport.web.deps import ServicesDep
from passport.web.graphics import qr_svg
from passport.web.html import PRIVATE, error_page, page
from passport.web.problems import problem
from passport.web.role_check import Parts, RoleCheckForm, explained, role_check
from passport.web.verdicts import (
    CheckedCredential,
    checked_credential,
    dates_a_status_change,
    headline,
    reports_by_id,
)
from passport.words import long_date
from projections.views import PassportView
from verifier import Policy, Trust, verify_document

router = APIRouter(include_in_schema=False)
api = APIRouter(tags=["share links"])


def share_url(services: Services, token: str) -> str:
    """The public address of a share link."""
    return f"{services.settings.base_url.rstrip('/')}/s/{token}"


def _open_share(request: Request, services: Services, token: str) -> ShareLink | Response:
    """The active share link, or the page (or problem) saying why it does not open."""
    link = services.sharing.share_for(token) if TOKEN_SHAPE.fullmatch(token) else None
    if link is None:
        return error_page(
            request,
            404,
            "This share link does not exist",
            "Check that you copied the whole link. Share links are long on purpose.",
        )
    state = link.state(utcnow())
    if state is ShareState.ACTIVE and services.views.learners_exist(link.learner_id):
        return link
    when = long_date(link.revoked_at or link.expires_at)
    message = {
        ShareState.REVOKED: f"The person who shared this passport withdrew the link on {when}.",
        ShareState.EXPIRED: f"This share link expired on {when}.",
    }.get(state, "This passport is no longer shared.")
    return error_page(
        request, 410, "This share link has ended", message, "Ask them for a new link."
    )


def _checked(
    services: Services,
    link: ShareLink,
    presentation: Mapping[str, Any],
    view: PassportView,
    now: datetime,
    trust: Trust,
) -> list[CheckedCredential]:
    """Each shared credential verified as the employer's own verifier would verify the
    presentation: offline, from what it carries (keys, status lists, ledger proofs). The JWT
    twins it also carries are left out: the page reads the JSON form's checks."""
    extras = {k: v for k, v in presentation["staffPassport"].items() if k != "jwts"}
    verified = verify_document({**presentation, "staffPassport": extras}, now=now, trust=trust)
    reports = reports_by_id(verified.credentials)
    documents = {c["id"]: c for c in presentation["verifiableCredential"]}
    # The history replays the learner's events: read only when a verdict dates a change.
    changed = dates_a_status_change(reports.values())
    history = services.ledger.status_history(UUID(link.learner_id)) if changed else {}
    return [
        checked_credential(
            card, reports[card.id], history.get(card.id, []), show_reason=link.show_name
        )
        for card in cards(view, documents)
        if card.id in reports
    ]


def _presentation(services: Services, link: ShareLink, view: PassportView) -> dict[str, Any]:
    """The learner's passport file, cut down to what the link shares."""
    bundle = passport_file(services, link.learner_id, utcnow()) or {}
    if link.credential_ids is not None:  # with the endorsements of what it shares
        shared = shared_with_endorsements(link.credential_ids, bundle)
        bundle["verifiableCredential"] = [
            c for c in bundle.get("verifiableCredential", []) if c["id"] in shared
        ]
        extras: dict[str, Any] = bundle.get("staffPassport", {})
        for section in ("statuses", "jwts", "ledger"):
            extras[section] = {k: v for k, v in extras.get(section, {}).items() if k in shared}
    if link.show_name:
        bundle.setdefault("staffPassport", {})["holderName"] = view.name
    return bundle


@router.get("/s/{token}")
def share_page(
    request: Request,
    token: Token,
    services: ServicesDep,
    role: Annotated[str | None, Query(max_length=80)] = None,
    as_of_day: Annotated[str | None, Query(alias="as-of-day", max_length=4)] = None,
    as_of_month: Annotated[str | None, Query(alias="as-of-month", max_length=4)] = None,
    as_of_year: Annotated[str | None, Query(alias="as-of-year", max_length=6)] = None,
    before_day: Annotated[str | None, Query(alias="before-day", max_length=4)] = None,
    before_month: Annotated[str | None, Query(alias="before-month", max_length=4)] = None,
    before_year: Annotated[str | None, Query(alias="before-year", max_length=6)] = None,
    as_of: Annotated[str | None, Query(max_length=10)] = None,
    before: Annotated[str | None, Query(max_length=10)] = None,
) -> Any:
    """What the employer sees: a verdict per credential, and a role check."""
    with services.read_models.one_read():  # some twenty reads: one transaction, not twenty
        return _share_page(
            request,
            token,
            services,
            role,
            ((as_of_day, as_of_month, as_of_year), (before_day, before_month, before_year)),
            (as_of, before),
        )


def _share_page(
    request: Request,
    token: str,
    services: Services,
    role: str | None,
    day_fields: tuple[Parts, Parts],
    days: tuple[str | None, str | None],
) -> Any:
    opened = _open_share(request, services, token)
    if not isinstance(opened, ShareLink):
        return opened
    link = opened
    now = utcnow()
    view = services.views.passport(link.learner_id, now.date())
    if view is None:  # gone since the link was checked
        return error_page(request, 410, "This share link has ended", "It is no longer shared.")
    presentation = _presentation(services, link, view)
    if _wants_json(request):
        return JSONResponse(presentation, headers=PRIVATE)
    trust = own_trust(services, now, Policy(services.settings.verify_policy))
    checked = _checked(services, link, presentation, view, now, trust)
    form = RoleCheckForm.read(
        role,
        day_fields[0],
        day_fields[1],
        days[0],
        days[1],
        [r.id for r in services.catalogue.roles],
    )
    context: dict[str, Any] = {
        "token": token,
        "link": link,
        "name": view.name if link.show_name else None,
        "checked": checked,
        "accredited": checked_accreditations(presentation, now, trust),
        "headline": headline(checked),
        "all_verified": all(c.verified for c in checked),
        "policy": trust.policy.value,
        "roles": services.catalogue.roles,
        "form": form,
        "errors": form.errors or None,
        "share_url": share_url(services, token),
    }
    if form.submitted and not form.errors:
        result = role_check(services, link, form.role, form.as_of or now.date(), form.before)
        context["result"] = explained(services, link, result, checked)
    return page(request, "share.html", context, 422 if form.errors else 200)


@router.get("/s/{token}/qr.svg")
def share_qr(request: Request, token: Token, services: ServicesDep) -> Any:
    """A QR code of the share link, to show on a phone or print."""
    opened = _open_share(request, services, token)
    if not isinstance(opened, ShareLink):
        return opened
    return Response(qr_svg(share_url(services, token)), media_type="image/svg+xml", headers=PRIVATE)


@api.get(
    "/api/v1/shares/{token}/role-check",
    responses={404: {"description": "No such share link"}, 410: {"description": "It ended"}},
)
def role_check_api(
    request: Request,
    token: Token,
    role: Annotated[str, Query(min_length=1, max_length=80, description="A catalogue role id.")],
    services: ServicesDep,
    as_of: Annotated[
        date | None, Query(description="Check as of this day (default today).")
    ] = None,
    expires_before: Annotated[
        date | None, Query(description="Flag what lapses on or before this day.")
    ] = None,
) -> RoleCheck:
    """For onboarding systems: the shared passport checked against a role, as of a day."""
    opened = _open_share(request, services, token)
    if not isinstance(opened, ShareLink):
        return opened  # type: ignore[return-value]
    try:
        return role_check(services, opened, role, as_of or utcnow().date(), expires_before)
    except UnknownRoleError as exc:
        return problem(404, "Not found", str(exc))  # type: ignore[return-value]
    except ValueError as exc:
        return problem(422, "Invalid request", str(exc))  # type: ignore[return-value]


@api.get("/api/v1/roles")
def roles(services: ServicesDep) -> list[dict[str, Any]]:
    """The role catalogue: each role with its requirements."""
    return [json.loads(r.model_dump_json()) for r in services.catalogue.roles]


def _wants_json(request: Request) -> bool:  # a browser's Accept lists both
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept
