"""What operators watch: readiness (`/readyz`), Prometheus metrics (`/metrics`), request timing.

Every figure costs the same at any ledger size: projection lag is the log's newest notification
id (the maximum of its primary key) minus the position the read models recorded, and the
checkpoint's age comes from the newest row of `log_checkpoints` by its primary key; nothing is
counted. Request latency is labelled by route template (`/s/{token}`), never by the raw path,
so no token reaches a label; metrics carry no personal data.

Under `passport serve` the counters and latencies of every process of the server are added up:
its workers, its background process (whose programme awarder records credentials too) and the
parents of large cohorts' writers. Each process the server starts keeps them in a file of
`prometheus_client`'s multi-process directory, a fresh one per server (`serving_metrics`);
`/metrics` adds those to the answering process's own when that one counts in memory (the
server's own process, serving alone).
"""

from __future__ import annotations

import contextlib
import hmac
import math
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Histogram, generate_latest, values
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from passport.services import Services, utcnow
from passport.web.deps import ServicesDep
from passport.web.problems import problem

router = APIRouter(tags=["operations"])

REQUEST_SECONDS = Histogram(
    "passport_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, route template and status.",
    ("method", "route", "status"),
)
# prometheus_client's own setting, read by each process as it imports the library: a process
# started with it counts into a file there (and its `REGISTRY` reads that file back), one
# started without it counts in memory. The library's own decision, not a second reading of it.
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
COUNTS_IN_FILES: bool = getattr(values.ValueClass, "_multiprocess", False)
METRICS_DIR_PREFIX = "passport-metrics-"
UNMATCHED = "unmatched"  # the label of a request no route served: its path is never a label
# Any other method a client sends is labelled "other", so no client can add label values.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@dataclass(frozen=True)
class Lag:
    """How far the read models are behind the log."""

    head: int
    position: int

    @property
    def events(self) -> int:
        """Events recorded on the log but not yet in the read models."""
        return max(self.head - self.position, 0)


def projection_lag(services: Services) -> Lag:
    """The log's newest notification id and the read models' position (two indexed reads)."""
    head = services.ledger.recorder.max_notification_id() or 0
    return Lag(head, services.projections.position())


def checkpoint_age(services: Services, now: datetime) -> float | None:
    """Seconds since the newest checkpoint was published, or None before the first."""
    with services.read_models.read() as tx:
        rows = tx.execute("SELECT published_at FROM log_checkpoints ORDER BY size DESC LIMIT 1")
    if not rows:
        return None
    published = datetime.fromisoformat(str(rows[0][0]))
    return max((now - published).total_seconds(), 0.0)


