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
  first round and the last;
- with `--preload N` (PostgreSQL), two API cohorts of new learners, one after the other, into
  a ledger already holding N credentials of another academy (loaded by `passport import`,
  caught up by the server's followers before the first is sent; PostgreSQL is still writing
  out the load and vacuuming it during the first, so the second is the steady rate), against
  bare appends into an empty store and into one filled to the ledger's number of events (what
  the store itself loses to size): flat when an award costs the same into the millionth
  credential as into the first.

`--postgres` runs everything on a throwaway PostgreSQL server instead of SQLite files.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from eventsourcing.application import Application
from psycopg import sql

from bench.ledger import Note
from bench.serving import BIN, followers_caught_up, passport_env, serving_process
from bench.store import throwaway_settings
from events.issuer import AchievementKind
from issuers.accounts import IssuerAccount
from issuers.awarding import AwardRequest, Learner
from issuers.cohort import Mode, validate
from issuers.jobs import Job
from passport.services import Services
from tests.api_client import cohort_rows
from tests.passport.server import free_port
from tests.postgres_cluster import Cluster, throwaway_cluster

# The bare appends' batch, as first measured (the cohort runner's is `issuers.jobs.CHUNK`).
CHUNK = 100

POSTGRES: Cluster | None = None


def _services(directory: Path, name: str) -> Services:
    return Services.open(throwaway_settings(directory, name, POSTGRES))


def _academy(services: Services, name: str = "Bench Academy") -> tuple[IssuerAccount, str]:
    account = services.accounts.register_issuer(name, "https://b.example", datetime.now(UTC))
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


def bench_eventsourcing(
    rows: int, directory: Path, name: str = "eventsourcing", prefill: int = 0
) -> float:
    """A plain library application saving batches of CHUNK aggregates of credential size, into
    an empty store or (PostgreSQL) one already holding `prefill` events of the same size."""
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
    if prefill:
        _prefill(services.settings.database_url, app, text, prefill)
    start = time.perf_counter()
    for i in range(0, rows, CHUNK):
        app.save(*(Note(text=text, author=str(n)) for n in range(i, min(i + CHUNK, rows))))
    elapsed = time.perf_counter() - start
    app.close()
    return rows / elapsed


def _prefill(database_url: str, app: Application[Any], text: str, events: int) -> None:
    """Fill the bare application's table with `events` rows of one aggregate each (what the
    ledger's table holds after a load), in one statement: the store at the ledger's size."""
    table = app.recorder.events_table_name  # type: ignore[attr-defined]
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL(
                "INSERT INTO {} (originator_id, originator_version, topic, state) "
                "SELECT gen_random_uuid(), 1, 'bench.ledger:Note.Written', convert_to(%s, 'UTF8') "
                "FROM generate_series(1, %s)"
            ).format(sql.Identifier(table)),
            (text, events),
        )
        conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))


def bench_library(rows: int, directory: Path) -> float:
    services = _services(directory, "library")
    account, achievement = _academy(services)
    issuer_id = account.id
    valid, _ = validate(
        cohort_rows(achievement, rows),
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


def bench_api(
    rows: int, directory: Path, preload: int = 0, cohorts: int = 1
) -> tuple[list[tuple[float, float]], int]:
    """For each of `cohorts` cohorts of new learners sent one after the other: (awards/s until
    the job is done, awards/s until the server's followers have applied it); and the events the
    ledger held before the first. On a fresh ledger, or on one holding `preload` credentials
    loaded by `passport import` first (another academy's, ten per learner) and applied by the
    read models."""
    name = f"api_{preload}" if preload else "api"
    settings = throwaway_settings(directory, name, POSTGRES)
    if preload:
        from bench.scale import load_through_import  # noqa: PLC0415 (bench.scale builds on us)

        preloaded = directory / name
        preloaded.mkdir()
        load_through_import(settings, preloaded, preload, settings.base_url)
    services = Services.open(settings)
    account, achievement = _academy(services, "Cohort Academy")
    held = services.ledger.recorder.max_notification_id() or 0
    services.close()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = [str(BIN / "passport"), "serve", "--port", str(port)]
    with (
        serving_process(
            serve, passport_env(settings, settings.base_url), directory, f"{base}/healthz"
        ),
        httpx.Client(base_url=base, timeout=300) as http,
    ):
        followers_caught_up(settings, timeout=3600)
        token = http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(account.client_id, account.client_secret),
        ).json()
        rates = []
        for n in range(cohorts):
            headers = {
                "Authorization": f"Bearer {token['access_token']}",
                "Idempotency-Key": f"cohort-{n}",
            }
            start = time.perf_counter()
            response = http.post(
                f"/api/v1/issuers/{account.id}/awards/batch",
                headers=headers,
                json={"mode": "per-row", "awards": cohort_rows(achievement, rows, n * rows)},
            )
            location = response.headers["location"]
            while (job := http.get(location, headers=headers).json())["status"] == "running":
                time.sleep(0.05)
            done = time.perf_counter() - start
            if job["status"] != "completed":
                raise SystemExit(f"the cohort job ended {job['status']}: {job['errors'][:3]}")
            followers_caught_up(settings, timeout=3600)
            rates.append((rows / done, rows / (time.perf_counter() - start)))
    return rates, held


