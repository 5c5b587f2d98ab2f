"""The issuer API's dependencies: the services it needs and the authenticated principal."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Collection
from datetime import UTC, datetime
from typing import Annotated, Any, Protocol
from uuid import UUID

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from events.application import Ledger
from issuers.accounts import Accounts
from issuers.auth import AccessTokens, Principal
from issuers.awarding import Awarding
from issuers.errors import AuthenticationError, ForbiddenError
from issuers.jobs import CohortRunner, JobStore
from issuers.rate_limit import RateLimiter
from keys import KeyStore
from projections.database import ReadModelDatabase
from projections.runner import ProjectionRunner
from projections.status_lists import StatusIndexes
from projections.views import Views


class IssuerServices(Protocol):
    """What the issuer API needs of the composition root."""

    ledger: Ledger
    awarding: Awarding
    accounts: Accounts
    tokens: AccessTokens
    views: Views
    projections: ProjectionRunner
    jobs: JobStore
    cohorts: CohortRunner
    key_store: KeyStore
    status_indexes: StatusIndexes
    read_models: ReadModelDatabase

    def erased_staff(self) -> Callable[[str], bool]:
        """Whether the learner of a staff identifier was erased."""
        ...

    def erased_among(self, staff: Collection[str]) -> set[str]:
        """Which of these staff identifiers' learners were erased, in one read for the lot."""
        ...

    def settle(self) -> bool:
        """Wait (bounded, no lock) until the read models show what this request recorded."""
        ...


def _services(request: Request) -> IssuerServices:
    services: IssuerServices = request.app.state.services
    return services


Services = Annotated[IssuerServices, Depends(_services)]
_bearer = HTTPBearer(auto_error=False, description="An access token from POST /oauth/token.")


def principal(
    services: Services,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise AuthenticationError("a bearer access token is required (POST /oauth/token)")
    return services.tokens.validate(
        credentials.credentials, datetime.now(UTC), functools.partial(_client, services)
    )


def _client(services: IssuerServices, client_id: str) -> tuple[str, str, bool] | None:
    """A client as the read models hold it or, if they do not yet, as recorded: a token is minted
    from what is recorded (`POST /oauth/token`), so a client registered a moment before (by the
    CLI before the server started, while its follower catches up) is known at once. Only ids in
    tokens whose signature held are looked up."""
    return services.views.client(client_id) or services.ledger.client(client_id)


def _operator(caller: Annotated[Principal, Depends(principal)]) -> Principal:
    if not caller.is_operator:
        raise ForbiddenError("only the ledger operator may do this")
    return caller


def _acting_issuer(
    issuer_id: Annotated[UUID, Path(description="The issuer the request acts for.")],
    caller: Annotated[Principal, Depends(principal)],
) -> UUID:
    if caller.owner != str(issuer_id):
        raise ForbiddenError("a client may act only for its own issuer")
    return issuer_id


TOKEN_FAILURES_PER_MINUTE = 10  # per client id, and per remote address
_limiter_lock = threading.Lock()


def _token_failures(request: Request) -> RateLimiter:
    """The app's count of failed token requests (kept in this process only)."""
    state = request.app.state
    with _limiter_lock:
        if not hasattr(state, "token_failures"):
            state.token_failures = RateLimiter(TOKEN_FAILURES_PER_MINUTE, 60.0)
    limiter: RateLimiter = state.token_failures
    return limiter


TokenFailures = Annotated[RateLimiter, Depends(_token_failures)]
Operator = Annotated[Principal, Depends(_operator)]
ActingIssuer = Annotated[UUID, Depends(_acting_issuer)]
# The OpenAPI description of what `ActingIssuer` and `Operator` refuse, shared by the routers.
AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, invalid or expired access token"},
    403: {"description": "The client may not act for this issuer"},
}
