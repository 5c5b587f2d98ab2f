"""The W3C VC API issuer endpoints: `POST /credentials/issue` and `POST /credentials/status`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from events.passport import CredentialStatus
from issuers.auth import Principal
from issuers.deps import Services, principal
from issuers.errors import ForbiddenError
from issuers.problems import problem
from issuers.schemas import future_date_problem
from verifier.checks import issuer_id, well_formed
from verifier.cryptosuites import CRYPTOSUITES
from verifier.data_model import json_ld_problems
from verifier.report import Outcome

router = APIRouter(tags=["VC API"])
MAX_STATUS_CHANGES = 4
MAX_DEPTH = 32  # objects and lists within one another: an Open Badge needs about 6
# When the credential says it was awarded (Open Badges 3.0) or issued (VCDM 1.1). Not validFrom:
# VCDM 2.0 §4.9 lets a credential become valid in the future.
AWARD_DATES = ("awardedDate", "issuanceDate")


def _future_award_date(credential: dict[str, Any], now: datetime) -> str | None:
    """Why an award or issue date of the credential cannot be right: it is in the future."""
    for name in AWARD_DATES:
        value = credential.get(name)
        if not isinstance(value, str):
            continue
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return f"{name} must be an XML Schema dateTime with a time zone"
        if moment.tzinfo is None:
            return f"{name} must be an XML Schema dateTime with a time zone"
        problem_text = future_date_problem(name, moment.astimezone(UTC), now)
        if problem_text is not None:
            return problem_text
    return None


def _depth(value: Any) -> int:
    """How deeply objects and lists nest in a JSON value (0 for a scalar), looked at without
    recursion, so no input can exhaust the stack."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, level + 1)
            if deepest > MAX_DEPTH:
                return deepest
            stack.extend(
                (child, level + 1) for child in (node.values() if isinstance(node, dict) else node)
            )
    return deepest


def _unusable(credential: dict[str, Any]) -> str | None:
    """Why the credential cannot be signed and recorded as given, if it cannot: nested too
    deep, text that is not Unicode (a lone surrogate, which no UTF-8 encoder takes), or an id
    with control characters (not a URL, and refused as a key by PostgreSQL)."""
    if _depth(credential) > MAX_DEPTH:
        return (
            f"the credential is nested more than {MAX_DEPTH} levels deep; "
            "no credential needs so many"
        )
    identifier = credential.get("id")
    if isinstance(identifier, str) and any(ord(ch) < 0x21 or ch == "\x7f" for ch in identifier):
        return "id must be a URL (VCDM 2.0 §4.4): it holds a space or control character"
    stack: list[Any] = [credential]
    while stack:
        node = stack.pop()
        texts = [node] if isinstance(node, str) else list(node) if isinstance(node, dict) else []
        if any(0xD800 <= ord(ch) <= 0xDFFF for text in texts for ch in text):
            return "text must be valid Unicode (RFC 8259 §8.2): it holds an unpaired surrogate"
        if isinstance(node, dict | list):
            stack.extend(node.values() if isinstance(node, dict) else node)
    return None


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "The credential is malformed (the rule it breaks is named)"},
    401: {"description": "Missing or invalid access token"},
    403: {"description": "The credential's issuer is not the caller"},
    409: {"description": "A credential with that id is already recorded"},
}


class IssueRequest(BaseModel):
    """VC API `IssueCredentialRequest`."""

    model_config = ConfigDict(extra="allow")

    credential: dict[str, Any] = Field(description="The unsecured credential (VCDM 2.0).")
    options: dict[str, Any] | None = Field(None, description="Accepted; unknown keys ignored.")


class IssueResponse(BaseModel):
    """VC API `IssueCredentialResponse`."""

    verifiableCredential: dict[str, Any]  # noqa: N815 - the VC API's name


class StatusUpdate(BaseModel):
    """One status change: `status` `revoked`/`suspended`/`active`, or a purpose and a boolean."""

    model_config = ConfigDict(extra="allow")

    type: str | None = None
    statusPurpose: str | None = None  # noqa: N815 - the VC API's name
    status: str | bool | None = None


