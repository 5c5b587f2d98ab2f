"""The OAuth 2.0 token endpoint (client credentials grant) of the issuer API."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Header, Request
from fastapi.responses import JSONResponse

from issuers.auth import authenticate_client
from issuers.deps import Services, TokenFailures
from issuers.errors import AuthenticationError
from issuers.schemas import OAuthError, TokenResponse

router = APIRouter()
FORM_ENCODED = "application/x-www-form-urlencoded"


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
    access_token, lifetime = services.tokens.mint(principal, datetime.now(UTC))
    body = TokenResponse(access_token=access_token, expires_in=lifetime)
    return JSONResponse(body.model_dump(), headers={"Cache-Control": "no-store"})