@router.get(
    "/readyz",
    responses={503: {"description": "The database does not answer, or the read models lag"}},
)
def ready(services: ServicesDep) -> JSONResponse:
    """Readiness: 200 when the database answers and the read models are at most
    `PASSPORT_READY_MAX_LAG` events behind the log; else 503, saying which check failed."""
    bound = services.settings.ready_max_lag
    try:
        lag = projection_lag(services)
    except Exception as exc:
        checks = {
            "database": {
                "ok": False,
                "detail": f"the database did not answer ({type(exc).__name__})",
            },
            "projectionLag": {"ok": False, "detail": "unknown: the database did not answer"},
        }
        return JSONResponse({"status": "unavailable", "checks": checks}, status_code=503)
    behind = lag.events <= bound
    checks = {
        "database": {"ok": True, "detail": "answered"},
        "projectionLag": {
            "ok": behind,
            "events": lag.events,
            "bound": bound,
            "detail": f"{lag.events} events behind the log (at most {bound} allowed)",
        },
    }
    status = "ready" if behind else "unavailable"
    return JSONResponse({"status": status, "checks": checks}, status_code=200 if behind else 503)


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text format"},
        401: {"description": "PASSPORT_METRICS_TOKEN is set and the bearer token is not it"},
    },
)
def metrics(
    services: ServicesDep, authorization: Annotated[str | None, Header()] = None
) -> Response:
    """Prometheus metrics: request latency by route template, projection lag, awards recorded,
    checkpoint age. Open unless `PASSPORT_METRICS_TOKEN` is set; no personal data either way."""
    expected = services.settings.metrics_token
    if expected:
        given = (authorization or "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), expected.encode()):
            response = problem(
                401,
                "Unauthorized",
                "the metrics need the bearer token configured as PASSPORT_METRICS_TOKEN",
            )
            response.headers["WWW-Authenticate"] = 'Bearer realm="staff-passport-metrics"'
            return response
    age = checkpoint_age(services, utcnow())
    read_now = [
        GaugeMetricFamily(
            "passport_projection_lag_events",
            "Events recorded on the log that the read models lack.",
            value=projection_lag(services).events,
        ),
        GaugeMetricFamily(
            "passport_checkpoint_age_seconds",
            "Seconds since the newest signed checkpoint was published (NaN before the first).",
            value=math.nan if age is None else age,
        ),
    ]
    own = [] if COUNTS_IN_FILES else [REGISTRY.collect()]  # else among the files
    families = _added_up([*own, _other_processes()]) + read_now
    return Response(generate_latest(_Families(families)), media_type=CONTENT_TYPE_LATEST)


@contextlib.contextmanager
def serving_metrics() -> Iterator[None]:
    """While `passport serve` runs: a fresh multi-process directory (under `TMPDIR`) for the
    processes it starts (workers, background process, writers), which import
    `prometheus_client` with it set, so every count starts at zero. A server stopped by a
    signal cannot remove its own (uvicorn ends it with the signal): the next one removes the
    directories of servers no longer running."""
    _remove_left_behind()
    prefix = f"{METRICS_DIR_PREFIX}{os.getpid()}-"
    with tempfile.TemporaryDirectory(prefix=prefix, ignore_cleanup_errors=True) as directory:
        os.environ[MULTIPROCESS_DIR] = directory
        try:
            yield
        finally:
            os.environ.pop(MULTIPROCESS_DIR, None)


def _remove_left_behind() -> None:
    """Remove the metrics directories of servers that ended without removing theirs."""
    for directory in Path(tempfile.gettempdir()).glob(f"{METRICS_DIR_PREFIX}*-*"):
        pid = directory.name.removeprefix(METRICS_DIR_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(directory, ignore_errors=True)  # another user's stays theirs


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _other_processes() -> Iterable[Metric]:
    """What the server's processes counted into the multi-process directory (nothing outside
    `passport serve`)."""
    directory = os.environ.get(MULTIPROCESS_DIR)
    if not directory or not Path(directory).is_dir():
        return []
    collector = MultiProcessCollector(None, path=directory)  # type: ignore[no-untyped-call]
    collected: Iterable[Metric] = collector.collect()  # type: ignore[no-untyped-call]
    return collected


def _added_up(sources: Iterable[Iterable[Metric]]) -> list[Metric]:
    """Each family once, with the samples of the same name and labels added up (counters and
    histogram buckets, sums and counts: every multi-process family is one of those)."""
    families: dict[str, Metric] = {}
    totals: dict[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]] = {}
    for source in sources:
        for family in source:
            families.setdefault(family.name, family)
            samples = totals.setdefault(family.name, {})
            for sample in family.samples:
                key = (sample.name, tuple(sorted(sample.labels.items())))
                samples[key] = samples.get(key, 0.0) + sample.value
    added = []
    for name, first in families.items():
        family = Metric(name, first.documentation, first.type, first.unit)
        for (sample_name, labels), value in totals[name].items():
            family.add_sample(sample_name, dict(labels), value)
        added.append(family)
    return added


class _Families:
    """Metric families already gathered, in the shape `generate_latest` reads."""

    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterable[Metric]:
        """The families, as a collector gives them."""
        return self._families


def _route_label(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None) if isinstance(route, BaseRoute) else None
    return path if isinstance(path, str) else UNMATCHED


class RequestTiming:
    """Times every HTTP request into `REQUEST_SECONDS`, labelled by the route that served it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; observe its duration once it is answered (or fails)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def timed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, timed_send)
        finally:
            method = scope["method"] if scope["method"] in METHODS else "other"
            REQUEST_SECONDS.labels(method, _route_label(scope), str(status)).observe(
                time.perf_counter() - start
            )
