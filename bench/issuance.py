"""Prints cohort issuance throughput, each figure against bare `eventsourcing` appends (same run).

- bare `eventsourcing`: a plain library application on the same kind of store saving, in
  batches of 100, one new aggregate per award carrying the text of a signed credential (what
  the store itself can take; the figure every other one is divided by);
- bare ledger append: `Ledger.record_awards` of credentials signed beforehand, in batches of
  100 (recording signed events and claims, without building or signing credentials);
- library: `Awarding.award_many` in the cohort runner's chunks (build, sign both forms, reserve
  status indexes, record);
- API: `POST /api/v1/issuers/{id}/awards/batch` on `passport serve` (a process of its own, its
  background jobs in another), polled until the job is done; then until the server's followers
  (read models, programme awarder, maintenance keeper) have applied it all;
- rounds: the same learners awarded again and again (`--rounds`, `award_many` in batches of
  100), each round's rate against the bare append: flat when an award costs the same at the
  first round and the last.

`--postgres` runs everything on a throwaway PostgreSQL server instead of SQLite files.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
from eventsourcing.application import Application

from bench.ledger import Note
from bench.serving import BIN, followers_caught_up, passport_env, serving_process
from bench.store import throwaway_settings
from events.issuer import AchievementKind
from issuers.accounts import IssuerAccount
from issuers.awarding import AwardRequest, Learner
from issuers.cohort import Mode, validate
from issuers.jobs import Job
from passport.services import Services
from tests.passport.server import free_port
from tests.postgres_cluster import Cluster, throwaway_cluster

# The bare appends' batch, as first measured (the cohort runner's is `issuers.jobs.CHUNK`).
CHUNK = 100

POSTGRES: Cluster | None = None


def _services(directory: Path, name: str) -> Services:
    return Services.open(throwaway_settings(directory, name, POSTGRES))


def _academy(services: Services) -> tuple[IssuerAccount, str]:
    account = services.accounts.register_issuer(
        "Bench Academy", "https://b.example", datetime.now(UTC)
    )
    achievement = services.awarding.define_achievement(
        account.id,
        name="Information Governance",
        description="IG",
        criteria="Pass",
        kind=AchievementKind.TRAINING,
        refresher_months=12,
    )
    return account, achievement


def _requests(achievement: str, rows: int, tag: str, key: str = "") -> list[AwardRequest]:
    return [
        AwardRequest(
            achievement,
            Learner(f"ESR-{tag}-{i:07d}", f"Learner {i}", ""),
            date(2026, 10, 1),
            None,
            f"{tag}{key}#{i}",
        )
        for i in range(rows)
    ]


def bench_bare(rows: int, directory: Path) -> float:
    """Signed entries prepared first; only their recording is timed."""
    services = _services(directory, "bare")
    account, achievement = _academy(services)
    issuer = services.ledger.issuer(account.id)
    requests = _requests(achievement, rows, "bare")
    batches = [
        services.awarding.prepare(issuer, requests[i : i + CHUNK], datetime.now(UTC))[1]
        for i in range(0, rows, CHUNK)
    ]
    start = time.perf_counter()
    for entries in batches:
        services.ledger.record_awards(entries)
    elapsed = time.perf_counter() - start
    services.close()
    return rows / elapsed


def bench_eventsourcing(rows: int, directory: Path, name: str = "eventsourcing") -> float:
    """A plain library application saving batches of CHUNK aggregates of credential size."""
    services = _services(directory, name)
    account, achievement = _academy(services)
    issuer = services.ledger.issuer(account.id)
    sample = services.awarding.prepare(
        issuer, _requests(achievement, 1, "sample"), datetime.now(UTC)
    )[1][0]
    text = json.dumps(sample.credential) + sample.jwt
    env = services.settings.eventsourcing_env() | {"CREATE_TABLE": "y"}
    services.close()
    app: Application[Any] = Application(env=env)
    start = time.perf_counter()
    for i in range(0, rows, CHUNK):
        app.save(*(Note(text=text, author=str(n)) for n in range(i, min(i + CHUNK, rows))))
    elapsed = time.perf_counter() - start
    app.close()
    return rows / elapsed


def bench_library(rows: int, directory: Path) -> float:
    services = _services(directory, "library")
    account, achievement = _academy(services)
    issuer_id = account.id
    valid, _ = validate(
        [
            {
                "achievementId": achievement,
                "earnedOn": "2026-10-01",
                "learner": {
                    "reference": f"R{i}",
                    "staffIdentifier": f"ESR-{i:07d}",
                    "name": f"Learner {i}",
                },
            }
            for i in range(rows)
        ],
        services.ledger.issuer(issuer_id),
        "bench-academy",
        "library",
    )
    job = Job("bench", str(issuer_id), Mode.PER_ROW.value, rows)
    start = time.perf_counter()
    services.cohorts.run(job, issuer_id, valid, datetime.now(UTC))
    elapsed = time.perf_counter() - start
    services.close()
    return rows / elapsed


def bench_rounds(rows: int, rounds: int, directory: Path) -> list[float]:
    """Awards/s of each round of `rows` awards to the same learners, in cohort chunks."""
    services = _services(directory, "rounds")
    account, achievement = _academy(services)
    rates = []
    for round_no in range(rounds):
        requests = _requests(achievement, rows, "rounds", f"/{round_no}")
        start = time.perf_counter()
        for i in range(0, rows, CHUNK):
            services.awarding.award_many(account.id, requests[i : i + CHUNK], at=datetime.now(UTC))
        rates.append(rows / (time.perf_counter() - start))
    services.close()
    return rates


def bench_api(rows: int, directory: Path) -> tuple[float, float]:
    """(awards/s until the job is done, awards/s until the server's followers have applied it)."""
    settings = throwaway_settings(directory, "api", POSTGRES)
    services = Services.open(settings)
    account, achievement = _academy(services)
    services.close()
    cohort = {
        "mode": "per-row",
        "awards": [
            {
                "achievementId": achievement,
                "earnedOn": "2026-10-01",
                "learner": {
                    "reference": f"R{i}",
                    "staffIdentifier": f"ESR-{i:07d}",
                    "name": f"Learner {i}",
                },
            }
            for i in range(rows)
        ],
    }
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = [str(BIN / "passport"), "serve", "--port", str(port)]
    with (
        serving_process(
            serve, passport_env(settings, settings.base_url), directory, f"{base}/healthz"
        ),
        httpx.Client(base_url=base, timeout=300) as http,
    ):
        followers_caught_up(settings, timeout=120)
        token = http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(account.client_id, account.client_secret),
        ).json()
        headers = {"Authorization": f"Bearer {token['access_token']}", "Idempotency-Key": "b"}
        start = time.perf_counter()
        response = http.post(
            f"/api/v1/issuers/{account.id}/awards/batch", headers=headers, json=cohort
        )
        location = response.headers["location"]
        while (job := http.get(location, headers=headers).json())["status"] == "running":
            time.sleep(0.05)
        done = time.perf_counter() - start
        if job["status"] != "completed":
            raise SystemExit(f"the cohort job ended {job['status']}: {job['errors'][:3]}")
        followers_caught_up(settings, timeout=3600)
        applied = time.perf_counter() - start
    return rows / done, rows / applied


