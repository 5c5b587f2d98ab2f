"""The people-facing pages: the learner's passport and the employer's view of a share link.

Server-rendered (Jinja2), readable without script. A learner is known by their personal link
(`/me/{token}`): `learner_from_link` is the one place that turns a request into a learner, so
signing in with an organisation's OpenID Connect provider can later resolve the same learner id
from a session instead. An employer needs only the share link (`/s/{token}`); the same address
answers `Accept: application/json` with a Verifiable Presentation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from passport.compliance import (
    HeldCredential,
    RoleCheck,
    UnknownRoleError,
    check_role,
    revalidation_progress,
)
from passport.erasure import erase_learner
from passport.publishing import passport_file
from passport.registry import own_trust
from passport.services import Services, utcnow
from passport.sharing import DEFAULT_SHARE_DAYS, MAX_SHARE_DAYS, ShareLink, ShareState
from passport.web.deps import ServicesDep
from passport.web.graphics import cpd_chart, qr_svg
from passport.web.html import PRIVATE, error_page, page
from passport.web.problems import problem
from projections.views import PassportView
from verifier import CredentialReport, Outcome, Policy, Trust, verify_document

router = APIRouter(include_in_schema=False)
api = APIRouter(tags=["share links"])
# Any text: a malformed token is just one more link that leads nowhere (the not-found page).
Token = Annotated[str, Path(description="The personal or share link's token.")]
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")
STATUS_WORDS = {
    "valid": "Valid",
    "expiring": "Expiring soon",
    "expired": "Expired",
    "suspended": "Suspended",
    "revoked": "Revoked",
}
OUTCOME_WORDS = {
    "passed": "Passed",
    "failed": "Failed",
    "unknown": "Could not check",
    "not_applicable": "Does not apply",
}
STATE_WORDS = {
    "met": "Met",
    "expires_before": "Met, but lapses before your date",
    "met_by_unrecognised_issuer": "Met only by an issuer you do not accept",
    "missing": "Missing",
}


def learner_from_link(services: Services, token: str) -> str | None:
    """The learner a personal link belongs to (None if no current link has this token)."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    return services.sharing.learner_for(token)


class NoSuchLinkError(Exception):
    """The personal link (or what it names) leads nowhere: answered with the 404 page."""


def _linked_learner(token: Token, services: ServicesDep) -> str:
    learner_id = learner_from_link(services, token)
    if learner_id is None:
        raise NoSuchLinkError
    return learner_id


LinkedLearner = Annotated[str, Depends(_linked_learner)]


# The learner's side


@dataclass(frozen=True)
class CredentialCard:
    """One credential as a page shows it."""

    id: str
    slug: str
    name: str
    kind: str
    issuer: str
    valid_from: str
    valid_until: str | None
    status: str
    status_words: str
    reason: str | None
    counts_for: list[str]
    credits: float | None


def _documents(services: Services, learner_id: str) -> dict[str, dict[str, Any]]:
    """The learner's signed credentials by id."""
    return {c["id"]: c for c, _, _, _ in services.views.credentials_of(learner_id)}


def _cards(view: PassportView, documents: Mapping[str, Mapping[str, Any]]) -> list[CredentialCard]:
    cards = []
    for c in view.credentials:
        achievement = documents.get(c.id, {}).get("credentialSubject", {}).get("achievement", {})
        aligned = [a.get("targetName") for a in achievement.get("alignment") or []]
        counts_for = [str(a) for a in aligned if a] or [
            str(f) for f in [achievement.get("fieldOfStudy")] if f
        ]
        cards.append(
            CredentialCard(
                id=c.id,
                slug=c.id.removeprefix("urn:uuid:"),
                name=c.name,
                kind=c.kind,
                issuer=c.issuer_name,
                valid_from=c.valid_from[:10],
                valid_until=c.valid_until[:10] if c.valid_until else None,
                status=c.status,
                status_words=STATUS_WORDS.get(c.status, c.status),
                reason=c.status_reason,
                counts_for=counts_for,
                credits=c.credits,
            )
        )
    order = {cid: n for n, cid in enumerate(view.expiring_soon)}
    return sorted(cards, key=lambda card: (card.id not in order, order.get(card.id, 0)))


def held_credentials(
    services: Services,
    learner_id: str,
    documents: Mapping[str, Mapping[str, Any]],
    only: tuple[str, ...] | None = None,
) -> list[HeldCredential]:
    """The learner's credentials with their status history, replayed from the log."""
    history = services.ledger.status_history(UUID(learner_id))
    held = []
    for credential in documents.values():
        if only is not None and credential["id"] not in only:
            continue
        changes = history.get(credential["id"])
        issuer = credential.get("issuer", {})
        issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
        if changes and isinstance(issuer_id, str):
            held.append(
                HeldCredential(
                    credential=dict(credential), issuer_id=issuer_id, status_history=changes
                )
            )
    return held


