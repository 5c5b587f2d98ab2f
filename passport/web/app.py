"""The FastAPI app factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from issuers import api as issuer_api
from issuers import vc_api
from issuers.deps import Operator
from passport.background import background_jobs
from passport.collector import pace_collector
from passport.publishing import passport_file
from passport.services import Services, utcnow
from passport.settings import Settings
from passport.web import (
    admin,
    certificate_check,
    certificates,
    identity,
    info,
    operations,
    pages,
    problems,
    public,
    registry_api,
    security,
    vc_verify,
)
from passport.web.deps import ServicesDep
from passport.web.limits import BodyLimits
from passport.web.read_your_writes import ReadYourWrites
from passport.writer_process import start_writer_server
from projections.views import PassportView

OPERATOR_ONLY: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, invalid or expired access token"},
    403: {"description": "Only the ledger operator may read a learner's record by id"},
}


def create_app(
    settings: Settings, services: Services | None = None, *, background: bool = True
) -> FastAPI:
    """Build the app on the configured store. `background`: run the background jobs (the
    follower, the signer, …) on threads of this process; False when another process runs them
    (`passport serve`'s `passport.background.BackgroundProcess`), which also starts the process
    that forks cohort writers (`passport.writer_process.start_writer_server`) with the app."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.services = services or Services.open(settings)
        running: Services = app.state.services
        schedules = background_jobs(running) if background else []
        if not background:
            start_writer_server(settings)
        running.following = settings.follow_interval > 0  # here or in another process
        for schedule in schedules:
            schedule.start()
        try:
            yield
        finally:
            for schedule in schedules:
                schedule.stop()
            running.following = False
            if services is None:
                app.state.services.close()

    app = FastAPI(
        title="Staff Passport",
        version="0.1.0",
        description="A tamper-evident ledger of NHS staff credentials, verifiable as W3C "
        "Verifiable Credentials.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    problems.install(app)
    security.redact_tokens_in_logs()
    app.add_middleware(ReadYourWrites)
    app.add_middleware(BodyLimits, timeout=settings.body_timeout)
    app.add_middleware(security.LearnerForms, base_url=settings.base_url)
    app.add_middleware(security.SecurityHeaders)
    app.add_middleware(operations.RequestTiming)  # outermost: times every answer, errors too
    app.include_router(issuer_api.router)
    app.include_router(public.router)
    app.include_router(admin.router)
    app.include_router(registry_api.router)
    app.include_router(pages.router)
    app.include_router(certificates.router)
    app.include_router(certificate_check.router)
    app.add_exception_handler(pages.NoSuchLinkError, pages.no_such_link)
    app.include_router(pages.api)
    app.include_router(identity.router)
    info.install(app)
    app.include_router(vc_api.router)
    app.include_router(vc_verify.router)
    app.include_router(vc_verify.credentials)
    app.include_router(operations.router)

    @app.get("/healthz", tags=["operations"])
    def health() -> dict[str, str]:
        """Liveness."""
        return {"status": "ok"}

    @app.get(
        "/api/v1/learners/{learner_id}/passport",
        tags=["passports"],
        responses={**OPERATOR_ONLY, 404: {"description": "No such learner"}},
    )
    def passport(learner_id: str, services: ServicesDep, _: Operator) -> PassportView:
        """(Operator) a learner's passport: credentials with status, CPD by NHS year, what
        expires soon. Learners see theirs at their personal link; employers at a share link."""
        view = services.views.passport(learner_id, utcnow().date())
        if view is None:
            return problems.problem(404, "Not found", f"no learner with id {learner_id}")  # type: ignore[return-value]
        return view

    @app.get(
        "/api/v1/learners/{learner_id}/export",
        tags=["passports"],
        responses={**OPERATOR_ONLY, 404: {"description": "No such learner"}},
    )
    def export(learner_id: str, services: ServicesDep, _: Operator) -> dict[str, Any]:
        """(Operator) the learner's portable passport, verifiable offline by `passport verify`."""
        bundle = passport_file(services, learner_id, utcnow())
        if bundle is None:
            return problems.problem(404, "Not found", f"no learner with id {learner_id}")  # type: ignore[return-value]
        return bundle

    return app


def app_from_environment() -> FastAPI:
    """The app on the settings in the environment, running no background jobs (its server runs
    them in a process of their own): what each `passport serve --workers` process builds."""
    pace_collector()
    return create_app(Settings(), background=False)
