"""Fixtures for the web app: the demo ledger, and the app served over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from passport.services import Services
from passport.settings import Settings
from tests.passport.server import serving


@pytest.fixture
def client(settings: Settings, seeded: dict[str, str]) -> Iterator[httpx.Client]:
    """An HTTP client of the app serving the demo ledger, with the operator's access token."""
    services = Services.open(settings)
    try:
        operator = services.accounts.new_operator_client()
    finally:
        services.close()
    with serving(settings) as base, httpx.Client(base_url=base, timeout=30) as http:
        token = http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(operator.client_id, operator.client_secret),
        ).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        yield http
