"""Award dates in the future are refused where awards come in: one award, a cohort, the VC API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api_client import ACHIEVEMENT, Api, award_body


@pytest.fixture
def academy(api: Api) -> tuple[str, dict[str, str], str, str]:
    """An issuer with one achievement: its API base, token, achievement id and DID."""
    account, token = api.register("Dates Academy")
    base = f"/api/v1/issuers/{account['id']}"
    achievement = api.http.post(f"{base}/achievements", headers=token, json=ACHIEVEMENT).json()
    return base, token, achievement["id"], account["did"]


def _award(achievement: str, earned_on: str) -> dict[str, Any]:
    return {**award_body(achievement), "earnedOn": earned_on}


def test_an_award_earned_in_2099_is_refused_naming_earned_on(api: Api, academy):
    """POST …/awards with earnedOn 2099-01-01 answers 422 naming earnedOn; nothing is issued."""
    base, token, achievement, _ = academy
    answer = api.http.post(f"{base}/awards", headers=token, json=_award(achievement, "2099-01-01"))
    assert answer.status_code == 422
    assert "earnedOn" in answer.json()["detail"]
    assert "in the future" in answer.json()["detail"]


def test_an_award_earned_in_two_days_is_refused_and_today_is_awarded(api: Api, academy):
    """Two days ahead (UTC) is beyond any clock skew and refused; today is awarded (201)."""
    base, token, achievement, _ = academy
    today = datetime.now(UTC).date()
    ahead = _award(achievement, (today + timedelta(days=2)).isoformat())
    assert api.http.post(f"{base}/awards", headers=token, json=ahead).status_code == 422
    now = api.http.post(f"{base}/awards", headers=token, json=_award(achievement, str(today)))
    assert now.status_code == 201, now.text


def test_a_cohort_row_earned_in_2099_is_named_and_nothing_is_issued(api: Api, academy):
    """An all-or-nothing cohort with one row earned in 2099: 422 naming that row's earnedOn."""
    base, token, achievement, _ = academy
    cohort = [_award(achievement, "2026-10-01"), _award(achievement, "2099-01-01")]
    cohort[1]["learner"] = {**cohort[1]["learner"], "staffIdentifier": "NMC-77B7777B"}
    answer = api.http.post(
        f"{base}/awards/batch",
        headers={**token, "Idempotency-Key": "future-cohort"},
        json={"mode": "all-or-nothing", "awards": cohort},
    )
    assert answer.status_code == 422
    (error,) = answer.json()["errors"]
    assert (error["row"], error["field"]) == (2, "earnedOn")
    assert "in the future" in error["message"]


@pytest.mark.parametrize("field", ["awardedDate", "issuanceDate"])
def test_the_vc_api_refuses_a_credential_awarded_in_2099(api: Api, academy, field):
    """POST /credentials/issue with an awardedDate (or issuanceDate) in 2099: 400 naming it."""
    _, token, _, did = academy
    credential = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "type": ["VerifiableCredential"],
        "issuer": did,
        field: "2099-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner", "alumniOf": "Example University"},
    }
    answer = api.http.post("/credentials/issue", headers=token, json={"credential": credential})
    assert answer.status_code == 400
    assert f"{field} is in the future" in answer.json()["detail"]
