"""The issuer registry over HTTP: the published, signed document (public, cacheable, by
version) and the operator's admin API to recognise, align, recognise as an accrediting body,
suspend and derecognise."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Response
from pydantic import Field

from issuers.deps import Operator
from issuers.schemas import ApiModel
from passport import registry
from passport.registry import WELL_KNOWN_PATH
from passport.services import utcnow
from passport.web.deps import ServicesDep
from passport.web.problems import problem
from passport.web.public import NOT_FOUND, _cacheable
from verifier.timestamps import xsd_datetime

router = APIRouter(tags=["issuer registry"])
REGISTRY_MEDIA_TYPE = "application/vc+ld+json"
ADMIN_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, invalid or expired access token"},
    403: {"description": "Only the ledger operator may change the registry"},
    404: {"description": "The DID is not in the registry"},
    409: {"description": "The change is not allowed by the entity's history"},
}
Moment = Annotated[
    str, Field(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
]


@router.get(WELL_KNOWN_PATH)
def current_registry(
    services: ServicesDep, if_none_match: Annotated[str | None, Header()] = None
) -> Response:
    """The registry as it stands: a Verifiable Credential signed by the registry key."""
    document = registry.served_registry(services, utcnow())
    return _cacheable(document, REGISTRY_MEDIA_TYPE, if_none_match, 60)


@router.get("/registry/{version}", responses=NOT_FOUND)
def registry_version(
    version: Annotated[int, Path(ge=1, le=2**53)],
    services: ServicesDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """One published version of the registry, as it was signed (never changes)."""
    document = registry.registry_version(services, version)
    if document is None:
        return problem(404, "Not found", f"registry version {version} was never published")
    return _cacheable(document, REGISTRY_MEDIA_TYPE, if_none_match, 86_400)


class RegistryKeyIn(ApiModel):
    """A key the entity signs with: its verification method id and Multikey."""

    id: str = Field(max_length=500)
    public_key_multibase: str = Field(max_length=200)


class RecognitionIn(ApiModel):
    """An entity to recognise."""

    did: str = Field(min_length=8, max_length=500, pattern=r"^did:[a-z0-9]+:.+")
    name: str = Field(min_length=1, max_length=200)
    url: str | None = Field(None, max_length=500)
    role: Literal["issuer", "accreditor"] = "issuer"
    recognised_from: Moment | None = None
    keys: list[RegistryKeyIn] = Field(default_factory=list, max_length=50)
    accredited_by: list[str] = Field(default_factory=list, max_length=20)


class AlignmentIn(ApiModel):
    """What an entity is recognised to issue, from when."""

    achievement_type: str | None = Field(None, max_length=100)
    subject: str | None = Field(None, max_length=100)
    start: Moment = Field(alias="from")
    until: Moment | None = None


class AccreditingIn(ApiModel):
    """From when (default now) and until when (default: for good) the entity is a recognised
    accrediting body."""

    start: Moment | None = Field(None, alias="from")
    until: Moment | None = None


class SuspensionIn(ApiModel):
    """A suspension from a moment (until another, or until reinstated)."""

    start: Moment | None = Field(None, alias="from")
    until: Moment | None = None


class DerecognitionIn(ApiModel):
    """From when the entity is no longer recognised."""

    at: Moment | None = None


class RegistryChanged(ApiModel):
    """The registry version after the change."""

    did: str
    version: int


def _changed(services: Any, did: str) -> RegistryChanged:
    return RegistryChanged(did=did, version=registry.current_version(services))


@router.post("/api/v1/admin/registry/entities", responses=ADMIN_ERRORS, status_code=201)
def recognise(body: RecognitionIn, services: ServicesDep, _: Operator) -> RegistryChanged:
    """Recognise an issuer or accrediting body (operator only)."""
    at = body.recognised_from or xsd_datetime(utcnow())
    keys = [
        {"id": k.id, "publicKeyMultibase": k.public_key_multibase, "validFrom": at}
        for k in body.keys
    ]
    registry.recognise(
        services,
        body.did,
        body.name,
        url=body.url,
        role=body.role,
        at=at,
        keys=keys,
        accredited_by=body.accredited_by,
    )
    return _changed(services, body.did)


@router.post("/api/v1/admin/registry/entities/{did}/alignments", responses=ADMIN_ERRORS)
def align(did: str, body: AlignmentIn, services: ServicesDep, _: Operator) -> RegistryChanged:
    """Align an entity for a kind of achievement and/or a subject (operator only)."""
    registry.align(
        services,
        did,
        achievement_type=body.achievement_type,
        subject=body.subject,
        start=body.start,
        until=body.until,
    )
    return _changed(services, did)


@router.post("/api/v1/admin/registry/entities/{did}/accrediting", responses=ADMIN_ERRORS)
def accredit(did: str, body: AccreditingIn, services: ServicesDep, _: Operator) -> RegistryChanged:
    """Recognise an entity as an accrediting body (operator only): from then on it may endorse
    through the issuer API, and pages say "Accredited by" for its endorsements."""
    registry.accredit(services, did, start=body.start or xsd_datetime(utcnow()), until=body.until)
    return _changed(services, did)


@router.post("/api/v1/admin/registry/entities/{did}/suspension", responses=ADMIN_ERRORS)
def suspend(did: str, body: SuspensionIn, services: ServicesDep, _: Operator) -> RegistryChanged:
    """Suspend an entity's recognition (operator only)."""
    registry.suspend(services, did, body.start or xsd_datetime(utcnow()), body.until)
    return _changed(services, did)


@router.post("/api/v1/admin/registry/entities/{did}/reinstatement", responses=ADMIN_ERRORS)
def reinstate(did: str, services: ServicesDep, _: Operator) -> RegistryChanged:
    """End an entity's open suspension now (operator only)."""
    registry.reinstate(services, did, xsd_datetime(utcnow()))
    return _changed(services, did)


@router.post("/api/v1/admin/registry/entities/{did}/derecognition", responses=ADMIN_ERRORS)
def derecognise(
    did: str, body: DerecognitionIn, services: ServicesDep, _: Operator
) -> RegistryChanged:
    """Stop recognising an entity (operator only); what it issued before stays recognised."""
    registry.derecognise(services, did, body.at or xsd_datetime(utcnow()))
    return _changed(services, did)
