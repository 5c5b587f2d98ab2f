"""Large cohorts on PostgreSQL are recorded by writer processes of their own while the server
signs the next chunk: every row once, the same learner's rows in any order, and a writer that
dies fails the job with what to do, the same request then finishing it."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from passport.services import Services
from passport.settings import Settings
from passport.writer_process import COHORT_WRITER_FROM
from tests.api_client import ACHIEVEMENT, Api
from tests.issuers.test_cohorts import wait_for
from tests.passport.server import serving
from tests.security.test_import_writer_process import _alive, _children

pytestmark = pytest.mark.postgres

ROWS = COHORT_WRITER_FROM + 500
LEARNERS = 500  # each learner has three rows, spread over the whole cohort


@pytest.fixture
def academy(pg_settings: Settings) -> Iterator[tuple[httpx.Client, str, dict[str, str], str]]:
    """A server on PostgreSQL (in this process, so its writer is this process's child), an
    issuer's token and an achievement."""
    services = Services.open(pg_settings)
    operator = services.accounts.new_operator_client()
    services.close()
    with serving(pg_settings) as base, httpx.Client(base_url=base, timeout=60) as http:
        api = Api(http, (operator.client_id, operator.client_secret))
        account, token = api.register("Writer Cohort Academy")
        issuer = f"/api/v1/issuers/{account['id']}"
        achievement = http.post(f"{issuer}/achievements", headers=token, json=ACHIEVEMENT).json()
        yield http, issuer, token, achievement["id"]


def _cohort(achievement: str) -> dict[str, Any]:
    return {
        "mode": "per-row",
        "awards": [
            {
                "achievementId": achievement,
                "earnedOn": f"2026-{1 + row // LEARNERS:02d}-01",
                "learner": {
                    "reference": f"R{row % LEARNERS}",
                    "staffIdentifier": f"ESR-{row % LEARNERS:08d}",
                    "name": f"Learner {row % LEARNERS}",
                },
            }
            for row in range(ROWS)
        ],
    }


def _writer() -> int | None:
    """A writer process this process (the server's) has running, if any: forked by its writer
    server (a child of its own)."""
    for server in _children(os.getpid()):
        try:
            cmdline = Path(f"/proc/{server}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if b"forkserver" in cmdline:
            return next((w for w in _children(server) if _alive(w)), None)
    return None


def _recorded(settings: Settings) -> dict[str, int]:
    """Credentials the read models hold, and their learners, once caught up."""
    services = Services.open(settings)
    try:
        services.projections.catch_up(timeout=120)
        with services.read_models.read() as tx:
            credentials, learners = tx.execute(
                "SELECT COUNT(*), COUNT(DISTINCT learner_id) FROM rm_credentials"
            )[0]
            keys = tx.execute("SELECT COUNT(*) FROM award_idempotency_keys")[0][0]
    finally:
        services.close()
    return {"credentials": int(credentials), "learners": int(learners), "keys": int(keys)}


def test_a_large_cohort_is_written_by_a_writer_process_each_row_once(academy, pg_settings):
    """1,500 rows for 500 learners (each learner's three rows far apart): the job reports every
    row done, a writer process recorded while the server signed, and each row is one credential
    of the right learner."""
    http, issuer, token, achievement = academy
    headers = {**token, "Idempotency-Key": "writer-cohort"}
    response = http.post(f"{issuer}/awards/batch", headers=headers, json=_cohort(achievement))
    assert response.status_code == 202, response.text
    seen_writer = False
    deadline = time.monotonic() + 300
    while (job := http.get(response.headers["location"], headers=headers).json())[
        "status"
    ] == "running":
        seen_writer = seen_writer or _writer() is not None
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
    assert (job["status"], job["done"], job["total"]) == ("completed", ROWS, ROWS), job
    assert seen_writer, "the cohort was not written by a writer process"
    assert _recorded(pg_settings) == {"credentials": ROWS, "learners": LEARNERS, "keys": ROWS}
    assert _writer() is None, "the writer outlived its job"


def test_a_writer_that_dies_fails_the_job_and_the_same_request_finishes_it(academy, pg_settings):
    """`kill -9` of the writer mid-cohort: the job ends "failed", saying to send the same request
    again; sent again, it completes, each row recorded once."""
    http, issuer, token, achievement = academy
    headers = {**token, "Idempotency-Key": "writer-killed"}
    cohort = _cohort(achievement)
    response = http.post(f"{issuer}/awards/batch", headers=headers, json=cohort)
    location = response.headers["location"]
    deadline = time.monotonic() + 300
    while (writer := _writer()) is None or http.get(location, headers=headers).json()["done"] < 200:
        assert time.monotonic() < deadline, "the job never got a writer"
        time.sleep(0.02)
    os.kill(writer, signal.SIGKILL)
    job = wait_for(http, location, headers)
    assert job["status"] == "failed", job
    assert 0 < job["done"] < ROWS, job
    message = job["errors"][-1]["message"]
    assert "writer process ended unexpectedly" in message
    assert "same Idempotency-Key" in message
    again = http.post(f"{issuer}/awards/batch", headers=headers, json=cohort)
    assert again.status_code == 202, again.text
    job = wait_for(http, again.headers["location"], headers)
    assert (job["status"], job["done"], job["total"]) == ("completed", ROWS, ROWS), job
    assert _recorded(pg_settings) == {"credentials": ROWS, "learners": LEARNERS, "keys": ROWS}
