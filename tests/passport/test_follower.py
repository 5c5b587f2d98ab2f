"""The background follower (issue 16): elected once, reads never wait for it, and a write whose
events it has not applied within `PASSPORT_WRITE_WAIT` answers with what was recorded."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx

from events.issuer import AchievementKind
from passport.background import FOLLOWER_JOB, lease
from passport.services import Services
from passport.settings import Settings
from tests.api_client import award_body
from tests.passport.server import serving
from tests.passport.test_cli import run


def _academy(settings: Settings) -> tuple[str, str, tuple[str, str]]:
    """An issuer with an achievement and client credentials, recorded and applied by the
    library as the CLI does: (issuer id, achievement id, credentials)."""
    services = Services.open(settings)
    try:
        account = services.accounts.register_issuer(
            "Follower Academy", "https://academy.example", datetime.now(UTC)
        )
        achievement = services.awarding.define_achievement(
            account.id,
            name="Fire Safety",
            description="d",
            criteria="c",
            kind=AchievementKind.TRAINING,
        )
        services.projections.catch_up()
    finally:
        services.close()
    return str(account.id), achievement, (account.client_id, account.client_secret)


def _token(http: httpx.Client, credentials: tuple[str, str]) -> dict[str, str]:
    answer = http.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=credentials)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_without_the_follower_writes_answer_with_what_they_recorded_and_reads_do_not_wait(
    settings,
):
    """While another process holds the follower's lease and applies nothing: an award answers
    201 with the credential the write side recorded, a revocation 202 with Location, and reads
    answer at once from what is committed. When that process lets go, this server's follower
    takes over and the award shows as revoked."""
    issuer_id, achievement, credentials = _academy(settings)
    quick = settings.model_copy(update={"write_wait": 0.3})
    held = lease(settings, FOLLOWER_JOB)
    assert held.acquire()
    try:
        with serving(quick) as base, httpx.Client(base_url=base, timeout=30) as http:
            token = _token(http, credentials)
            base_path = f"/api/v1/issuers/{issuer_id}/awards"
            made = http.post(base_path, headers=token, json=award_body(achievement))
            assert made.status_code == 201, made.text
            credential_id = made.json()["credentialId"]
            assert made.json()["credential"]["id"] == credential_id
            assert made.json()["status"] == "active"
            unseen = http.get(f"{base_path}/{credential_id}", headers=token)
            assert unseen.status_code == 404  # not applied yet: nobody follows
            held.release()
            seen = _eventually_found(http, f"{base_path}/{credential_id}", token)
            assert seen["status"] == "active"
            assert held.acquire() is False  # this server's follower holds it now
    finally:
        held.release()


def test_a_change_not_yet_applied_answers_202_with_location(settings):
    """A revocation recorded while no follower runs answers 202 pointing at the award; once a
    follower applies it, that award reads as revoked."""
    issuer_id, achievement, credentials = _academy(settings)
    quick = settings.model_copy(update={"write_wait": 0.3})
    with serving(quick) as base, httpx.Client(base_url=base, timeout=30) as http:
        token = _token(http, credentials)
        awards = f"/api/v1/issuers/{issuer_id}/awards"
        credential_id = http.post(awards, headers=token, json=award_body(achievement)).json()[
            "credentialId"
        ]
    held = lease(settings, FOLLOWER_JOB)
    assert held.acquire()
    try:
        with serving(quick) as base, httpx.Client(base_url=base, timeout=30) as http:
            token = _token(http, credentials)
            revoked = http.post(
                f"{awards}/{credential_id}/revoke", headers=token, json={"reason": "in error"}
            )
            assert revoked.status_code == 202, revoked.text
            assert revoked.headers["location"] == f"{awards}/{credential_id}"
            assert http.get(revoked.headers["location"], headers=token).json()["status"] == (
                "active"
            )
            held.release()
            _eventually_found(http, f"{awards}/{credential_id}", token, status="revoked")
    finally:
        held.release()


def _eventually_found(
    http: httpx.Client, path: str, headers: dict[str, str], status: str | None = None
) -> dict[str, str]:
    """The award once the follower has applied it (polling the API; bounded)."""
    for _ in range(600):
        answer = http.get(path, headers=headers)
        if answer.status_code == 200 and status in (None, answer.json()["status"]):
            return dict(answer.json())
        time.sleep(0.05)
    raise AssertionError(f"{path} never showed {status or 'up'}")


def test_an_inclusion_proof_not_yet_in_a_signed_checkpoint_says_so_and_signs_nothing(settings):
    """A credential recorded after the newest checkpoint: its proof answers 409 "not yet in a
    signed checkpoint" with Retry-After (a GET signs nothing); once `passport log checkpoint`
    signs, the same request answers 200 with that checkpoint's tree size."""
    issuer_id, achievement, credentials = _academy(settings)
    on_demand = settings.model_copy(update={"checkpoint_interval": 0})
    with serving(on_demand) as base, httpx.Client(base_url=base, timeout=30) as http:
        token = _token(http, credentials)
        made = http.post(
            f"/api/v1/issuers/{issuer_id}/awards", headers=token, json=award_body(achievement)
        )
        assert made.status_code == 201, made.text
        query = {"credential_id": made.json()["credentialId"]}
        for _ in range(2):
            pending = http.get("/log/proof/inclusion", params=query)
            assert pending.status_code == 409
            assert pending.json()["type"].endswith("/not-yet-checkpointed")
            assert int(pending.headers["retry-after"]) > 0
        assert run(settings, "log", "checkpoint").returncode == 0
        proven = http.get("/log/proof/inclusion", params=query)
        assert proven.status_code == 200
        assert proven.json()["treeSize"] > proven.json()["leafIndex"]
