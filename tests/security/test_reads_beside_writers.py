"""Reads never wait behind writers (issue 16): with another connection holding the database's
write lock (SQLite) or the projection's lock (PostgreSQL), public pages still answer."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import psycopg

from passport.settings import Settings
from tests.security.web_helpers import links_for, served

JSON = {"Accept": "application/json"}


@contextmanager
def writer_holding_locks(settings: Settings) -> Iterator[None]:
    """Another connection, mid-write: SQLite's write lock taken and a row changed; on PostgreSQL
    the projection's tracking row locked as a catch-up locks it, and a row changed."""
    if settings.is_postgres:
        with psycopg.connect(settings.postgres_conninfo()) as conn:
            conn.execute("SELECT position FROM rm_tracking FOR UPDATE")
            conn.execute("UPDATE rm_tracking SET position = position")
            yield
            conn.rollback()
        return
    lite = sqlite3.connect(settings.sqlite_path, isolation_level=None, timeout=1)
    try:
        lite.execute("BEGIN IMMEDIATE")
        lite.execute("UPDATE rm_tracking SET position = position")
        yield
        lite.execute("ROLLBACK")
    finally:
        lite.close()


def test_pages_answer_while_another_connection_holds_the_write_lock(settings, seeded):
    """With a write transaction left open elsewhere, the share page (HTML and JSON), the
    checkpoint and an inclusion proof answer 200 from what is committed; the HTTP client gives
    up (and the test fails) rather than wait for the writer."""
    links = links_for(settings, seeded["Grace Mensah"])
    with (
        served(settings) as base,
        httpx.Client(base_url=base, timeout=20) as http,
        writer_holding_locks(settings),
    ):
        shared = http.get(links.share, headers=JSON)
        assert shared.status_code == 200
        assert shared.json()["verifiableCredential"]
        assert http.get(links.share).status_code == 200
        assert http.get("/log/checkpoint").status_code == 200
        credential_id = shared.json()["verifiableCredential"][0]["id"]
        proof = http.get("/log/proof/inclusion", params={"credential_id": credential_id})
        assert proof.status_code == 200
        assert http.get(links.me).status_code == 200
