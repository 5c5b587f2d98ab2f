"""An idempotency key or credential id used twice never puts a second credential on the log."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx

from passport.services import Services
from passport.settings import Settings
from tests.api_client import ACHIEVEMENT, Api, award_body

ISSUED = "events.passport:Passport.CredentialIssued"


def _recorded_ids(settings: Settings) -> list[str]:
    """The id of every credential the log holds, as many times as it holds it."""
    services = Services.open(settings)
    try:
        notifications = services.ledger.recorder.select_notifications(start=0, limit=100_000)
        events: list[Any] = [
            services.ledger.mapper.to_domain_event(n) for n in notifications if n.topic == ISSUED
        ]
        return [str(event.credential_id) for event in events]
    finally:
        services.close()


def _issuer_with_achievement(api: Api) -> tuple[str, dict[str, str], str]:
    account, token = api.register("Idempotent Academy")
    base = f"/api/v1/issuers/{account['id']}"
    achievement = api.http.post(f"{base}/achievements", headers=token, json=ACHIEVEMENT).json()
    return base, token, achievement["id"]


def test_a_key_reused_for_another_learner_is_refused(api: Api, settings: Settings):
    """The same Idempotency-Key for another learner answers 422 and issues nothing; the first
    learner keeps the one credential with that id."""
    base, token, achievement = _issuer_with_achievement(api)
    headers = {**token, "Idempotency-Key": "lms-row-1"}
    first = api.http.post(f"{base}/awards", headers=headers, json=award_body(achievement))
    assert first.status_code == 201, first.text
    other = award_body(achievement, staff="NMC-77B7777B")
    reused = api.http.post(f"{base}/awards", headers=headers, json=other)
    assert reused.status_code == 422, reused.text
    assert "lms-row-1" in reused.json()["detail"] and "new key" in reused.json()["detail"]
    again = api.http.post(f"{base}/awards", headers=headers, json=award_body(achievement))
    assert again.status_code == 201 and again.json()["credentialId"] == first.json()["credentialId"]
    assert _recorded_ids(settings) == [first.json()["credentialId"]]


def test_a_key_reused_with_other_details_is_refused(api: Api, settings: Settings):
    """The same key for the same learner but another date or credits answers 422."""
    base, token, achievement = _issuer_with_achievement(api)
    headers = {**token, "Idempotency-Key": "lms-row-2"}
    first = api.http.post(f"{base}/awards", headers=headers, json=award_body(achievement))
    assert first.status_code == 201, first.text
    for change in ({"earnedOn": "2026-09-30"}, {"creditsEarned": 3}):
        body = {**award_body(achievement), **change}
        reused = api.http.post(f"{base}/awards", headers=headers, json=body)
        assert reused.status_code == 422, reused.text
    assert len(_recorded_ids(settings)) == 1


def _race(requests: list[Callable[[], httpx.Response]]) -> list[int]:
    """Send the requests at once, from one thread each; return their statuses."""
    start = threading.Barrier(len(requests))
    statuses: list[int] = [0] * len(requests)

    def send(i: int) -> None:
        start.wait()
        statuses[i] = requests[i]().status_code

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


def test_racing_requests_with_one_key_record_one_credential(api: Api, settings: Settings):
    """Requests racing with one key for different learners: one is issued, the others are
    refused, and the log holds that credential id once."""
    base, token, achievement = _issuer_with_achievement(api)
    headers = {**token, "Idempotency-Key": "lms-race"}
    staff = ["NMC-10A0001A", "NMC-10A0002A", "NMC-10A0003A"]

    def post(body: dict[str, Any]) -> Callable[[], httpx.Response]:
        return lambda: api.http.post(f"{base}/awards", headers=headers, json=body)

    statuses = _race([post(award_body(achievement, staff=s)) for s in staff])
    assert statuses == [201, 422, 422]
    recorded = _recorded_ids(settings)
    assert len(recorded) == 1


def test_racing_vc_api_requests_with_one_credential_id_record_it_once(api: Api, settings: Settings):
    """Two /credentials/issue requests naming the same credential id at once: one 201, one
    409, and the log holds that id once."""
    account, token = api.register("VC Race Academy")
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:0b6c8f4e-4b8e-4c59-9d8b-5a7f3f1d2c01",
        "type": ["VerifiableCredential"],
        "issuer": account["did"],
        "credentialSubject": {"id": "did:example:holder"},
    }

    def post() -> httpx.Response:
        return api.http.post("/credentials/issue", headers=token, json={"credential": credential})

    assert _race([post, post]) == [201, 409]
    assert _recorded_ids(settings) == [credential["id"]]