def _learner_page(
    request: Request,
    services: Services,
    token: str,
    learner_id: str,
    *,
    revalidation: date | None = None,
    status: int = 200,
    **extra: Any,
) -> Response:
    """The learner's passport page (with `extra` in its context), or the no-such-link page."""
    services.projections.catch_up()
    today = utcnow().date()
    view = services.views.passport(learner_id, today)
    if view is None or view.erased:
        return _no_such_link(request)
    documents = _documents(services, learner_id)
    cards = _cards(view, documents)
    cycle = revalidation_progress(
        held_credentials(services, learner_id, documents),
        revalidation_date=revalidation or today,
        as_of=today,
    )
    context = {
        "token": token,
        "view": view,
        "cards": cards,
        "expiring": [c for c in cards if c.status == "expiring"],
        "chart": cpd_chart(view.cpd_credits_by_year),
        "cycle": cycle,
        "revalidation": (revalidation or today).isoformat(),
        "shares": services.sharing.shares_of(learner_id),
        "now": utcnow(),
        "default_days": DEFAULT_SHARE_DAYS,
        "max_days": MAX_SHARE_DAYS,
        "base_url": services.settings.base_url.rstrip("/"),
        **extra,
    }
    return page(request, "passport.html", context, status)


def no_such_link(request: Request, _: Exception) -> Response:
    """The page for a personal link that leads nowhere (the app's handler of `NoSuchLinkError`)."""
    return _no_such_link(request)


def _no_such_link(request: Request) -> Response:
    return error_page(
        request,
        404,
        "This link does not work",
        "This personal link is not (or no longer) a way into a passport.",
        "If you replaced your link, use the newest one. If you have lost it, ask the academy "
        "that trained you to send you a new one.",
    )


@router.get("/me/{token}", response_class=HTMLResponse)
def learner_page(
    request: Request,
    token: Token,
    services: ServicesDep,
    learner_id: LinkedLearner,
    revalidation: Annotated[date | None, Query()] = None,
) -> Any:
    """The learner's whole passport."""
    return _learner_page(request, services, token, learner_id, revalidation=revalidation)


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
    disposition = {"Content-Disposition": f'attachment; filename="{slug}.{form}"'}
    if form == "jwt":
        return Response(
            record["jwt"], media_type="application/vc+jwt", headers={**PRIVATE, **disposition}
        )
    return JSONResponse(record["credential"], headers={**PRIVATE, **disposition})


@router.post("/me/{token}/shares", response_class=HTMLResponse)
def create_share(
    request: Request,
    token: Token,
    services: ServicesDep,
    learner_id: LinkedLearner,
    credential: Annotated[list[str] | None, Form()] = None,
    days: Annotated[int, Form(ge=1, le=MAX_SHARE_DAYS)] = DEFAULT_SHARE_DAYS,
    note: Annotated[str, Form(max_length=500)] = "",
    show_name: Annotated[str | None, Form()] = None,
    everything: Annotated[str | None, Form()] = None,
) -> Any:
    """Make a share link: every credential or the chosen ones, an expiry, a note."""
    held = _documents(services, learner_id)
    chosen = None if everything else tuple(c for c in credential or [] if c in held)
    if chosen is not None and not chosen:
        return _learner_page(
            request,
            services,
            token,
            learner_id,
            status=422,
            share_error="Choose at least one credential to share, or share them all.",
        )
    share_token, link = services.sharing.create_share(
        learner_id,
        utcnow(),
        credential_ids=chosen,
        days=days,
        note=note.strip() or None,
        show_name=show_name is not None,
    )
    new_share = {"url": _share_url(services, share_token), "link": link}
    return _learner_page(request, services, token, learner_id, status=201, new_share=new_share)


@router.post("/me/{token}/shares/{share_id}/revoke")
def revoke_share(
    token: Token,
    share_id: Annotated[str, Path(max_length=40)],
    services: ServicesDep,
    learner_id: LinkedLearner,
) -> Any:
    """Stop a share link from opening."""
    if not services.sharing.revoke_share(learner_id, share_id, utcnow()):
        raise NoSuchLinkError
    return RedirectResponse(f"/me/{token}#shares", status_code=303, headers=PRIVATE)


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
    services.projections.catch_up()
    view = services.views.passport(learner_id, utcnow().date())
    if view is None or view.erased:
        return _no_such_link(request)
    now = utcnow()
    active = [
        s for s in services.sharing.shares_of(learner_id) if s.state(now) is ShareState.ACTIVE
    ]
    context = {"token": token, "name": view.name, "shares": len(active), "erase_error": error}
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
            "Tick the box to confirm that you want your details erased.",
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


# The employer's side


def _share_url(services: Services, token: str) -> str:
    return f"{services.settings.base_url.rstrip('/')}/s/{token}"


