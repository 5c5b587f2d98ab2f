"""Errors as RFC 9457 problem details, mapped in one place so no route formats its own."""

from __future__ import annotations

import math
import sqlite3

import psycopg
from eventsourcing.persistence import InterfaceError as StoreInterfaceError
from eventsourcing.persistence import OperationalError as StoreOperationalError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from events.errors import (
    AchievementNotFoundError,
    ClientNotFoundError,
    ConcurrentChangeError,
    CredentialNotFoundError,
    IdempotencyKeyReusedError,
    IssuerNotFoundError,
    LearnerNotFoundError,
    LedgerError,
)
from events.programme import ProgrammeNotFoundError
from events.registry import NotRecognisedError
from events.review_use_cases import NotAHolderError, ReviewNotFoundError
from issuers.errors import AuthenticationError, ForbiddenError, JobNotFoundError
from issuers.problems import problem
from passport.log import NotYetCheckpointedError
from passport.web.html import error_page, wants_html

__all__ = ["install", "internal_error", "problem"]


def internal_error() -> JSONResponse:
    """The one answer to an error nobody handled: no detail of it leaves the server."""
    return problem(500, "Internal error", "something went wrong on our side; it is logged")


DATABASE_RETRY_SECONDS = 5
# The store not answering (connection lost or refused, pool exhausted, SQLite locked past its
# busy timeout): the request may well succeed in a moment, so 503 with Retry-After, not 500.
DATABASE_UNAVAILABLE = (
    psycopg.OperationalError,
    psycopg.InterfaceError,
    sqlite3.OperationalError,
    StoreOperationalError,
    StoreInterfaceError,
)
NOT_YET_CHECKPOINTED = "https://staff-passport.nhs.uk/problems/not-yet-checkpointed"


def _status_of(exc: LedgerError) -> tuple[int, str]:
    if isinstance(
        exc,
        IssuerNotFoundError
        | LearnerNotFoundError
        | CredentialNotFoundError
        | AchievementNotFoundError
        | ClientNotFoundError
        | NotRecognisedError
        | ProgrammeNotFoundError
        | ReviewNotFoundError,
    ):
        return 404, "Not found"
    if isinstance(exc, NotAHolderError):
        return 403, "Forbidden"
    if isinstance(exc, ConcurrentChangeError):
        return 503, "Busy"
    if isinstance(exc, IdempotencyKeyReusedError):
        return 422, "Idempotency key reused"
    return 409, "Conflict"


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into a problem response."""

    @app.exception_handler(LedgerError)
    async def ledger_error(_: Request, exc: LedgerError) -> JSONResponse:
        status, title = _status_of(exc)
        return problem(status, title, str(exc))

    @app.exception_handler(AuthenticationError)
    async def unauthenticated(_: Request, exc: AuthenticationError) -> JSONResponse:
        response = problem(401, "Unauthorized", str(exc))
        response.headers["WWW-Authenticate"] = 'Bearer realm="staff-passport"'
        return response

    @app.exception_handler(JobNotFoundError)
    async def no_job(_: Request, exc: JobNotFoundError) -> JSONResponse:
        return problem(404, "Not found", f"no job {exc} for this issuer")

    @app.exception_handler(ForbiddenError)
    async def forbidden(_: Request, exc: ForbiddenError) -> JSONResponse:
        return problem(403, "Forbidden", str(exc))

    @app.exception_handler(NotYetCheckpointedError)
    async def not_yet_checkpointed(_: Request, exc: NotYetCheckpointedError) -> JSONResponse:
        response = problem(
            409, "Not yet in a signed checkpoint", str(exc), type=NOT_YET_CHECKPOINTED
        )
        response.headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
        return response

    @app.exception_handler(ValueError)
    async def invalid_value(_: Request, exc: ValueError) -> JSONResponse:
        return problem(422, "Invalid request", str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))} for e in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        where = ".".join(str(p) for p in first["loc"])
        return problem(422, "Invalid request", f"{where}: {first['msg']}", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and wants_html(request):
            return error_page(
                request,
                404,
                "Page not found",
                "There is no page at this address.",
                "If you typed it, check it; if you followed a link, it may be out of date.",
            )
        return problem(exc.status_code, str(exc.detail), str(exc.detail))

    async def database_unavailable(request: Request, exc: Exception) -> Response:
        if isinstance(exc, psycopg.errors.ProgramLimitExceeded):  # a value, not the server
            return problem(422, "Invalid request", "a value in the request is too large")
        response = error_page(
            request,
            503,
            "Service unavailable",
            "The database is not answering just now: try again in a few seconds.",
            "If this goes on, the service may be restarting or down for maintenance.",
        )
        response.headers["Retry-After"] = str(DATABASE_RETRY_SECONDS)
        return response

    for error in DATABASE_UNAVAILABLE:
        app.add_exception_handler(error, database_unavailable)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        return internal_error()
