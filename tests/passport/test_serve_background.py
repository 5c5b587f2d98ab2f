"""`passport serve` runs its background jobs (the read models' follower, the checkpoint signer)
in a process of its own, which applies what the web process records and dies with the server."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from passport.background import FOLLOWER_JOB, lease
from passport.settings import Settings
from passport.writer_process import COHORT_WRITER_FROM
from tests.api_client import ACHIEVEMENT, Api, award_body, cohort_rows
from tests.commands import PASSPORT, passport_env
from tests.issuers.test_cohorts import count_credentials, wait_for
from tests.passport.server import free_port
from tests.passport.test_cli import run
from tests.passport.test_operations import metric_samples
from tests.security.test_import_writer_process import _alive, _children

pytestmark = pytest.mark.slow


@contextmanager
def _serving(settings: Settings, cwd: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """A `passport serve` process answering on a free port, and its base URL. It runs in `cwd`,
    the directory that holds the key directory `keys`, as an operator might start it."""
    (cwd / "keys").mkdir(mode=0o700, exist_ok=True)
    port = free_port()
    env = passport_env(settings)
    command = [PASSPORT, "serve", "--port", str(port)]
    log = cwd / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        yield process, base
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


@pytest.fixture
def server(settings: Settings, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`passport serve` on the test's store."""
    with _serving(settings, tmp_path) as served:
        yield served


def _operator(settings: Settings) -> tuple[str, str]:
    made = run(settings, "operator", "client", "--json")
    assert made.returncode == 0, made.stderr
    client = json.loads(made.stdout)
    return client["client_id"], client["client_secret"]


def test_the_server_s_background_process_applies_its_writes_and_holds_the_follower_lease(
    settings, server
):
    """An award made through the API is on the learner's record when the write answers, applied
    by a process other than the one answering: while the server runs, nothing else can take the
    follower's lease; once it has stopped (SIGTERM), the lease is free and no child is left."""
    process, base = server
    with httpx.Client(base_url=base, timeout=30) as http:
        issuer, token, achievement_id = Api(http, _operator(settings)).academy("Background Academy")
        award = http.post(f"{issuer}/awards", headers=token, json=award_body(achievement_id))
        assert award.status_code == 201, award.text
        credential_id = award.json()["credentialId"]
        read = http.get(f"{issuer}/awards/{credential_id}", headers=token)  # from the read model
        assert (read.status_code, read.json()["status"]) == (200, "active"), read.text

    children = _children(process.pid)
    assert children, "the server started no background process"
    held = lease(settings, FOLLOWER_JOB)
    assert held.acquire() is False  # the server's background process holds it
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) in (0, -signal.SIGTERM)  # uvicorn ends with the signal
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in children):
        assert time.monotonic() < deadline, "a child of the server outlived it"
        time.sleep(0.05)
    assert held.acquire() is True
    held.release()


def test_a_killed_server_leaves_no_background_process_holding_the_lease(settings, server):
    """`kill -9` of the server takes its background process with it: the follower's lease is
    free for the next server to take."""
    process, _ = server
    held = lease(settings, FOLLOWER_JOB)
    deadline = time.monotonic() + 30
    while held.acquire():  # the background process may not have taken it yet
        held.release()
        assert time.monotonic() < deadline, "no background process took the follower's lease"
        time.sleep(0.1)
    children = _children(process.pid)
    process.kill()
    process.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in children):
        assert time.monotonic() < deadline, "a child of the killed server outlived it"
        time.sleep(0.05)
    deadline = time.monotonic() + 10
    while not held.acquire():
        assert time.monotonic() < deadline, "the lease stayed held after the server died"
        time.sleep(0.1)
    held.release()


@pytest.mark.postgres
def test_a_cohort_large_enough_for_writer_processes_completes_under_the_server(
    pg_settings, tmp_path
):
    """A cohort of `COHORT_WRITER_FROM` rows sent to `passport serve` started in the directory
    holding its key directory `keys` (which Python would take for our `keys` package, were the
    writers' modules loaded from there): the job completes, every row once."""
    with (
        _serving(pg_settings, tmp_path) as (_, base),
        httpx.Client(base_url=base, timeout=60) as http,
    ):
        issuer, token, achievement_id = Api(http, _operator(pg_settings)).academy("Writers Academy")
        cohort = {"mode": "per-row", "awards": cohort_rows(achievement_id, COHORT_WRITER_FROM)}
        headers = {**token, "Idempotency-Key": "writers"}
        sent = http.post(f"{issuer}/awards/batch", headers=headers, json=cohort)
        assert sent.status_code == 202, sent.text
        job = wait_for(http, sent.headers["location"], headers)
        counted = _awards_counted(http)
    assert (job["status"], job["done"]) == ("completed", COHORT_WRITER_FROM), job
    assert count_credentials(pg_settings) == COHORT_WRITER_FROM
    assert counted == COHORT_WRITER_FROM  # recorded by the writers, counted by their parent


def _awards_counted(http: httpx.Client) -> float:
    return metric_samples(http.get("/metrics").text)["passport_awards_recorded_total"][0][1]


@pytest.mark.postgres
def test_metrics_count_the_awards_of_every_process_of_the_server(pg_settings, tmp_path):
    """`/metrics` of a one-worker server adds the web process's own counts (in memory) to its
    other processes' (in files): a module award and a small cohort's twelve rows recorded by the
    web process, and the programme credential the module earns, recorded by the background
    process's programme awarder; each counted once, and the cohort request timed once."""
    with (
        _serving(pg_settings, tmp_path) as (_, base),
        httpx.Client(base_url=base, timeout=30) as http,
    ):
        issuer, token, achievement_id = Api(http, _operator(pg_settings)).academy("Counted Academy")
        module = http.post(
            f"{issuer}/achievements", headers=token, json={**ACHIEVEMENT, "name": "EPR module"}
        )
        assert module.status_code == 201, module.text
        programme = {
            "name": "EPR Foundation Certificate",
            "description": "EPR skills for every member of staff.",
            "criteria": "The EPR module.",
            "core": [module.json()["id"]],
        }
        defined = http.post(f"{issuer}/programmes", headers=token, json=programme)
        assert defined.status_code == 201, defined.text
        award = http.post(f"{issuer}/awards", headers=token, json=award_body(module.json()["id"]))
        assert award.status_code == 201, award.text
        cohort = {"mode": "per-row", "awards": cohort_rows(achievement_id, 12)}
        headers = {**token, "Idempotency-Key": "counted"}
        sent = http.post(f"{issuer}/awards/batch", headers=headers, json=cohort)
        assert sent.status_code == 202, sent.text
        job = wait_for(http, sent.headers["location"], headers)
        assert job["status"] == "completed", job
        deadline = time.monotonic() + 60
        while (counted := _awards_counted(http)) < 14:  # the programme's award comes later
            assert time.monotonic() < deadline, f"{counted} awards counted"
            time.sleep(0.1)
        time.sleep(1)  # a count beyond 14 (counted twice) would show by now
        timed = metric_samples(http.get("/metrics").text)
    assert timed["passport_awards_recorded_total"][0][1] == 14
    answered = {
        labels["route"]: value
        for labels, value in timed["passport_http_request_duration_seconds_count"]
        if labels["method"] == "POST"
    }
    assert answered["/api/v1/issuers/{issuer_id}/awards/batch"] == 1
