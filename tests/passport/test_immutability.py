"""The stored log refuses UPDATE, DELETE and TRUNCATE, whatever connects to it as the app."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import psycopg
import pytest

from passport.services import Services
from passport.settings import Settings


@pytest.fixture
def ledger_with_events(settings: Settings) -> Settings:
    services = Services.open(settings)
    try:
        services.accounts.register_issuer(
            "Immutable Academy", "https://i.example", datetime.now(UTC)
        )
    finally:
        services.close()
    return settings


@pytest.mark.parametrize(
    "statement", ["UPDATE {t} SET topic = 'x'", "DELETE FROM {t}", "TRUNCATE {t}"]
)
def test_the_database_refuses_to_change_stored_events(ledger_with_events, statement):
    """Every change to a stored event is rejected by the database with a plain message."""
    settings = ledger_with_events
    if settings.is_postgres:
        with psycopg.connect(settings.postgres_conninfo(), autocommit=True) as conn:
            with pytest.raises(psycopg.errors.RaiseException, match="immutable"):
                conn.execute(statement.format(t="staffpassport_events").encode())
            count = conn.execute("SELECT COUNT(*) FROM staffpassport_events").fetchone()
        assert count is not None and count[0] == 3  # registered, key added, API client
        return
    if statement.startswith("TRUNCATE"):
        pytest.skip("SQLite has no TRUNCATE; DELETE covers it")
    with sqlite3.connect(settings.sqlite_path) as conn:
        with pytest.raises(sqlite3.IntegrityError, match="immutable"):
            conn.execute(statement.format(t="stored_events"))
        assert conn.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0] == 3
