"""Many processes on one PostgreSQL (issue 16): two `passport serve --workers 2` share a ledger
while cohorts are issued through both, with one follower and one signer elected among them."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from passport.services import Services
from passport.settings import Settings
from passport.writer_process import COHORT_WRITER_FROM
from projections.follower import lock_key
from tests.api_client import Api, cohort_rows
from tests.commands import PASSPORT, passport_env
from tests.issuers.test_cohorts import wait_for
from tests.passport.server import free_port, settled
from tests.passport.test_cli import run
from tests.passport.test_operations import metric_samples

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def two_servers(pg_settings: Settings, tmp_path: Path) -> Iterator[list[str]]:
    """Two `passport serve --workers 2` processes on the same database; their base URLs."""
    env = passport_env(pg_settings)
    command = [PASSPORT, "serve", "--workers", "2"]
    logs = [tmp_path / "server-a.log", tmp_path / "server-b.log"]
    processes: list[subprocess.Popen[bytes]] = []
    bases: list[str] = []
    try:
        for log in logs:
            process, base = _start(command, env, log)
            processes.append(process)
            bases.append(base)
        yield bases
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)  # the parent stops its workers
        for process in processes:
            process.wait(timeout=60)


def _start(
    command: list[str], env: dict[str, str], log: Path
) -> tuple[subprocess.Popen[bytes], str]:
    """A `passport serve` process answering on a free port, and its base URL. A server that
    exits before it answers (another test worker took the port meanwhile) is started again on
    another port, up to three times; its log says why."""
    for _ in range(3):
        port = free_port()
        with log.open("wb") as out:
            process = subprocess.Popen(
                [*command, "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT
            )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    return process, base
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        if process.poll() is None:
            process.kill()
            process.wait()
            break
    raise AssertionError(f"a server did not start:\n{log.read_text()[-3000:]}")


def _leaseholders(settings: Settings, job: str) -> int:
    """How many sessions hold the job's advisory lock (PostgreSQL splits a bigint key in two)."""
    key = lock_key(job) & 0xFFFFFFFFFFFFFFFF
    with psycopg.connect(settings.postgres_conninfo()) as conn:
        row = conn.execute(
            "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND classid::bigint = %s AND objid::bigint = %s AND objsubid = 1",
            (key >> 32, key & 0xFFFFFFFF),
        ).fetchone()
    return int(row[0]) if row else 0


def test_two_servers_with_two_workers_each_issue_cohorts_as_one_ledger(pg_settings, two_servers):
    """Cohorts sent to both servers at once: every row becomes exactly one credential, reads on
    both answer throughout, one follower and one signer hold their leases, both servers serve
    the same checkpoint, and `passport audit` is clean."""
    services = Services.open(pg_settings)
    try:
        operator = services.accounts.new_operator_client()
    finally:
        services.close()
    clients = [httpx.Client(base_url=base, timeout=60) for base in two_servers]
    api = Api(clients[0], (operator.client_id, operator.client_secret))
    issuer, token, achievement_id = api.academy("Busy Academy")

    read_statuses: list[int] = []
    checkpoint_reads = dict.fromkeys(two_servers, 0)
    done = threading.Event()

    def read_meanwhile() -> None:
        with httpx.Client(timeout=30) as reader:
            while not done.is_set():
                for base in two_servers:
                    read_statuses.append(reader.get(f"{base}/log/checkpoint").status_code)
                    checkpoint_reads[base] += 1
                    read_statuses.append(reader.get(f"{base}{issuer}", headers=token).status_code)

    reader = threading.Thread(target=read_meanwhile)
    reader.start()
    try:
        jobs = []
        # The first is large enough to be written by a writer process of its worker's own.
        sizes = (COHORT_WRITER_FROM, 150)
        for n, client in enumerate(clients):
            awards = cohort_rows(achievement_id, sizes[n], start=sum(sizes[:n]))
            cohort = {"mode": "per-row", "awards": awards}
            sent = client.post(
                f"{issuer}/awards/batch",
                headers={**token, "Idempotency-Key": f"cohort-{n}"},
                json=cohort,
            )
            assert sent.status_code == 202, sent.text
            jobs.append((client, sent.headers["location"]))
        for (client, location), size in zip(jobs, sizes, strict=True):
            job = wait_for(client, location, token)
            assert (job["status"], job["done"], job["total"]) == ("completed", size, size), job
    finally:
        done.set()
        reader.join()
    for client in clients:
        client.close()

    assert read_statuses and set(read_statuses) <= {200, 404}  # 404: before the first checkpoint
    assert read_statuses.count(200) > 0
    _metrics_count_every_process(two_servers, checkpoint_reads, sum(sizes))
    settled(pg_settings)
    with psycopg.connect(pg_settings.postgres_conninfo()) as conn:
        total, distinct = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT credential_id) FROM rm_credentials"
        ).fetchone() or (0, 0)
    assert (total, distinct) == (sum(sizes), sum(sizes))
    assert _leaseholders(pg_settings, "follower-passports") == 1
    assert _leaseholders(pg_settings, "checkpoint-signer") == 1
    notes = {httpx.get(f"{base}/log/checkpoint", timeout=60).text for base in two_servers}
    assert len(notes) == 1
    audit = run(pg_settings, "audit")
    assert audit.returncode == 0, audit.stdout + audit.stderr


def _metrics_count_every_process(
    bases: list[str], checkpoint_reads: dict[str, int], awards: int
) -> None:
    """Whichever worker answers `/metrics` (a new connection each time), a server counts the
    checkpoint reads all its workers answered, and the two count every award their background
    processes and writer processes recorded (a cohort job may run on either server)."""
    deadline = time.monotonic() + 10  # a worker counts a request just after answering it
    while True:
        answers = [
            [metric_samples(httpx.get(f"{b}/metrics").text) for _ in range(4)] for b in bases
        ]
        reads = [
            {
                sum(
                    value
                    for labels, value in samples["passport_http_request_duration_seconds_count"]
                    if labels["route"] == "/log/checkpoint"
                )
                for samples in scrapes
            }
            for scrapes in answers
        ]
        if reads == [{checkpoint_reads[b]} for b in bases] or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert reads == [{checkpoint_reads[b]} for b in bases]
    recorded = [
        {samples["passport_awards_recorded_total"][0][1] for samples in scrapes}
        for scrapes in answers
    ]
    assert all(len(seen) == 1 for seen in recorded), recorded
    assert sum(seen.pop() for seen in recorded) == awards