def _open_share(request: Request, services: Services, token: str) -> ShareLink | Any:
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
    when = (link.revoked_at or link.expires_at).strftime("%d %B %Y")
    message = {
        ShareState.REVOKED: f"The person who shared this passport withdrew the link on {when}.",
        ShareState.EXPIRED: f"This share link expired on {when}.",
    }.get(state, "This passport is no longer shared.")
    return error_page(
        request, 410, "This share link has ended", message, "Ask them for a new link."
    )


@dataclass(frozen=True)
class CheckedCredential:
    """A shared credential with the verifier's named checks."""

    card: CredentialCard
    verified: bool
    checks: list[dict[str, str]]
    who: str = ""


def _checked(
    presentation: Mapping[str, Any], view: PassportView, now: datetime, trust: Trust
) -> list[CheckedCredential]:
    """Each shared credential verified as the employer's own verifier would verify the
    presentation: offline, from what it carries (keys, status lists, ledger proofs). The JWT
    twins it also carries are left out: the page shows the JSON form's checks."""
    extras = {k: v for k, v in presentation["staffPassport"].items() if k != "jwts"}
    verified = verify_document({**presentation, "staffPassport": extras}, now=now, trust=trust)
    reports = {report.credential_id: report for report in verified.credentials}
    documents = {c["id"]: c for c in presentation["verifiableCredential"]}
    checked = []
    for card in _cards(view, documents):
        report = reports.get(card.id)
        if report is None:
            continue
        checks = [
            {
                "name": c.name,
                "outcome": c.outcome.value,
                "words": OUTCOME_WORDS.get(c.outcome.value, c.outcome.value),
                "reason": c.reason,
            }
            for c in report.checks
        ]
        checked.append(CheckedCredential(card, report.verified, checks, _who(report)))
    return checked


def _who(report: CredentialReport) -> str:
    """Who issued the credential, in the words an employer reads."""
    issuer = report.check("issuer")
    if issuer.outcome is Outcome.PASSED:
        return f"{issuer.reason[:1].upper()}{issuer.reason[1:]}."
    return f"We cannot tell who issued this: {issuer.reason}."


def _role_check(
    services: Services, link: ShareLink, role: str, as_of: date, before: date | None
) -> RoleCheck:
    documents = _documents(services, link.learner_id)
    held = held_credentials(services, link.learner_id, documents, link.credential_ids)
    return check_role(
        services.catalogue,
        role,
        services.recognition,
        held,
        as_of=as_of,
        expires_before=before,
        aligned=own_trust(services, utcnow()).aligned_for,
    )


def _presentation(services: Services, link: ShareLink, view: PassportView) -> dict[str, Any]:
    """The learner's passport file, cut down to what the link shares."""
    bundle = passport_file(services, link.learner_id, utcnow()) or {}
    shared = link.credential_ids
    if shared is not None:
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
    as_of: Annotated[str | None, Query(max_length=10)] = None,
    before: Annotated[str | None, Query(max_length=10)] = None,
) -> Any:
    """What the employer sees: each credential with its checks, and a role check."""
    opened = _open_share(request, services, token)
    if not isinstance(opened, ShareLink):
        return opened
    link = opened
    now = utcnow()
    services.sharing.record_opening(link.id, now)
    services.projections.catch_up()
    view = services.views.passport(link.learner_id, now.date())
    if view is None:  # gone since the link was checked
        return error_page(request, 410, "This share link has ended", "It is no longer shared.")
    presentation = _presentation(services, link, view)
    if _wants_json(request):
        return JSONResponse(presentation, headers=PRIVATE)
    trust = own_trust(services, now, Policy(services.settings.verify_policy))
    checked = _checked(presentation, view, now, trust)
    context: dict[str, Any] = {
        "token": token,
        "link": link,
        "name": view.name if link.show_name else None,
        "checked": checked,
        "all_verified": all(c.verified for c in checked),
        "policy": trust.policy.value,
        "roles": services.catalogue.roles,
        "role": role or "",
        "as_of": as_of or "",
        "before": before or "",
        "states": STATE_WORDS,
        "share_url": _share_url(services, token),
    }
    if role:
        try:
            context["result"] = _role_check(
                services, link, role, _day(as_of) or utcnow().date(), _day(before)
            )
        except (UnknownRoleError, ValueError) as exc:
            context["role_error"] = str(exc)
    return page(request, "share.html", context, 422 if "role_error" in context else 200)


@router.get("/s/{token}/qr.svg")
def share_qr(request: Request, token: Token, services: ServicesDep) -> Any:
    """A QR code of the share link, to show on a phone or print."""
    opened = _open_share(request, services, token)
    if not isinstance(opened, ShareLink):
        return opened
    return Response(
        qr_svg(_share_url(services, token)), media_type="image/svg+xml", headers=PRIVATE
    )


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
        return opened  # type: ignore[no-any-return]
    services.projections.catch_up()
    try:
        return _role_check(services, opened, role, as_of or utcnow().date(), expires_before)
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


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD)") from None