def _pg_setting(text: str) -> tuple[str, str]:
    name, _, value = text.partition("=")
    if not re.fullmatch(r"[a-z_]+", name) or not re.fullmatch(r"[\w.]+", value):
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE (say shared_buffers=2GB)")
    return name, value


def main() -> None:
    """Run the measurements and print them with their ratios to the bare append."""
    global POSTGRES  # noqa: PLW0603 - one store choice for the whole run
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument(
        "--preload",
        type=float,
        default=0,
        help="also send two API cohorts to a ledger already holding this many credentials "
        "(loaded by `passport import` first; e.g. 1e6; with --postgres)",
    )
    parser.add_argument(
        "--pg-setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        type=_pg_setting,
        help="a setting for the throwaway PostgreSQL server (repeatable; e.g. "
        "shared_buffers=2GB, as a production server would be tuned)",
    )
    args = parser.parse_args()
    preload = int(args.preload)
    if preload and not args.postgres:
        parser.error("--preload fills a PostgreSQL store: give --postgres too")
    if args.pg_setting and not args.postgres:
        parser.error("--pg-setting tunes the PostgreSQL server: give --postgres too")
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        if args.postgres:
            POSTGRES = stack.enter_context(throwaway_cluster(dict(args.pg_setting)))
        store = bench_eventsourcing(args.rows, Path(tmp))
        bare = bench_bare(args.rows, Path(tmp))
        library = bench_library(args.rows, Path(tmp))
        [(api, applied)], _ = bench_api(args.rows, Path(tmp))
        rounds = bench_rounds(args.rows, args.rounds, Path(tmp))
        if preload:
            store_after = bench_eventsourcing(args.rows, Path(tmp), "eventsourcing_after")
            loaded, held = bench_api(args.rows, Path(tmp), preload, cohorts=2)
            store_sized = bench_eventsourcing(args.rows, Path(tmp), "eventsourcing_sized", held)
    tuned = ", ".join(f"{name}={value}" for name, value in args.pg_setting)
    store_name = f"PostgreSQL{f' ({tuned})' if tuned else ''}" if args.postgres else "SQLite file"
    print(f"cohort issuance, {args.rows} awards, {store_name}")
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
    if preload:
        print(f"  bare eventsourcing again, empty store          : {store_after:8.0f} awards/s")
        print(
            f"  bare eventsourcing into a store of {held:,} events : {store_sized:8.0f} "
            f"awards/s   ({store_sized / store_after:.2f} of the empty store's rate)"
        )
        settling = ("the first, as the server settles after the load", "the next")
        for (rate, applied_rate), which in zip(loaded, settling, strict=True):
            print(
                f"  API into a ledger of {preload:,} credentials ({held:,} events), {which} : "
                f"{rate:8.0f} awards/s   ratio {rate / store_after:.2f} to the empty store, "
                f"{rate / store_sized:.2f} to the same-size store "
                f"(fresh ledger: {api / store:.2f})"
            )
            print(
                f"    until the followers have applied it : {applied_rate:8.0f} awards/s   "
                f"ratio {applied_rate / store_after:.2f}"
            )


if __name__ == "__main__":
    main()
