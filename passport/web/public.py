"""Public, cacheable documents: issuers' did:web DID documents and their signed status lists."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request, Response

from passport.publishing import issuer_did_document, status_list
from passport.services import Services
from passport.web.problems import problem

router = APIRouter(tags=["public documents"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such document"}}
Slug = Annotated[str, Path(pattern=r"^[a-z0-9-]{1,60}$")]


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _cacheable(
    document: dict[str, Any], media_type: str, if_none_match: str | None, max_age: int
) -> Response:
    body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    if if_none_match == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


@router.get("/issuers/{slug}/did.json", responses=NOT_FOUND)
def did_json(
    slug: Slug,
    services: Annotated[Services, Depends(_services)],
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The issuer's did:web DID document: its current and retired keys as Multikey."""
    services.projections.catch_up()
    document = issuer_did_document(services, slug)
    if document is None:
        return problem(404, "Not found", f"no issuer {slug}")
    return _cacheable(document, "application/did+json", if_none_match, 300)


@router.get("/status/{slug}/{purpose}/{list_no}", responses=NOT_FOUND)
def status_list_credential(
    slug: Slug,
    purpose: str,
    list_no: Annotated[int, Path(ge=1, le=1_000_000)],
    services: Annotated[Services, Depends(_services)],
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """A signed W3C `BitstringStatusListCredential` (revocation or suspension)."""
    services.projections.catch_up()
    document = status_list(services, slug, purpose, list_no)
    if document is None:
        return problem(404, "Not found", f"no {purpose} status list {list_no} for {slug}")
    return _cacheable(document, "application/vc+ld+json", if_none_match, 60)
