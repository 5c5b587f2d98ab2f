"""Profiles the share page in process: where a 10-credential passport's page spends its time.

A fresh ledger (SQLite file, or PostgreSQL with `--postgres`) gets `--learners` learners of ten
credentials each through `Awarding.award_many`, a signed checkpoint and one share link of
everything; the app is served in process (`TestClient`, real HTTP semantics, no socket), warmed,
then the share page (HTML, JSON) and `POST /credentials/verify` are timed as the median of
`--samples` requests and, with `--profile`, sampled by py-spy (`pip install py-spy`).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from bench.issuance import _academy
from bench.store import throwaway_settings
from issuers.awarding import AwardRequest, Learner
from passport.log import publish_checkpoint
from passport.publishing import passport_file
from passport.services import Services
from passport.web.app import create_app
from tests.postgres_cluster import throwaway_cluster

PER_LEARNER = 10


def _load(services: Services, learners: int) -> tuple[str, dict[str, object]]:
    """Load the ledger; a share link of a random learner's passport and one of its credentials."""
    account, achievement = _academy(services)
    requests = [
        AwardRequest(
            achievement,
            Learner(f"ESR-{n // PER_LEARNER:08d}", f"Learner {n // PER_LEARNER}", ""),
            date(2026, 10, 1 + n % PER_LEARNER),
            None,
            f"load#{n}",
        )
        for n in range(learners * PER_LEARNER)
    ]
    for start in range(0, len(requests), 100):
        services.awarding.award_many(
            account.id, requests[start : start + 100], at=datetime.now(UTC)
        )
    now = datetime.now(UTC)
    publish_checkpoint(services, now)
    learner = next(iter(services.views.learners()))[0]
    token = services.sharing.create_share(learner, now, credential_ids=None)[0]
    exported = passport_file(services, learner, now)
    assert exported is not None
    return token, exported["verifiableCredential"][0]


def _timed_ms(samples: int, call: Callable[[], object]) -> tuple[float, float]:
    """The median wall time of a call, and this process's CPU time per call (all threads): on a
    shared machine the second moves less with the others' load."""
    timings = []
    cpu = time.process_time()
    for _ in range(samples):
        start = time.perf_counter()
        call()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), (time.process_time() - cpu) * 1000 / samples


def _sampled(name: str, call: Callable[[], object], seconds: float, folder: Path) -> None:
    """Sample this process with py-spy (collapsed stacks, one file per endpoint) while `call`
    runs in a loop: the request runs on the app's worker threads, out of cProfile's sight."""
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{''.join(c if c.isalnum() else '-' for c in name)}.txt"
    spy = subprocess.Popen(
        [
            *(str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(os.getpid())),
            *("--format", "raw", "--rate", "250", "--duration", f"{seconds:.0f}", "-o", str(out)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    requests = 0
    while spy.poll() is None:
        call()
        requests += 1
    print(f"  {requests} requests sampled into {out}")


def main() -> None:
    """Time (and optionally profile) the share page and a verify on a fresh ledger."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--profile", help="a folder for py-spy's samples of each endpoint")
    parser.add_argument("--seconds", type=float, default=10, help="seconds sampled per endpoint")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        cluster = stack.enter_context(throwaway_cluster()) if args.postgres else None
        settings = throwaway_settings(Path(tmp), "sharepage", cluster)
        services = Services.open(settings)
        stack.callback(services.close)  # after the app's background jobs stopped
        token, credential = _load(services, args.learners)
        client = stack.enter_context(TestClient(create_app(settings, services)))
        calls: dict[str, Callable[[], object]] = {
            "share page (HTML)": lambda: client.get(f"/s/{token}", headers={"accept": "text/html"}),
            "share page (JSON)": lambda: client.get(
                f"/s/{token}", headers={"accept": "application/json"}
            ),
            "POST /credentials/verify": lambda: client.post(
                "/credentials/verify", json={"verifiableCredential": credential}
            ),
        }
        for name, call in calls.items():
            response = call()
            assert response.status_code == 200, (name, response.status_code, response.text[:500])  # type: ignore[attr-defined]
            ms, cpu = _timed_ms(args.samples, call)
            print(f"{name:28s} p50 {ms:8.2f} ms, CPU {cpu:8.2f} ms a request")
            if args.profile:
                _sampled(name, call, args.seconds, Path(args.profile))


if __name__ == "__main__":
    main()
