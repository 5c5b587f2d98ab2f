"""The OpenAPI contract, checked by schemathesis against the running app over real HTTP.

Every documented operation is called with generated input, authenticated as an issuer: no
response may be a server error, and every response must match the schema the document gives.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance

from passport.demo import seed_demo
from passport.services import Services
from passport.settings import Settings
from tests.passport.server import serving


@pytest.fixture(scope="module")
def live(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, dict[str, str], str]]:
    """The demo ledger served on loopback, and an issuer's bearer token."""
    directory: Path = tmp_path_factory.mktemp("contract")
    settings_ = Settings(
        database_url=f"sqlite:///{directory / 'passport.sqlite3'}",
        base_url="https://passport.test",
        key_dir=directory / "keys",
        key_passphrase="contract tests",
        _env_file=None,
    )
    services = Services.open(settings_)
    try:
        seed_demo(services, datetime.now(UTC))
        account = services.accounts.register_issuer(
            "Contract Academy", "https://c.example", datetime.now(UTC)
        )
    finally:
        services.close()
    with serving(settings_) as base:
        token = httpx.post(
            f"{base}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(account.client_id, account.client_secret),
        ).json()
        yield base, {"Authorization": f"Bearer {token['access_token']}"}, str(account.id)


def test_no_server_error_and_every_response_matches_its_schema(live):
    """Generated requests never cause a 500 and every answer has the documented shape."""
    base, headers, issuer_id = live
    # The document is built on the first request, while the new server still projects the demo:
    # on a busy machine that takes more than the loader's default 10 s.
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json", timeout=120)
    results = list(schema.get_all_operations())
    assert all(isinstance(r, Ok) for r in results), "the OpenAPI document has invalid parts"
    operations = [r.ok() for r in results if isinstance(r, Ok)]
    assert len(operations) >= 20

    statuses: Counter[int] = Counter()
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def call(case: schemathesis.Case[Any]) -> None:
            # Aim at our own issuer, so calls reach validation and the use cases, not only 403.
            if case.path_parameters and "issuer_id" in case.path_parameters:
                case.path_parameters["issuer_id"] = issuer_id
            if case.path_parameters and "slug" in case.path_parameters:
                case.path_parameters["slug"] = "contract-academy"
            response = case.call_and_validate(
                base_url=base,
                headers=headers,
                checks=[not_a_server_error, response_schema_conformance],
            )
            statuses[response.status_code] += 1

        call()
    assert sum(statuses.values()) >= 5 * len(operations)
    assert statuses[200] + statuses[201] > 0, statuses
