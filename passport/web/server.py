"""How `passport serve` runs the app: uvicorn with bounds on slow and idle connections.

uvicorn bounds idle keep-alive connections and the size of unfinished headers, but gives a new
connection unlimited time to send its headers; `GuardedH11Protocol` closes one that has not sent
a whole request head within `HEADER_TIMEOUT` seconds. Bodies are timed by `limits.BodyLimits`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import h11
import uvicorn
from fastapi import FastAPI
from uvicorn.config import LOGGING_CONFIG
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.supervisors import Multiprocess

from passport.web.security import redact

HEADER_TIMEOUT = 10.0
KEEP_ALIVE_TIMEOUT = 5
MAX_HEADER_BYTES = 16 * 1024
MAX_CONCURRENCY = 1000


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, closing connections whose request head arrives too slowly."""

    header_timeout = HEADER_TIMEOUT
    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock for the first request's head."""
        super().connection_made(transport)
        self._arm()

    def on_response_complete(self) -> None:
        """Start the clock for the next request's head on a kept-alive connection."""
        super().on_response_complete()
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the clock."""
        if self._head_timer is not None:
            self._head_timer.cancel()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_late)

    def _head_late(self) -> None:
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.conn.send(h11.ConnectionClosed())
            self.transport.close()


def server_config(
    app: FastAPI | str,
    *,
    host: str,
    port: int,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
    log_level: str = "info",
    workers: int = 1,
    log_format: str = "text",
) -> uvicorn.Config:
    """The uvicorn configuration `passport serve` runs with (an app, or with `workers` > 1 the
    import string of an app factory, which each worker process calls; `log_format` "json": one
    JSON object per line)."""
    return uvicorn.Config(
        app,
        factory=isinstance(app, str),
        timeout_worker_healthcheck=30,  # a worker opening a large store starts slowly
        workers=workers,
        host=host,
        port=port,
        http=GuardedH11Protocol,
        timeout_keep_alive=KEEP_ALIVE_TIMEOUT,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        limit_concurrency=MAX_CONCURRENCY,
        ssl_certfile=str(tls_cert) if tls_cert else None,
        ssl_keyfile=str(tls_key) if tls_key else None,
        log_level=log_level,
        log_config=json_log_config() if log_format == "json" else LOGGING_CONFIG,
    )


def run_workers(config: uvicorn.Config) -> None:
    """Serve with `config.workers` processes sharing one listening socket; each worker runs the
    app's lifespan, whose background jobs are elected once across all of them."""
    Multiprocess(config, sockets=[config.bind_socket()]).run()


class JsonLines(logging.Formatter):
    """One JSON object per record: time, level, logger, message (and the exception, if any),
    with personal and share tokens redacted whichever logger wrote it."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        if record.exc_info:
            line["exception"] = redact(record.exc_text or self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


def json_log_config() -> dict[str, Any]:
    """uvicorn's loggers (errors and access) and the root logger, all as JSON lines."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonLines}},
        "handlers": {"json": handler},
        "loggers": {
            "uvicorn": {"handlers": ["json"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["json"], "level": "INFO", "propagate": False},
        },
        "root": {"handlers": ["json"], "level": "INFO"},
    }
