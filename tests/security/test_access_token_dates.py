"""An access token whose `iat` or `exp` is not a NumericDate is refused (401), never a 500,
even when the ledger's own key signed it: the token path reads JWT dates as every other does."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import jwt
import pytest

from issuers.auth import ALGORITHM, TOKEN_TYPE
from keys import KeyStore
from passport.services import TOKEN_ROLE
from passport.settings import Settings
from tests.api_client import Api


def _token(settings: Settings, claims: dict[str, Any]) -> str:
    """A token signed with the ledger's own access-token key, as `POST /oauth/token` signs."""
    store = KeyStore(settings.key_dir, settings.key_passphrase)
    kid = store.current_for_role(TOKEN_ROLE)
    return jwt.encode(
        claims,
        store.signer(kid).to_cryptography(),
        algorithm=ALGORITHM,
        headers={"kid": kid, "typ": TOKEN_TYPE},
    )


@pytest.mark.parametrize(
    ("claim", "value"),
    [("iat", "1000"), ("exp", "99999999999"), ("exp", -1e400), ("iat", True)],
)
def test_a_signed_token_with_an_unreadable_date_is_refused(
    api: Api, settings: Settings, claim: str, value: Any
):
    """A token the ledger's key signed, for a real issuer's client, but with `iat` or `exp` a
    string, an overflowing number or a boolean, is answered 401 as a problem document."""
    account, good = api.register("Academy")
    issuer = f"/api/v1/issuers/{account['id']}"
    assert api.http.get(issuer, headers=good).status_code == 200
    now = int(datetime.now(UTC).timestamp())
    claims: dict[str, Any] = {
        "iss": settings.base_url,
        "aud": settings.base_url,
        "sub": account["id"],
        "client_id": account["client_id"],
        "iat": now,
        "exp": now + 600,
        "jti": "t1",
    }
    assert api.http.get(issuer, headers=_bearer(settings, claims)).status_code == 200
    claims[claim] = value
    answer = api.http.get(issuer, headers=_bearer(settings, claims))
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"


def _bearer(settings: Settings, claims: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {_token(settings, claims)}"}
