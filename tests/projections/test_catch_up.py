"""Reads never queue behind a catch-up: no lock when current, a bounded wait otherwise."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import psycopg
import pytest

from passport.services import Services
from passport.settings import Settings
from projections.merkle_log import MerkleLog
from projections.runner import TRACKING_NAME


def _register(services: Services, count: int, prefix: str = "academy") -> None:
    for n in range(count):
        services.ledger.register_issuer(f"{prefix}-{n}", "Academy", "https://a.example", "did:x")


def _in_thread(work: object) -> threading.Thread:
    thread = threading.Thread(target=work, daemon=True)  # type: ignore[arg-type]
    thread.start()
    return thread


@pytest.fixture
def held_lock(services: Services, settings: Settings) -> Iterator[psycopg.Connection[object]]:
    """Another process in the middle of a catch-up: it holds the projection's lock."""
    if not settings.is_postgres:
        pytest.skip("the projection's row lock is PostgreSQL's; SQLite has one writer")
    _register(services, 1, "first")
    services.projections.catch_up()
    conn: psycopg.Connection[object] = psycopg.connect(settings.postgres_conninfo())
    conn.execute("SELECT position FROM rm_tracking WHERE name = %s FOR UPDATE", (TRACKING_NAME,))
    yield conn
    conn.close()


def test_a_read_with_nothing_new_takes_no_lock(services, held_lock):
    """With the read models at the log's head, a catch-up returns while another holds the lock."""
    results: list[int] = []
    # Were it to wait for the lock, it would wait an hour: it must return while the lock is held.
    thread = _in_thread(lambda: results.append(services.projections.catch_up(timeout=3600)))
    thread.join(timeout=60)
    assert results == [0]


def test_a_read_waits_for_another_catch_up_only_up_to_its_timeout(services, held_lock):
    """Behind a catch-up that holds the lock, a read gives up after its timeout and answers
    from the committed read models; once the lock is free the events are applied once."""
    _register(services, 3)
    results: list[int] = []
    thread = _in_thread(lambda: results.append(services.projections.catch_up(timeout=0.2)))
    thread.join(timeout=60)
    assert results == [0]  # returned while the lock was still held, having applied nothing
    held_lock.rollback()
    assert services.projections.catch_up() == 3
    assert services.projections.catch_up() == 0


def test_concurrent_catch_ups_apply_every_event_exactly_once(services):
    """Four readers catching up at once after many writes: each event is a leaf exactly once."""
    _register(services, 40)
    applied: list[int] = []
    threads = [
        _in_thread(lambda: applied.append(services.projections.catch_up())) for _ in range(4)
    ]
    for thread in threads:
        thread.join(timeout=120)
    events = len(services.ledger.recorder.select_notifications(1, 10_000))
    assert MerkleLog(services.read_models).size() == events
    assert services.projections.position() == services.ledger.recorder.max_notification_id()
    assert services.projections.catch_up() == 0
    assert len(services.views.issuers()) == 40
