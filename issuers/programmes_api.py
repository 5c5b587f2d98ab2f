"""The programme API: an issuer defines programmes built from modules and sees flagged awards."""

from __future__ import annotations

from typing import Annotated, Any, Protocol
from uuid import UUID

from fastapi import APIRouter, Depends, Request, status

from events.application import Ledger
from events.programme import Programme, ProgrammeNotFoundError
from issuers.deps import ActingIssuer
from issuers.programme_schemas import ProgrammeCreate, ProgrammeFlag, ProgrammePublic
from issuers.programmes import define_programme
from projections import programmes
from projections.database import ReadModelDatabase

router = APIRouter(tags=["programmes"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, invalid or expired access token"},
    403: {"description": "The client may not act for this issuer"},
}


class ProgrammeServices(Protocol):
    """What the programme API needs of the composition root."""

    ledger: Ledger
    read_models: ReadModelDatabase

    def settle(self) -> bool:
        """Wait (bounded, no lock) until the read models show what this request recorded."""
        ...


def _services(request: Request) -> ProgrammeServices:
    services: ProgrammeServices = request.app.state.services
    return services


Services = Annotated[ProgrammeServices, Depends(_services)]


def _public(record: programmes.ProgrammeRecord, flags: list[dict[str, str]]) -> ProgrammePublic:
    return ProgrammePublic(
        id=record.programme_id,
        achievement_id=record.achievement_id,
        name=record.name,
        rules=record.rules,
        flags=[ProgrammeFlag.model_validate(f) for f in flags],
    )


@router.post(
    "/api/v1/issuers/{issuer_id}/programmes",
    status_code=status.HTTP_201_CREATED,
    responses={**ERRORS, 422: {"description": "The rules are incoherent or name unknown modules"}},
)
def create_programme(
    issuer_id: ActingIssuer, body: ProgrammeCreate, services: Services
) -> ProgrammePublic:
    """Define a programme: core modules, a choice of optional ones (from a list or a tag), CPD
    hours, a window, variants per professional group and equivalent modules. The ledger awards
    its credential by itself, once, to each learner who meets it; the credential's `evidence`
    names the module credentials it relied on."""
    programme_id = define_programme(services.ledger, issuer_id, body)
    services.settle()
    programme: object = services.ledger.repository.get(programme_id)
    assert isinstance(programme, Programme)
    return ProgrammePublic(
        id=str(programme_id),
        achievement_id=programme.achievement_id,
        name=programme.name,
        rules=programme.rules,
    )


@router.get("/api/v1/issuers/{issuer_id}/programmes", responses=ERRORS)
def list_programmes(issuer_id: ActingIssuer, services: Services) -> list[ProgrammePublic]:
    """The issuer's programmes, each with its flagged awards."""
    with services.read_models.read() as tx:
        records = programmes.issuer_programmes(tx, str(issuer_id))
        return [_public(r, programmes.flags(tx, r.programme_id)) for r in records]


@router.get(
    "/api/v1/issuers/{issuer_id}/programmes/{programme_id}",
    responses={**ERRORS, 404: {"description": "No such programme for this issuer"}},
)
def read_programme(
    issuer_id: ActingIssuer, programme_id: UUID, services: Services
) -> ProgrammePublic:
    """One programme and its flagged awards: awards whose module credential was revoked, for
    the issuer to review (the ledger never revokes a programme award by itself)."""
    with services.read_models.read() as tx:
        record = programmes.programme(tx, str(programme_id))
        if record is None or record.issuer_id != str(issuer_id):
            raise ProgrammeNotFoundError(programme_id)
        return _public(record, programmes.flags(tx, record.programme_id))
