"""The public catalogue, `/catalogue`: academies' programmes and achievements with what backs them.

Each achievement shows its academy, what it aligns to, its CPD hours, who accredits it, and how
the learners who hold it rate it (with the newest reviews, under pseudonyms). HTML for people,
JSON for `Accept: application/json`. A page reads a bounded number of rows by key.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from passport.registry import own_trust
from passport.reviewing import latest_reviews
from passport.services import Services, utcnow
from passport.web.accreditation import is_accreditation
from passport.web.catalogue_programmes import programmes_page
from passport.web.deps import ServicesDep
from passport.web.html import page
from projections.catalogue import Catalogue, CatalogueEntry
from projections.endorsements import Endorsements, issuer_target
from projections.reviews import RatingSummary, Reviews

router = APIRouter(include_in_schema=False)
REVIEWS_SHOWN = 2
CACHE = {"Cache-Control": "public, max-age=60"}


def _entry(
    services: Services, e: CatalogueEntry, endorsers: list[str], rating: RatingSummary | None
) -> dict[str, Any]:
    reviews = latest_reviews(services, e.achievement_id, REVIEWS_SHOWN) if rating else []
    return {
        "id": e.achievement_id,
        "name": e.name,
        "issuer": e.issuer_name,
        "kind": e.kind,
        "description": e.description,
        "alignment": e.alignment,
        "cpdHours": e.cpd_hours,
        "refresherMonths": e.refresher_months,
        "accreditedBy": endorsers,
        "rating": ({"average": rating.average, "reviews": rating.reviews} if rating else None),
        "reviews": [
            {
                "reviewer": r.pseudonym,
                "verifiedLearner": True,
                "rating": r.rating,
                "text": r.text,
                "edited": r.edited,
                "reply": r.reply,
            }
            for r in reviews
        ],
    }


def catalogue_page(
    services: Services,
    after: tuple[str, str] | None,
    programmes_after: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """One page of the catalogue as JSON-ready data."""
    programmes, programmes_next = programmes_page(services, programmes_after)
    entries, more = Catalogue(services.read_models).page(after)
    ids = [e.achievement_id for e in entries]
    found = Endorsements(services.read_models).of(
        ids + [issuer_target(e.issuer_id) for e in entries]
    )
    endorsers: dict[str, list[str]] = {}
    trust = own_trust(services, utcnow())
    for endorsement in found:  # "accredited by": recognised accrediting bodies only
        if not is_accreditation(trust, endorsement.credential):
            continue
        names = endorsers.setdefault(endorsement.target, [])
        if endorsement.endorser_name not in names:
            names.append(endorsement.endorser_name)
    ratings = Reviews(services.read_models).summaries(ids)
    achievements = [
        _entry(
            services,
            e,
            endorsers.get(e.achievement_id, []) + endorsers.get(issuer_target(e.issuer_id), []),
            ratings.get(e.achievement_id),
        )
        for e in entries
    ]
    last = entries[-1] if entries and more else None
    return {
        "achievements": achievements,
        "programmes": programmes,
        "programmesNext": programmes_next,
        "next": (
            "/catalogue?" + urlencode({"after": last.name, "after_id": last.achievement_id})
            if last
            else None
        ),
    }


@router.get("/catalogue")
def catalogue(
    request: Request,
    services: ServicesDep,
    after: Annotated[str | None, Query(max_length=500)] = None,
    after_id: Annotated[str | None, Query(max_length=100)] = None,
    programmes_after: Annotated[str | None, Query(max_length=500)] = None,
    programmes_after_id: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """The catalogue: HTML for people, JSON for `Accept: application/json`."""
    cursor = (after, after_id) if after is not None and after_id is not None else None
    programmes = (
        (programmes_after, programmes_after_id)
        if programmes_after is not None and programmes_after_id is not None
        else None
    )
    data = catalogue_page(services, cursor, programmes)
    accept = request.headers.get("accept", "")
    if "application/json" in accept and "text/html" not in accept:
        return JSONResponse(data, headers=CACHE)
    return page(request, "catalogue.html", data)
