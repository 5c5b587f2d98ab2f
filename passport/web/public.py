"""Public documents: issuers' DID documents, status lists, the log's checkpoints and proofs."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from issuers.status_list import status_meanings
from passport.log import (
    credential_digest,
    holds_credential,
    inclusion_for_credential,
    latest_checkpoint,
    verifier_keys,
)
from passport.publishing import issuer_did_document, status_list
from passport.services import Services
from passport.web.deps import ServicesDep
from passport.web.problems import problem
from projections.merkle_log import MerkleLog

router = APIRouter(tags=["public documents"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such document"}}
Slug = Annotated[str, Path(pattern=r"^[a-z0-9-]{1,60}$")]


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
    services: ServicesDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The issuer's did:web DID document: its current and retired keys as Multikey."""
    document = issuer_did_document(services, slug)
    if document is None:
        return problem(404, "Not found", f"no issuer {slug}")
    return _cacheable(document, "application/did+json", if_none_match, 300)


@router.get("/status/meanings")
def status_meanings_document(
    services: ServicesDep, if_none_match: Annotated[str | None, Header()] = None
) -> Response:
    """What each value of our status entries means (their `statusReference`)."""
    document = status_meanings(services.awarding.status_reference_url())
    return _cacheable(document, "application/json", if_none_match, 86400)


@router.get("/status/{slug}/{purpose}/{list_no}", responses=NOT_FOUND)
def status_list_credential(
    slug: Slug,
    purpose: str,
    list_no: Annotated[int, Path(ge=1, le=1_000_000)],
    services: ServicesDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """A signed W3C `BitstringStatusListCredential`: `message` (two bits a credential: valid,
    revoked, suspended), or the `revocation` and `suspension` lists of earlier credentials."""
    document = status_list(services, slug, purpose, list_no)
    if document is None:
        return problem(404, "Not found", f"no {purpose} status list {list_no} for {slug}")
    return _cacheable(document, "application/vc+ld+json", if_none_match, 60)


@router.get(
    "/log/checkpoint",
    response_class=PlainTextResponse,
    responses={404: {"description": "No checkpoint has been signed yet"}},
)
def checkpoint(services: ServicesDep) -> Response:
    """The latest signed checkpoint (C2SP tlog-checkpoint). Reading it signs nothing: the
    server signs on its schedule, and `passport log checkpoint` on demand."""
    note = latest_checkpoint(services)
    if note is None:
        return problem(
            404,
            "No checkpoint yet",
            "the log has no signed checkpoint yet: the server signs one every "
            "PASSPORT_CHECKPOINT_INTERVAL seconds, or run `passport log checkpoint`",
        )
    return PlainTextResponse(note, headers={"Cache-Control": "public, max-age=10"})


@router.get("/log/key", response_class=PlainTextResponse)
def log_keys(services: ServicesDep) -> PlainTextResponse:
    """The ledger's note verifier keys (`name+keyhash+key`), one a line, oldest first."""
    return PlainTextResponse("".join(f"{key}\n" for key in verifier_keys(services)))


InclusionEvent = Annotated[
    Literal["issued", "status"],
    Query(description="`issued`: the issuing event; `status`: its latest status change."),
]
NOT_YET_SIGNED: dict[int | str, dict[str, Any]] = {
    409: {"description": "Recorded, but in no signed checkpoint yet: ask again after Retry-After"}
}
HOLDER_ONLY: dict[int | str, dict[str, Any]] = {
    403: {"description": "The credential offered is not the one recorded"}
}

NOT_HELD = (
    "the credential offered is not the one the ledger recorded under this id; "
    "leave it out to receive the leaf hash and its proof alone"
)


class HeldCredential(BaseModel):
    """A credential its holder shows, to receive its log entry with the inclusion proof."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    credential: dict[str, Any] | Annotated[str, StringConstraints(max_length=200_000)] = Field(
        description="The credential as issued: the JSON document, or its `vc+jwt` text."
    )
    tree_size: Annotated[int | None, Field(alias="treeSize", ge=1)] = None
    event: Literal["issued", "status"] = "issued"


def _inclusion(
    services: Services,
    credential_id: str,
    tree_size: int | None,
    event: str,
    with_entry: bool,
) -> Response:
    proof = inclusion_for_credential(
        services, credential_id, tree_size, latest_status=event == "status", with_entry=with_entry
    )
    if proof is None:
        if event == "status" and MerkleLog(services.read_models).leaf_of_credential(credential_id):
            return problem(404, "Not found", f"credential {credential_id} never changed status")
        return problem(404, "Not found", f"no credential {credential_id} in the log")
    return JSONResponse(proof)


@router.get(
    "/log/proof/inclusion",
    responses={**NOT_FOUND, **HOLDER_ONLY, **NOT_YET_SIGNED, 422: {"description": "Bad size"}},
)
def inclusion(
    credential_id: Annotated[str, Query(min_length=1, max_length=300)],
    services: ServicesDep,
    tree_size: Annotated[int | None, Query(ge=1)] = None,
    event: InclusionEvent = "issued",
    credential_hash: Annotated[
        str | None,
        Query(
            pattern=r"^[0-9a-fA-F]{64}$",
            description="Hex SHA-256 of the credential's RFC 8785 JSON (or of its vc+jwt): "
            "proves the caller holds it, and adds the log entry to the answer.",
        ),
    ] = None,
) -> Response:
    """The inclusion proof of a credential's issuing event (or latest status change): the leaf
    hash, its path and a signed checkpoint; the log entry itself only with `credential_hash`."""
    if credential_hash is not None and not holds_credential(
        services, credential_id, credential_hash
    ):
        return problem(403, "Forbidden", NOT_HELD)
    return _inclusion(services, credential_id, tree_size, event, credential_hash is not None)


@router.post(
    "/log/proof/inclusion",
    responses={**NOT_FOUND, **HOLDER_ONLY, **NOT_YET_SIGNED, 422: {"description": "Bad size"}},
)
def inclusion_for_holder(held: HeldCredential, services: ServicesDep) -> Response:
    """The inclusion proof of the credential posted, with its log entry: for its holder."""
    credential_id = _credential_id(held.credential)
    if credential_id is None:
        return problem(422, "Invalid request", "credential: it has no id (or jti) to look up")
    if not holds_credential(services, credential_id, credential_digest(held.credential)):
        return problem(403, "Forbidden", NOT_HELD)
    return _inclusion(services, credential_id, held.tree_size, held.event, True)


def _credential_id(credential: dict[str, Any] | str) -> str | None:
    """The id of a credential document, or of the credential a vc+jwt carries (its `id`, or
    the legacy `jti`); only for looking up what to compare it with, so nothing is verified."""
    if isinstance(credential, str):
        try:
            payload = credential.split(".")[1]
            document = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except (IndexError, ValueError):
            return None
        if not isinstance(document, dict):
            return None
        credential = document
    found = credential.get("id", credential.get("jti"))
    return found if isinstance(found, str) and 0 < len(found) <= 300 else None


@router.get("/log/proof/consistency", responses={422: {"description": "Bad sizes"}})
def consistency(
    first: Annotated[int, Query(ge=1)],
    second: Annotated[int, Query(ge=1)],
    services: ServicesDep,
) -> dict[str, Any]:
    """A consistency proof (RFC 9162) between two tree sizes."""
    tree = MerkleLog(services.read_models)
    if not first <= second <= tree.size():
        raise ValueError(f"need first <= second <= {tree.size()} (the tree's size)")
    return {
        "first": first,
        "second": second,
        "proof": [base64.b64encode(h).decode() for h in tree.consistency(first, second)],
    }
