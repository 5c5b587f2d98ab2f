"""The issuer API: OAuth token, issuer registration, achievements, awards and status changes."""

from __future__ import annotations

import base64
import binascii
import csv
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Form, Header, Query, Request, status
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from events.errors import AchievementNotFoundError, CredentialNotFoundError
from events.passport import CredentialStatus
from issuers.auth import authenticate_client
from issuers.awarding import Learner
from issuers.cohort import CSV_COLUMNS, MAX_ROWS, Mode, csv_rows, validate
from issuers.deps import ActingIssuer, Operator, Services, TokenFailures
from issuers.errors import AuthenticationError, JobNotFoundError
from issuers.jobs import Job
from issuers.maintenance_api import router as maintenance_router
from issuers.problems import problem
from issuers.programmes_api import router as programmes_router
from issuers.schemas import (
    AchievementCreate,
    AchievementPublic,
    AwardCreate,
    AwardPublic,
    CohortCreate,
    IssuerAccountPublic,
    IssuerCreate,
    IssuerKeyPublic,
    IssuerPublic,
    JobPublic,
    OAuthError,
    RowProblem,
    StatusChange,
    TokenResponse,
)

router = APIRouter()
FORM_ENCODED = "application/x-www-form-urlencoded"
AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, invalid or expired access token"},
    403: {"description": "The client may not act for this issuer"},
}


def _now() -> datetime:
    return datetime.now(UTC)


def _oauth_error(code: int, error: str, description: str) -> JSONResponse:
    headers = {"Cache-Control": "no-store"}
    if code == 401:
        headers["WWW-Authenticate"] = 'Basic realm="staff-passport"'
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=code, headers=headers
    )


def _basic(authorization: str | None) -> tuple[str, str] | None:
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ("", "")
    client_id, _, secret = decoded.partition(":")
    return client_id, secret


def _malformed_token_request(
    media: str, grant_type: str | None, basic: bool, body_credentials: str | None
) -> JSONResponse | None:
    """The RFC 6749 §5.2 error for a token request of the wrong shape, if it is one."""
    if media != FORM_ENCODED:
        return _oauth_error(
            400,
            "invalid_request",
            f"the token request must be {FORM_ENCODED} (RFC 6749 §4.4.2), not {media or 'empty'}",
        )
    if not grant_type:
        return _oauth_error(400, "invalid_request", "grant_type is required")
    if grant_type != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "only client_credentials is supported")
    if basic and body_credentials:
        return _oauth_error(400, "invalid_request", "send client credentials one way, not both")
    return None


