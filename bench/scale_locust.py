"""The locust user of `bench.scale`: one endpoint (`SCALE_ENDPOINT`) requested back to back on
random ids from the targets file (`SCALE_TARGETS`); after a second of warm-up, each response
time (milliseconds, unrounded) and each failure is written to `SCALE_OUT` when the run stops."""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path
from typing import Any

from locust import HttpUser, constant, events, task

TARGETS: dict[str, Any] = json.loads(Path(os.environ["SCALE_TARGETS"]).read_text())
ENDPOINT = os.environ["SCALE_ENDPOINT"]
WARM_UP = 1.0  # seconds from the first request whose samples are left out (cold caches)
STARTED: list[float] = []
TIMES: list[float] = []
FAILURES: list[str] = []


def _record(response_time: float, exception: BaseException | None, **_: Any) -> None:
    now = time.monotonic()
    STARTED.append(now)
    if now - STARTED[0] < WARM_UP:
        return
    if exception is None:
        TIMES.append(response_time)
    else:
        FAILURES.append(str(exception)[:400])


def _write(**_: Any) -> None:
    Path(os.environ["SCALE_OUT"]).write_text(json.dumps({"ms": TIMES, "failures": FAILURES}))


events.request.add_listener(_record)
events.quitting.add_listener(_write)


class Client(HttpUser):
    """Requests `ENDPOINT` with no pause between requests."""

    wait_time = constant(0)

    @task
    def request(self) -> None:
        """One request; a status other than the expected one counts as a failure."""
        pick = random.randrange(len(TARGETS["shares"]))
        share = TARGETS["shares"][pick]
        paths: dict[str, tuple[str, str, dict[str, str], Any]] = {
            "bare": ("GET", "/hello", {}, None),
            "share page (HTML)": ("GET", f"/s/{share}", {"Accept": "text/html"}, None),
            "share page (JSON)": ("GET", f"/s/{share}", {"Accept": "application/json"}, None),
            "learner page": ("GET", f"/me/{TARGETS['links'][pick]}", {}, None),
            "role check": (
                "GET",
                f"/api/v1/shares/{share}/role-check?role={TARGETS['role']}",
                {},
                None,
            ),
            "POST /credentials/verify": (
                "POST",
                "/credentials/verify",
                {},
                {"verifiableCredential": TARGETS["credentials"][pick]},
            ),
            "inclusion proof": (
                "GET",
                f"/log/proof/inclusion?credential_id={TARGETS['credential_ids'][pick]}",
                {},
                None,
            ),
            "checkpoint": ("GET", "/log/checkpoint", {}, None),
        }
        method, path, headers, body = paths[ENDPOINT]
        with self.client.request(
            method, path, headers=headers, json=body, name=ENDPOINT, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:120]}")
