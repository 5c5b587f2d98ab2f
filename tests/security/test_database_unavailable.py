"""The store not answering (PostgreSQL refusing connections, SQLite locked by another writer)
answers 503 with Retry-After and a plain message, never a 500 or a stack trace."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
import uvicorn

from passport.settings import Settings
from passport.web.app import create_app
from passport.web.server import server_config
from tests.passport.server import free_port, running


@contextmanager
def _served_with_database_routes(settings: Settings, locked: Path) -> Iterator[str]:
    """The real app, plus test-only routes that meet a real driver error: a PostgreSQL server
    that refuses the connection, and a SQLite file another connection holds locked."""
    app = create_app(settings)
    closed_port = free_port()

    @app.get("/test-only/postgres-down")
    def postgres_down() -> None:
        with psycopg.connect(
            f"postgresql://nobody@127.0.0.1:{closed_port}/passport", connect_timeout=2
        ):
            pass

    @app.get("/test-only/sqlite-locked")
    def sqlite_locked() -> None:
        conn = sqlite3.connect(locked, timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
        finally:
            conn.close()

    port = free_port()
    config = server_config(app, host="127.0.0.1", port=port, log_level="critical")
    with running(uvicorn.Server(config)):
        yield f"http://127.0.0.1:{port}"


def test_a_database_that_does_not_answer_gives_503_with_retry_after(settings, tmp_path):
    """Both driver errors give 503, Retry-After, and a problem document (or, for a browser, a
    page) that says to try again, with no trace of the driver's message."""
    locked = tmp_path / "locked.sqlite3"
    holder = sqlite3.connect(locked, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with _served_with_database_routes(settings, locked) as base:
            for route in ("postgres-down", "sqlite-locked"):
                response = httpx.get(f"{base}/test-only/{route}", timeout=30)
                assert response.status_code == 503, (route, response.text)
                assert response.headers["retry-after"] == "5"
                assert response.headers["content-type"] == "application/problem+json"
                assert response.json()["title"] == "Service unavailable"
                assert "try again" in response.json()["detail"]
                for leak in ("Traceback", "OperationalError", "locked", "refused"):
                    assert leak not in response.text, (route, leak)
                page = httpx.get(
                    f"{base}/test-only/{route}", headers={"Accept": "text/html"}, timeout=30
                )
                assert page.status_code == 503
                assert page.headers["retry-after"] == "5"
                assert "try again in a few seconds" in page.text
                assert "Traceback" not in page.text
    finally:
        holder.close()