@router.post(
    "/oauth/token",
    tags=["auth"],
    response_model=TokenResponse,
    responses={
        400: {"model": OAuthError},
        401: {"model": OAuthError},
        429: {"model": OAuthError, "description": "Too many failed attempts; see Retry-After"},
    },
)
def token(
    request: Request,
    services: Services,
    failures: TokenFailures,
    grant_type: Annotated[str | None, Form(max_length=64)] = None,
    client_id: Annotated[str | None, Form(max_length=200)] = None,
    client_secret: Annotated[str | None, Form(max_length=200)] = None,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> JSONResponse:
    """OAuth 2.0 client credentials grant (RFC 6749 §4.4): HTTP Basic or body credentials,
    form-encoded. Ten failed attempts a minute for one client id, or from one address, and
    further attempts get 429 until the minute has passed (counted per server process)."""
    basic = _basic(authorization)
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    malformed = _malformed_token_request(
        media, grant_type, basic is not None, client_id or client_secret
    )
    if malformed is not None:
        return malformed
    cid, secret = basic or (client_id, client_secret)
    keys = [f"address:{request.client.host if request.client else 'unknown'}"]
    if cid:
        keys.append(f"client:{cid}")
    wait = failures.retry_after(*keys)
    if wait is not None:
        refused = _oauth_error(
            429, "too_many_requests", f"too many failed attempts; try again in {wait} seconds"
        )
        refused.headers["Retry-After"] = str(wait)
        return refused
    try:
        if not cid or not secret:
            raise AuthenticationError
        principal = authenticate_client(services.ledger.client, cid, secret)
    except AuthenticationError:
        failures.hit(*keys)
        return _oauth_error(401, "invalid_client", "client authentication failed")
    access_token, lifetime = services.tokens.mint(principal, _now())
    body = TokenResponse(access_token=access_token, expires_in=lifetime)
    return JSONResponse(body.model_dump(), headers={"Cache-Control": "no-store"})


@router.post(
    "/api/v1/admin/issuers",
    tags=["admin"],
    status_code=status.HTTP_201_CREATED,
    responses={**AUTH_ERRORS, 409: {"description": "An issuer of that name exists"}},
)
def register_issuer(body: IssuerCreate, services: Services, _: Operator) -> IssuerAccountPublic:
    """Register an academy (operator only); the response holds its client secret, once."""
    account = services.accounts.register_issuer(body.name, str(body.url), _now(), body.did_method)
    return IssuerAccountPublic(
        id=str(account.id),
        did=account.did,
        client_id=account.client_id,
        client_secret=account.client_secret,
    )


@router.get("/api/v1/issuers/{issuer_id}", tags=["issuers"], responses=AUTH_ERRORS)
def read_issuer(issuer_id: ActingIssuer, services: Services) -> IssuerPublic:
    """The issuer with its current and retired keys."""
    issuer = services.ledger.issuer(issuer_id)
    return IssuerPublic(
        id=str(issuer.id),
        name=issuer.name,
        url=issuer.url,
        did=issuer.did,
        keys=[
            IssuerKeyPublic(
                id=k["id"],
                public_key_multibase=k["publicKeyMultibase"],
                valid_from=k["validFrom"],
                retired_at=k["retiredAt"],
            )
            for k in issuer.keys
        ],
    )


def _achievement(record: dict[str, Any]) -> AchievementPublic:
    return AchievementPublic(
        id=record["id"],
        version=record["version"],
        retired=record["retired"],
        kind=record["kind"],
        refresher_months=record["refresherMonths"],
        achievement=record["achievement"],
    )


def _extra(body: AchievementCreate) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if body.image:
        extra["image"] = {"id": str(body.image), "type": "Image"}
    if body.achievement_type:
        extra["achievementType"] = body.achievement_type
    if body.alignment:
        extra["alignment"] = [
            {"type": ["Alignment"], **a.model_dump(by_alias=True, mode="json", exclude_none=True)}
            for a in body.alignment
        ]
    return extra


@router.post(
    "/api/v1/issuers/{issuer_id}/achievements",
    tags=["achievements"],
    status_code=status.HTTP_201_CREATED,
    responses=AUTH_ERRORS,
)
def create_achievement(
    issuer_id: ActingIssuer, body: AchievementCreate, services: Services
) -> AchievementPublic:
    """Define an achievement (an Open Badges 3.0 `Achievement`)."""
    achievement_id = services.awarding.define_achievement(
        issuer_id,
        name=body.name,
        description=body.description,
        criteria=body.criteria,
        kind=body.kind,
        refresher_months=body.refresher_months,
        credits_available=body.credits_available,
        field_of_study=body.field_of_study,
        extra=_extra(body),
    )
    return _achievement(services.ledger.issuer(issuer_id).achievements[achievement_id])


@router.get(
    "/api/v1/issuers/{issuer_id}/achievements", tags=["achievements"], responses=AUTH_ERRORS
)
def list_achievements(issuer_id: ActingIssuer, services: Services) -> list[AchievementPublic]:
    """Every achievement this issuer has defined, retired ones included."""
    return [_achievement(a) for a in services.ledger.issuer(issuer_id).achievements.values()]


def _find_achievement(services: Services, issuer_id: UUID, achievement_id: str) -> dict[str, Any]:
    record = services.ledger.issuer(issuer_id).achievements.get(achievement_id)
    if record is None:
        raise AchievementNotFoundError(achievement_id)
    return record


@router.get(
    "/api/v1/issuers/{issuer_id}/achievements/{achievement_id}",
    tags=["achievements"],
    responses={**AUTH_ERRORS, 404: {"description": "No such achievement"}},
)
def read_achievement(
    issuer_id: ActingIssuer, achievement_id: str, services: Services
) -> AchievementPublic:
    """One achievement, at its latest version."""
    return _achievement(_find_achievement(services, issuer_id, achievement_id))


@router.put(
    "/api/v1/issuers/{issuer_id}/achievements/{achievement_id}",
    tags=["achievements"],
    responses={
        **AUTH_ERRORS,
        404: {"description": "No such achievement"},
        409: {"description": "The achievement is retired"},
    },
)
def update_achievement(
    issuer_id: ActingIssuer, achievement_id: str, body: AchievementCreate, services: Services
) -> AchievementPublic:
    """Publish a new version; credentials already issued keep the version they were made under."""
    services.awarding.update_achievement(
        issuer_id,
        achievement_id,
        name=body.name,
        description=body.description,
        criteria=body.criteria,
        kind=body.kind,
        refresher_months=body.refresher_months,
        credits_available=body.credits_available,
        field_of_study=body.field_of_study,
        extra=_extra(body),
    )
    return _achievement(_find_achievement(services, issuer_id, achievement_id))


@router.post(
    "/api/v1/issuers/{issuer_id}/achievements/{achievement_id}/retire",
    tags=["achievements"],
    responses={
        **AUTH_ERRORS,
        404: {"description": "No such achievement"},
        409: {"description": "Already retired"},
    },
)
def retire_achievement(
    issuer_id: ActingIssuer, achievement_id: str, services: Services
) -> AchievementPublic:
    """Stop awarding an achievement; credentials already issued are unaffected."""
    _find_achievement(services, issuer_id, achievement_id)
    services.ledger.retire_achievement(issuer_id, achievement_id)
    return _achievement(_find_achievement(services, issuer_id, achievement_id))


def _stable_identifier(services: Services, issuer_id: UUID, body: AwardCreate) -> str:
    if body.learner.staff_identifier:
        return body.learner.staff_identifier
    return f"{services.ledger.issuer(issuer_id).slug}:{body.learner.reference}"


@router.post(
    "/api/v1/issuers/{issuer_id}/awards",
    tags=["awards"],
    status_code=status.HTTP_201_CREATED,
    responses={
        **AUTH_ERRORS,
        404: {"description": "No such achievement"},
        409: {"description": "The achievement is retired"},
    },
)
def award(
    issuer_id: ActingIssuer,
    body: AwardCreate,
    services: Services,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> AwardPublic:
    """Award an achievement to a learner, enrolling them on their first award.

    Send an `Idempotency-Key` header: a retried request with the same key issues nothing twice.
    """
    learner = Learner(
        _stable_identifier(services, issuer_id, body), body.learner.name, body.learner.email or ""
    )
    made = services.awarding.award(
        issuer_id,
        body.achievement_id,
        learner,
        earned_on=body.earned_on,
        at=_now(),
        credits_earned=body.credits_earned,
        idempotency_key=idempotency_key,
        cryptosuite=body.cryptosuite,
    )
    if not services.settle():  # the read models lag: answer with what was recorded
        return AwardPublic(
            credential_id=made.credential_id,
            learner_id=str(made.learner_id),
            status=CredentialStatus.ACTIVE,  # what an award starts as
            credential=made.credential,
            jwt=made.jwt,
        )
    return _award_public(services, issuer_id, made.credential_id)


def _award_public(services: Services, issuer_id: UUID, credential_id: str) -> AwardPublic:
    record = services.views.credential(credential_id)
    if record is None or record["issuer_id"] != str(issuer_id):
        raise CredentialNotFoundError(credential_id)
    return AwardPublic(
        credential_id=credential_id,
        learner_id=record["learner_id"],
        status=record["status"],
        credential=record["credential"],
        jwt=record["jwt"],
    )


@router.get(
    "/api/v1/issuers/{issuer_id}/awards/{credential_id}",
    tags=["awards"],
    responses={**AUTH_ERRORS, 404: {"description": "No such award of this issuer"}},
)
def read_award(issuer_id: ActingIssuer, credential_id: str, services: Services) -> AwardPublic:
    """One of this issuer's awards with its current status."""
    return _award_public(services, issuer_id, credential_id)


def _change_status(
    services: Services, issuer_id: UUID, credential_id: str, change: str, reason: str
) -> AwardPublic | JSONResponse:
    current = _award_public(services, issuer_id, credential_id)
    learner = UUID(current.learner_id)
    actions = {
        "revoke": services.ledger.revoke_credential,
        "suspend": services.ledger.suspend_credential,
        "reinstate": services.ledger.reinstate_credential,
    }
    actions[change](learner, credential_id, reason)
    if not services.settle():
        return _recorded_not_yet_shown(issuer_id, credential_id, change)
    return _award_public(services, issuer_id, credential_id)


def _recorded_not_yet_shown(issuer_id: UUID, credential_id: str, change: str) -> JSONResponse:
    """202: the change is recorded, but the read models did not show it within the wait."""
    location = f"/api/v1/issuers/{issuer_id}/awards/{credential_id}"
    body = {
        "credentialId": credential_id,
        "recorded": change,
        "detail": f"the {change} is recorded; GET {location} shows it in a moment",
    }
    return JSONResponse(body, status_code=202, headers={"Location": location})


COHORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    **AUTH_ERRORS,
    200: {"model": JobPublic, "description": "The job this idempotency key already started"},
    422: {"description": "Invalid rows (all-or-nothing: nothing was issued), with row numbers"},
}


def _start_cohort(
    services: Services, issuer_id: UUID, rows: list[dict[str, Any]], mode: Mode, key: str
) -> JSONResponse:
    issuer = services.ledger.issuer(issuer_id)
    valid, refused = validate(rows, issuer, issuer.slug, key, services.erased_staff())
    if refused and mode is Mode.ALL_OR_NOTHING:
        first = refused[0]
        return problem(
            422,
            "Invalid rows",
            f"{len(refused)} of {len(rows)} rows are invalid, so nothing was issued; first: "
            f"row {first.row}, {first.field}: {first.message}",
            errors=[e.to_dict() for e in refused],
        )
    job, started = services.cohorts.submit(issuer_id, key, mode, valid, refused, _now())
    location = f"/api/v1/issuers/{issuer_id}/jobs/{job.id}"
    body = _job_public(job).model_dump(by_alias=True)
    return JSONResponse(body, status_code=202 if started else 200, headers={"Location": location})


def _job_public(job: Job) -> JobPublic:
    return JobPublic(
        id=job.id,
        status=job.status,
        mode=job.mode,
        total=job.total,
        done=job.done,
        errors=[RowProblem(**e) for e in job.errors],
    )


@router.post(
    "/api/v1/issuers/{issuer_id}/awards/batch",
    tags=["awards"],
    status_code=202,
    response_model=JobPublic,
    responses=COHORT_RESPONSES,
)
def award_cohort(
    issuer_id: ActingIssuer,
    body: CohortCreate,
    services: Services,
    idempotency_key: Annotated[str, Header(min_length=1, max_length=200)],
) -> JSONResponse:
    """Award a whole cohort (JSON rows) as a background job; poll the job for progress.

    The `Idempotency-Key` header is required: a retried request finds the same job and issues
    nothing twice.
    """
    return _start_cohort(services, issuer_id, body.awards, Mode(body.mode), idempotency_key)


@router.post(
    "/api/v1/issuers/{issuer_id}/awards/batch.csv",
    tags=["awards"],
    status_code=202,
    response_model=JobPublic,
    responses={**COHORT_RESPONSES, 400: {"description": "Not CSV"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {
                    "schema": {
                        "type": "string",
                        "description": "Header: "
                        + ",".join(CSV_COLUMNS)
                        + " (creditsEarned: the CPD hours earned)",
                    }
                }
            },
        }
    },
)
async def award_cohort_csv(
    issuer_id: ActingIssuer,
    request: Request,
    services: Services,
    idempotency_key: Annotated[str, Header(min_length=1, max_length=200)],
    mode: Annotated[Mode, Query()] = Mode.ALL_OR_NOTHING,
) -> JSONResponse:
    """Award a whole cohort from a CSV export (one header row, then one row per award)."""
    try:
        rows = csv_rows((await request.body()).decode("utf-8-sig"))
    except UnicodeDecodeError:
        return problem(400, "Unreadable CSV", "the body is not UTF-8 text")
    except (ValueError, csv.Error) as exc:
        return problem(400, "Unreadable CSV", str(exc))
    if not rows or len(rows) > MAX_ROWS:
        return problem(
            422,
            "Invalid cohort",
            f"a cohort has 1 to {MAX_ROWS} rows, got "
            f"{'more than ' + str(MAX_ROWS) if rows else 'none'}",
        )
    return await run_in_threadpool(_start_cohort, services, issuer_id, rows, mode, idempotency_key)


