"""'Is this the person with staff number X?' asked only by those allowed, and not too often."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import UUID

import httpx
import pytest

from passport.demo import LEARNERS, seed_demo
from passport.services import Services
from passport.settings import Settings
from passport.web.identity import QUESTIONS_PER_HOUR
from tests.passport.server import serving

STAFF, NAME, _ = LEARNERS[1]  # ESR-40012345, Daniel Hughes


@pytest.fixture
def shared(settings: Settings) -> Iterator[tuple[httpx.Client, str, str, tuple[str, str]]]:
    """The demo served over HTTP: (client, Daniel's share token, one of his credential ids,
    operator client credentials)."""
    services = Services.open(settings)
    try:
        demo = seed_demo(services, datetime.now(UTC))
        learner = next(x for x in demo.learners if x["name"] == NAME)
        token = str(learner["share_url"]).split("/s/", 1)[1]
        credential_id = next(iter(services.ledger.learner(UUID(str(learner["id"]))).credentials))
        operator = services.accounts.new_operator_client()
    finally:
        services.close()
    with serving(settings) as base, httpx.Client(base_url=base, timeout=30) as http:
        yield http, token, credential_id, (operator.client_id, operator.client_secret)


def test_an_employer_with_the_share_link_can_confirm_the_staff_number(shared):
    """The share link's holder learns whether the staff number is the sharer's (any spelling),
    and nothing about any other number than no."""
    http, token, _, _ = shared
    ask = f"/api/v1/shares/{token}/identity-match"
    assert http.post(ask, json={"staffNumber": STAFF}).json() == {"match": True}
    assert http.post(ask, json={"staffNumber": f" {STAFF.lower()} "}).json() == {"match": True}
    assert http.post(ask, json={"staffNumber": "ESR-40012346"}).json() == {"match": False}
    assert http.post(ask, json={"staffNumber": LEARNERS[0][0]}).json() == {"match": False}


def test_guessing_staff_numbers_through_a_share_link_is_cut_off(shared):
    """After its budget of questions an hour, a share link gets 429 with Retry-After, even for
    the right number: the 10^8 staff numbers cannot be walked through it."""
    http, token, _, _ = shared
    ask = f"/api/v1/shares/{token}/identity-match"
    answers = [
        http.post(ask, json={"staffNumber": f"ESR-4000{n:04d}"}) for n in range(QUESTIONS_PER_HOUR)
    ]
    assert [a.json()["match"] for a in answers] == [False] * QUESTIONS_PER_HOUR
    refused = http.post(ask, json={"staffNumber": STAFF})
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert 0 < int(refused.headers["Retry-After"]) <= 3600


def test_no_share_link_no_answer(shared):
    """A made-up share token answers 404 and says nothing about the number."""
    http, _, _, _ = shared
    answer = http.post(
        "/api/v1/shares/" + "A" * 43 + "/identity-match", json={"staffNumber": STAFF}
    )
    assert answer.status_code == 404
    assert "match" not in answer.text


def test_a_malformed_share_token_is_simply_not_found(shared):
    """A token of the wrong shape gets the same 404 as an unknown one, not a 422 that tells
    a guesser what a token looks like."""
    http, _, _, _ = shared
    answer = http.post("/api/v1/shares/not*a*token/identity-match", json={"staffNumber": STAFF})
    assert answer.status_code == 404
    assert "match" not in answer.text


def test_only_the_operator_asks_about_a_credential(shared):
    """Without the operator's token the credential question is refused (401); with it, the
    answer says whether the credential was issued to that staff number."""
    http, _, credential_id, operator = shared
    ask = "/api/v1/identity/match"
    question = {"credentialId": credential_id, "staffNumber": STAFF}
    assert http.post(ask, json=question).status_code == 401
    token = http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=operator
    ).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert http.post(ask, json=question, headers=auth).json() == {"match": True}
    other = {"credentialId": credential_id, "staffNumber": LEARNERS[0][0]}
    assert http.post(ask, json=other, headers=auth).json() == {"match": False}
    unknown = {
        "credentialId": "urn:uuid:00000000-0000-4000-8000-000000000000",
        "staffNumber": STAFF,
    }
    assert http.post(ask, json=unknown, headers=auth).status_code == 404