def main() -> None:
    """Run the measurements and print them with their ratios to the bare append."""
    global POSTGRES  # noqa: PLW0603 - one store choice for the whole run
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        if args.postgres:
            POSTGRES = stack.enter_context(throwaway_cluster())
        store = bench_eventsourcing(args.rows, Path(tmp))
        bare = bench_bare(args.rows, Path(tmp))
        library = bench_library(args.rows, Path(tmp))
        api, applied = bench_api(args.rows, Path(tmp))
        rounds = bench_rounds(args.rows, args.rounds, Path(tmp))
    print(
        f"cohort issuance, {args.rows} awards, {'PostgreSQL' if args.postgres else 'SQLite file'}"
    )
    print(f"  bare eventsourcing (batches of {CHUNK})           : {store:8.0f} awards/s")
    print(
        f"  bare ledger append (pre-signed, batches of {CHUNK}) : {bare:8.0f} awards/s   "
        f"ratio {bare / store:.2f}"
    )
    print(
        f"  library (award_many, build + sign + record)    : {library:8.0f} awards/s   "
        f"ratio {library / store:.2f}"
    )
    print(
        f"  API (POST …/awards/batch, job polled to done)  : {api:8.0f} awards/s   "
        f"ratio {api / store:.2f}"
    )
    print(
        f"  API, until the followers have applied it all    : {applied:8.0f} awards/s   "
        f"ratio {applied / store:.2f}"
    )
    for round_no, rate in enumerate(rounds, start=1):
        print(
            f"  round {round_no:2d} (same learners, award {round_no})        : "
            f"{rate:8.0f} awards/s   ratio {rate / store:.2f}"
        )
    print(f"  last round / first round                       : {rounds[-1] / rounds[0]:8.2f}")


if __name__ == "__main__":
    main()