class UpdateStatusRequest(BaseModel):
    """VC API `UpdateCredentialStatusRequest`: `credentialStatus` names the entry (its
    `statusPurpose`) and `status` says whether to set (true) or clear (false) that purpose's bit;
    or, as earlier clients send it, a list of changes each carrying its own `status`."""

    credentialId: str = Field(  # noqa: N815 - the VC API's name
        min_length=1, max_length=300, pattern=r"^[^\x00-\x20\x7f]+$", description="A URL."
    )
    credentialStatus: StatusUpdate | list[StatusUpdate] = Field(  # noqa: N815
        description="The status entry to change, or a list of changes (at most 4)."
    )
    status: bool | None = Field(
        None, description="Set (true, the default) or clear (false) the entry's purpose."
    )

    def changes(self) -> list[tuple[str, str | bool]]:
        """Each change as (statusPurpose, status)."""
        entries = (
            self.credentialStatus
            if isinstance(self.credentialStatus, list)
            else [self.credentialStatus]
        )
        default = True if self.status is None else self.status
        return [(e.statusPurpose or "", default if e.status is None else e.status) for e in entries]


def _acting_issuer(caller: Principal) -> UUID:
    if caller.is_operator:
        raise ForbiddenError("the operator does not issue credentials; use an issuer's client")
    return UUID(caller.owner)


Caller = Annotated[Principal, Depends(principal)]


@router.post(
    "/credentials/issue",
    status_code=status.HTTP_201_CREATED,
    responses=ERRORS,
    response_model=IssueResponse,
)
def issue(body: IssueRequest, services: Services, caller: Caller) -> IssueResponse | JSONResponse:
    """Sign a credential as the calling issuer, with status list entries: eddsa-jcs-2022, or
    eddsa-rdfc-2022 with `options.cryptosuite`."""
    issuer_uuid = _acting_issuer(caller)
    issuer = services.ledger.issuer(issuer_uuid)
    credential = dict(body.credential)
    unusable = _unusable(credential)
    if unusable:
        return problem(400, "Malformed credential", unusable)
    if "issuer" not in credential:
        credential["issuer"] = issuer.did
    shape = well_formed(credential)
    malformed = (
        shape.reason
        if shape.outcome is not Outcome.PASSED
        else _future_award_date(credential, datetime.now(UTC))
    )
    if malformed is not None:
        return problem(400, "Malformed credential", malformed)
    unreadable = json_ld_problems(credential)
    if unreadable:
        return problem(400, "Malformed credential", "; ".join(unreadable))
    if issuer_id(credential) != issuer.did:
        raise ForbiddenError(f"the credential's issuer must be {issuer.did}, the caller's DID")
    if "id" in credential:
        services.settle()
        if services.views.credential(str(credential["id"])) is not None:
            return problem(
                409,
                "Credential id taken",
                f"a credential with id {credential['id']} is already recorded; leave id out "
                "to have a new one made",
            )
    suite = (body.options or {}).get("cryptosuite", "eddsa-jcs-2022")
    if not isinstance(suite, str) or suite not in CRYPTOSUITES:
        known = ", ".join(sorted(CRYPTOSUITES))
        return problem(400, "Unsupported cryptosuite", f"options.cryptosuite is one of {known}")
    signed = services.awarding.issue_document(issuer_uuid, credential, datetime.now(UTC), suite)
    return IssueResponse(verifiableCredential=signed)


STATUSES = frozenset(status.value for status in CredentialStatus)
WORDS = {
    ("revocation", True): "revoked",
    ("suspension", True): "suspended",
    ("suspension", False): "active",
}


@router.post(
    "/credentials/status",
    response_model=dict[str, Any],
    responses={
        **ERRORS,
        404: {"description": "Not found"},
        409: {"description": "Change not allowed"},
    },
)
def update_status(
    body: UpdateStatusRequest, services: Services, caller: Caller
) -> dict[str, Any] | JSONResponse:
    """Revoke, suspend or reinstate a credential this issuer issued."""
    issuer_uuid = _acting_issuer(caller)
    services.settle()
    record = services.views.credential(body.credentialId)
    if record is None or record["issuer_id"] != str(issuer_uuid):
        return problem(404, "Not found", f"no credential {body.credentialId} of this issuer")
    changes = body.changes()
    if not 1 <= len(changes) <= MAX_STATUS_CHANGES:
        return problem(400, "Bad status change", f"give 1 to {MAX_STATUS_CHANGES} status changes")
    targets = [
        wanted if isinstance(wanted, str) else WORDS.get((purpose, wanted))
        for purpose, wanted in changes
    ]
    if not all(target in STATUSES for target in targets):
        return problem(
            400,
            "Unsupported status",
            "status must be revoked, suspended or active (for any entry, our one message "
            "entry included), or a statusPurpose of revocation (true: a revocation cannot be "
            "undone) or suspension (true or false)",
        )
    # One save for every change: a status that forbids one change leaves all of them unmade.
    services.ledger.set_credential_statuses(
        UUID(record["learner_id"]),
        body.credentialId,
        [CredentialStatus(str(target)) for target in targets],
        "changed through the VC API",
    )
    return {}