@router.get(
    "/api/v1/issuers/{issuer_id}/jobs/{job_id}",
    tags=["awards"],
    responses={**AUTH_ERRORS, 404: {"description": "No such job of this issuer"}},
)
def read_job(issuer_id: ActingIssuer, job_id: str, services: Services) -> JobPublic:
    """A cohort job's progress: rows done of total, the rows refused so far, its status."""
    job = services.jobs.get(job_id)
    if job is None or job.issuer_id != str(issuer_id):
        raise JobNotFoundError(job_id)
    return _job_public(job)


STATUS_RESPONSES: dict[int | str, dict[str, Any]] = {
    **AUTH_ERRORS,
    202: {"description": "Recorded; the award shows the change in a moment (see Location)"},
    404: {"description": "No such award of this issuer"},
    409: {"description": "The credential's status does not allow this change"},
}


@router.post(
    "/api/v1/issuers/{issuer_id}/awards/{credential_id}/{change}",
    tags=["awards"],
    responses=STATUS_RESPONSES,
    response_model=AwardPublic,
)
def change_status(
    issuer_id: ActingIssuer,
    credential_id: str,
    change: Literal["revoke", "suspend", "reinstate"],
    body: StatusChange,
    services: Services,
) -> AwardPublic | JSONResponse:
    """Revoke (for good), suspend (until reinstated) or reinstate an award, with a reason; 202
    with `Location` if it is recorded but not yet shown (after `PASSPORT_WRITE_WAIT`)."""
    return _change_status(services, issuer_id, credential_id, change, body.reason)


router.include_router(programmes_router)
router.include_router(maintenance_router)
