"""Whole cohorts: rows validated first, jobs with progress, retries that issue nothing twice."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from passport.services import Services
from passport.settings import Settings
from tests.api_client import ACHIEVEMENT, Api, cohort_rows
from tests.commands import PASSPORT, passport_env

CSV_HEADER = "achievementId,reference,staffIdentifier,email,name,earnedOn,creditsEarned\n"


def wait_for(http: httpx.Client, location: str, headers: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = http.get(location, headers=headers).json()
        if job["status"] != "running":
            return job
        time.sleep(0.1)
    raise AssertionError("the job did not finish")


def count_credentials(settings: Settings) -> int:
    services = Services.open(settings)
    try:
        services.projections.catch_up(timeout=120)  # the server's follower may hold the lock
        with services.read_models.transaction() as tx:
            return int(tx.execute("SELECT COUNT(*) FROM rm_credentials")[0][0])
    finally:
        services.close()


@pytest.fixture
def academy(api: Api) -> tuple[str, dict[str, str], str]:
    account, token = api.register("Cohort Academy")
    base = f"/api/v1/issuers/{account['id']}"
    achievement = api.http.post(f"{base}/achievements", headers=token, json=ACHIEVEMENT).json()
    return base, token, achievement["id"]


def test_all_or_nothing_refuses_the_whole_cohort_naming_each_bad_row(api, academy, settings):
    """Two bad rows out of five: 422 with both row numbers and reasons; nothing is issued."""
    base, token, achievement = academy
    cohort = cohort_rows(achievement, 5)
    cohort[1]["earnedOn"] = "31/12/2026"
    cohort[3]["achievementId"] = "no-such-achievement"
    response = api.http.post(
        f"{base}/awards/batch",
        headers={**token, "Idempotency-Key": "c1"},
        json={"mode": "all-or-nothing", "awards": cohort},
    )
    assert response.status_code == 422
    body = response.json()
    assert [(e["row"], e["field"]) for e in body["errors"]] == [
        (2, "earnedOn"),
        (4, "achievementId"),
    ]
    assert "nothing was issued" in body["detail"]
    assert count_credentials(settings) == 0


def test_per_row_awards_the_good_rows_and_reports_the_bad(api, academy, settings):
    """In per-row mode the job completes with the bad row listed and the rest awarded."""
    base, token, achievement = academy
    cohort = cohort_rows(achievement, 30)
    cohort[6]["learner"] = {"reference": "R6", "name": "No identifier"}
    response = api.http.post(
        f"{base}/awards/batch",
        headers={**token, "Idempotency-Key": "c2"},
        json={"mode": "per-row", "awards": cohort},
    )
    assert response.status_code == 202
    job = wait_for(api.http, response.headers["location"], token)
    assert (job["status"], job["done"], job["total"]) == ("completed_with_errors", 30, 30)
    assert [e["row"] for e in job["errors"]] == [7]
    assert "staffIdentifier or email" in job["errors"][0]["message"]
    assert count_credentials(settings) == 29


def test_a_csv_cohort_retried_with_the_same_key_issues_nothing_twice(api, academy, settings):
    """A CSV of 300 rows is awarded once; the retried upload returns the same finished job."""
    base, token, achievement = academy
    lines = [f"{achievement},R{i},ESR-{i:08d},,Learner {i},2026-10-01,\n" for i in range(300)]
    csv = (CSV_HEADER + "".join(lines)).encode()
    headers = {**token, "Idempotency-Key": "lms-export-2026-11-23", "Content-Type": "text/csv"}
    first = api.http.post(f"{base}/awards/batch.csv", headers=headers, content=csv)
    assert first.status_code == 202, first.text
    job = wait_for(api.http, first.headers["location"], token)
    assert (job["status"], job["done"]) == ("completed", 300)
    again = api.http.post(f"{base}/awards/batch.csv", headers=headers, content=csv)
    assert again.status_code == 200
    assert again.json()["id"] == job["id"]
    assert count_credentials(settings) == 300


def test_csv_without_the_required_columns_is_a_clear_400(api, academy):
    """A CSV missing columns names them."""
    base, token, _ = academy
    response = api.http.post(
        f"{base}/awards/batch.csv",
        content=b"name,earnedOn\nA,2026-01-01\n",
        headers={**token, "Idempotency-Key": "c3", "Content-Type": "text/csv"},
    )
    assert response.status_code == 400
    assert "achievementId" in response.json()["detail"]


def test_another_issuer_cannot_read_the_job(api, academy):
    """A job belongs to its issuer: others get 403 on its path."""
    base, token, achievement = academy
    response = api.http.post(
        f"{base}/awards/batch",
        headers={**token, "Idempotency-Key": "c4"},
        json={"awards": cohort_rows(achievement, 2)},
    )
    _, other = api.register("Other Academy")
    assert api.http.get(response.headers["location"], headers=other).status_code == 403


def _passport(settings: Settings, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [PASSPORT, *args, "--json"],
        env=passport_env(settings),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(done.stdout)


@pytest.fixture
def server_process(settings: Settings) -> Iterator[tuple[str, Any]]:
    """A real `passport serve` process, restartable, killed at the end."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    processes: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [PASSPORT, "serve", "--port", str(port)],
            env=passport_env(settings),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        processes.append(process)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                    return process
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError("server did not start")

    yield f"http://127.0.0.1:{port}", start
    for process in processes:
        process.kill()
        process.wait()


@pytest.mark.slow
def test_killing_the_server_mid_cohort_then_retrying_leaves_one_credential_per_row(
    settings, server_process
):
    """SIGKILL during a 2,000-row cohort; the retry with the same key completes it exactly once."""
    operator = _passport(settings, "operator", "client")
    base_url, start = server_process
    process = start()
    http = httpx.Client(base_url=base_url, timeout=60)
    api_ = Api(http, (operator["client_id"], operator["client_secret"]))
    account, token = api_.register("Kill Test Academy")
    base = f"/api/v1/issuers/{account['id']}"
    achievement = http.post(f"{base}/achievements", headers=token, json=ACHIEVEMENT).json()["id"]
    cohort = {"mode": "per-row", "awards": cohort_rows(achievement, 2000)}
    headers = {**token, "Idempotency-Key": "nightly-lms-sync"}
    response = http.post(f"{base}/awards/batch", headers=headers, json=cohort)
    location = response.headers["location"]
    deadline = time.monotonic() + 120
    while http.get(location, headers=headers).json()["done"] < 300:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    interrupted = count_credentials(settings)
    assert 0 < interrupted < 2000
    start()
    token = api_.token(account["client_id"], account["client_secret"])
    retry = http.post(
        f"{base}/awards/batch",
        headers={**token, "Idempotency-Key": "nightly-lms-sync"},
        json=cohort,
    )
    assert retry.status_code == 202
    job = wait_for(http, retry.headers["location"], token)
    assert (job["status"], job["done"], job["total"]) == ("completed", 2000, 2000)
    assert count_credentials(settings) == 2000
    http.close()
