"""`passport` commands and servers run as processes of their own, as deployed, for benchmarks."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from bench.store import PASSPHRASE
from issuers.maintenance_keeper import TRACKING_NAME as KEEPER_JOB
from issuers.programme_awarder import TRACKING_NAME as AWARDER_JOB
from passport.services import Services
from passport.settings import Settings
from projections.runner import TRACKING_NAME
from tests.passport.server import free_port

BIN = Path(sys.executable).parent
FOLLOWERS = (TRACKING_NAME, AWARDER_JOB, KEEPER_JOB)


def passport_env(settings: Settings, base_url: str) -> dict[str, str]:
    """The environment of a `passport` command on this ledger (status lists and DIDs live under
    `base_url`, so the import and the server must agree on it)."""
    return os.environ | {
        "PASSPORT_DATABASE_URL": settings.database_url,
        "PASSPORT_KEY_DIR": str(settings.key_dir),
        "PASSPORT_KEY_PASSPHRASE": PASSPHRASE,
        "PASSPORT_BASE_URL": base_url,
    }


@contextlib.contextmanager
def serving_process(command: list[str], env: dict[str, str], cwd: Path, url: str) -> Iterator[int]:
    """Start a server process, wait until `url` answers, yield its pid; stop it afterwards."""
    log = (cwd / f"server-{free_port()}.log").open("w")
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url, timeout=5).status_code < 500:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{command[0]} did not start: see {log.name}")
            time.sleep(0.2)
        yield process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def followers_caught_up(settings: Settings, timeout: float) -> float:
    """Wait until the server's followers (the read models, the programme awarder, the
    maintenance keeper) have each reached the log's head, so the measured requests do not share
    the machine with their catching up after the load; the seconds waited."""
    start = time.monotonic()
    services = Services.open(settings)
    try:
        head = services.ledger.recorder.max_notification_id() or 0
        while True:
            with services.read_models.read() as tx:
                rows = tx.execute(
                    f"SELECT name, position FROM rm_tracking WHERE name IN "  # noqa: S608
                    f"({', '.join('?' * len(FOLLOWERS))})",
                    FOLLOWERS,
                )
            positions = {str(name): int(position) for name, position in rows}
            if all(positions.get(name, 0) >= head for name in FOLLOWERS):
                return time.monotonic() - start
            if time.monotonic() - start > timeout:
                raise SystemExit(f"the server's followers did not reach {head}: {positions}")
            time.sleep(1)
    finally:
        services.close()
