"""The issuer API's cohorts: award a whole cohort (JSON or CSV rows) as a background job, and
read the job's progress."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from issuers.cohort import CSV_COLUMNS, MAX_ROWS, Mode, csv_rows, validate
from issuers.deps import AUTH_ERRORS, ActingIssuer, Services
from issuers.errors import JobNotFoundError
from issuers.jobs import Job
from issuers.problems import problem
from issuers.schemas import CohortCreate, JobPublic, RowProblem

router = APIRouter()


COHORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    **AUTH_ERRORS,
    200: {"model": JobPublic, "description": "The job this idempotency key already started"},
    422: {"description": "Invalid rows (all-or-nothing: nothing was issued), with row numbers"},
}


def _start_cohort(
    services: Services, issuer_id: UUID, rows: list[dict[str, Any]], mode: Mode, key: str
) -> JSONResponse:
    issuer = services.ledger.issuer(issuer_id)
    valid, refused = validate(rows, issuer, issuer.slug, key, erased_among=services.erased_among)
    if refused and mode is Mode.ALL_OR_NOTHING:
        first = refused[0]
        return problem(
            422,
            "Invalid rows",
            f"{len(refused)} of {len(rows)} rows are invalid, so nothing was issued; first: "
            f"row {first.row}, {first.field}: {first.message}",
            errors=[e.to_dict() for e in refused],
        )
    job, started = services.cohorts.submit(issuer_id, key, mode, valid, refused, datetime.now(UTC))
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
