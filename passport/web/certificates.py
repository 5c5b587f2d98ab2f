"""Download routes for certificates: printable PDFs and baked badge images, for the learner
(`/me/{token}/certificates/…`) and for an employer (`/s/{token}/certificates/…`, only what the
share includes). Reading only: a download writes nothing, not even the share's opening."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from passport.certificates.badges import badge_png, badge_svg
from passport.certificates.pdf import (
    Attachment,
    credential_certificate,
    file_stem,
    passport_certificate,
)
from passport.publishing import passport_file
from passport.services import Services, utcnow
from passport.sharing import ShareLink
from passport.web.accreditation import endorsement_links
from passport.web.cards import LinkedLearner, NoSuchLinkError, Token
from passport.web.deps import ServicesDep
from passport.web.employer_pages import _open_share, _presentation
from passport.web.html import PRIVATE
from projections.views import CredentialSummary, PassportView

router = APIRouter(include_in_schema=False)
Slug = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]
Form = Annotated[str, Path(pattern=r"^(pdf|png|svg)$")]
MEDIA_TYPES = {"pdf": "application/pdf", "png": "image/png", "svg": "image/svg+xml"}


@router.get("/me/{token}/certificates/passport.pdf")
def learner_passport_pdf(services: ServicesDep, learner_id: LinkedLearner) -> Response:
    """The learner's whole passport, printable, carrying the passport file."""
    view = _view(services, learner_id)
    bundle = passport_file(services, learner_id, utcnow())
    if not bundle:
        raise NoSuchLinkError
    return _passport_pdf(view, view.name, bundle, None)


@router.get("/me/{token}/certificates/{slug}.{form}")
def learner_certificate(
    slug: Slug, form: Form, services: ServicesDep, learner_id: LinkedLearner
) -> Response:
    """One of the learner's credentials as a PDF certificate or a baked PNG or SVG badge."""
    record = services.views.credential(f"urn:uuid:{slug}")
    if record is None or record["learner_id"] != learner_id:
        raise NoSuchLinkError
    view = _view(services, learner_id)
    summary = _summary(view, record["credential"]["id"])
    if summary is None:
        raise NoSuchLinkError
    # the public check of this credential: the learner's own link must never be printed
    check = f"{services.settings.base_url.rstrip('/')}/c/{slug}"
    bundle = passport_file(services, learner_id, utcnow()) or {}
    carried = one_credential(bundle, summary.id, None)
    return _credential_file(form, summary, view.name, record["credential"], carried, check)


@router.get("/s/{token}/certificates/passport.pdf")
def shared_passport_pdf(request: Request, token: Token, services: ServicesDep) -> Response:
    """What the share includes, printable, carrying the same cut-down passport file the share
    link serves to programs."""
    opened = _open_share(request, services, token)
    if not isinstance(opened, ShareLink):
        return opened
    view = _view(services, opened.learner_id)
    presentation = _presentation(services, opened, view)
    shown = [c for c in view.credentials if _shared(opened, c.id)]
    name = view.name if opened.show_name else None
    url = f"{services.settings.base_url.rstrip('/')}/s/{token}"
    return _passport_pdf(view.model_copy(update={"credentials": shown}), name, presentation, url)


@router.get("/s/{token}/certificates/{slug}.{form}")
def shared_certificate(
    request: Request, token: Token, slug: Slug, form: Form, services: ServicesDep
) -> Response:
    """One shared credential as a PDF certificate or baked badge; any other is not found."""
    opened = _open_share(request, services, token)
    if not isinstance(opened, ShareLink):
        return opened
    record = services.views.credential(f"urn:uuid:{slug}")
    view = _view(services, opened.learner_id)
    summary = _summary(view, f"urn:uuid:{slug}")
    if (
        record is None
        or summary is None
        or record["learner_id"] != opened.learner_id
        or not _shared(opened, summary.id)
    ):
        # answered exactly as an unknown link is, so a share reveals nothing it does not include
        return _open_share(request, services, "")  # type: ignore[return-value]
    url = f"{services.settings.base_url.rstrip('/')}/s/{token}#c-{slug}"
    name = view.name if opened.show_name else None
    carried = one_credential(_presentation(services, opened, view), summary.id, name)
    return _credential_file(form, summary, name, record["credential"], carried, url)


def _view(services: Services, learner_id: str) -> PassportView:
    view = services.views.passport(learner_id, utcnow().date())
    if view is None or view.erased:
        raise NoSuchLinkError
    return view


def _summary(view: PassportView, credential_id: str) -> CredentialSummary | None:
    return next((c for c in view.credentials if c.id == credential_id), None)


def _shared(link: ShareLink, credential_id: str) -> bool:
    return link.credential_ids is None or credential_id in link.credential_ids


def _credential_file(
    form: str,
    summary: CredentialSummary,
    holder: str | None,
    credential: dict[str, Any],
    carried: dict[str, Any],
    verify_url: str,
) -> Response:
    """A badge bakes the bare credential (OB 3.0 §5.3); a PDF carries it as a passport file
    of that one credential, with its status and ledger proof, so it verifies offline."""
    stem = file_stem(summary.name, summary.valid_from[:10])
    if form == "png":
        body = badge_png(summary.name, credential)
    elif form == "svg":
        body = badge_svg(summary.name, credential)
    else:
        attachment = Attachment(
            f"{stem}.json",
            json.dumps(carried, ensure_ascii=False, indent=1).encode("utf-8"),
            f"The signed credential with its proofs: {summary.name}",
        )
        body = credential_certificate(summary, holder, attachment, verify_url, utcnow().date())
    return _download(body, form, f"{stem}.{form}")


def one_credential(
    bundle: dict[str, Any], credential_id: str, holder: str | None
) -> dict[str, Any]:
    """The passport file cut down to one credential and what it needs to verify offline."""
    extras = dict(bundle.get("staffPassport", {}))
    links = endorsement_links(bundle, (credential_id,))  # with the endorsements backing it
    keep = {credential_id} | {e for ids in links.values() for e in ids}
    for section in ("statuses", "jwts", "ledger"):
        extras[section] = {k: v for k, v in extras.get(section, {}).items() if k in keep}
    if "endorsements" in extras:
        extras["endorsements"] = links
    extras.pop("holderName", None)
    if holder:
        extras["holderName"] = holder
    held = [c for c in bundle.get("verifiableCredential", []) if c.get("id") in keep]
    return {**bundle, "verifiableCredential": held, "staffPassport": extras}


def _passport_pdf(
    view: PassportView, holder: str | None, bundle: dict[str, Any], verify_url: str | None
) -> Response:
    today = utcnow().date()
    stem = file_stem("Staff Passport", holder or "shared", today.isoformat())
    carried = Attachment(
        f"{stem}.json",
        json.dumps(bundle, ensure_ascii=False, indent=1).encode("utf-8"),
        "The passport file: every credential with its proofs",
    )
    body = passport_certificate(view.credentials, holder, carried, verify_url, today)
    return _download(body, "pdf", f"{stem}.pdf")


def _download(body: bytes, form: str, filename: str) -> Response:
    headers = {**PRIVATE, "Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(body, media_type=MEDIA_TYPES[form], headers=headers)
