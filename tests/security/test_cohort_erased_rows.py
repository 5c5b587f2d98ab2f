"""A cohort cannot bring back an erased learner: their rows are refused among many others, read
once for the whole cohort, and named in row order with the other refusals."""

from __future__ import annotations

from passport.settings import Settings
from tests.api_client import Api, cohort_rows
from tests.issuers.test_cohorts import count_credentials, wait_for
from tests.passport.test_erasure import STAFF, _award, _erase


def test_erased_learners_rows_are_refused_in_row_order_and_the_rest_awarded(
    api: Api, settings: Settings
) -> None:
    """In a per-row cohort of 40, two rows for the erased learner and one malformed row are
    refused, listed by row number in order; the 37 others are awarded, and nothing is added to
    the erased passport."""
    account, token, learner_id, _ = _award(api)
    assert _erase(api, learner_id, api.token(*api.operator)).status_code == 200
    base = f"/api/v1/issuers/{account['id']}"
    achievement = api.http.get(f"{base}/achievements", headers=token).json()[0]["id"]
    before = count_credentials(settings)
    cohort = cohort_rows(achievement, 40)
    cohort[4]["learner"] = {"reference": "L-77", "staffIdentifier": STAFF, "name": "Z"}
    cohort[9]["earnedOn"] = "yesterday"
    cohort[30]["learner"] = {"reference": "L-77", "staffIdentifier": STAFF, "name": "Again"}
    response = api.http.post(
        f"{base}/awards/batch",
        headers={**token, "Idempotency-Key": "erased-among-many"},
        json={"mode": "per-row", "awards": cohort},
    )
    assert response.status_code == 202, response.text
    job = wait_for(api.http, response.headers["location"], token)
    assert job["status"] == "completed_with_errors"
    assert [(e["row"], e["field"]) for e in job["errors"]] == [
        (5, "learner"),
        (10, "earnedOn"),
        (31, "learner"),
    ]
    assert job["errors"][0]["message"] == "this learner's record was erased"
    assert count_credentials(settings) == before + 37
    passport = api.http.get(
        f"/api/v1/learners/{learner_id}/passport", headers=api.as_operator()
    ).json()
    assert len(passport["credentials"]) == 2
