"""Many processes opening one fresh store at the same instant (issue 16): each opens, each write
is kept, and the schema, the keys and the log's guards are made once."""

from __future__ import annotations

import importlib
import multiprocessing
import pkgutil
import re
import sqlite3
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

import psycopg
import pytest

import events
import issuers
import passport
import projections
from events.audit import audit_log
from keys import PublicKey
from passport import schema_setup
from passport.immutability import PG_TABLE, SQLITE_TABLE
from passport.services import LEDGER_ROLE, PSEUDONYM_ROLE, Services
from passport.settings import Settings

PROCESSES = 4
DDL = re.compile(r"\s*CREATE (TABLE|INDEX|TRIGGER|OR REPLACE FUNCTION|UNIQUE INDEX)")
ROLES = (LEDGER_ROLE, PSEUDONYM_ROLE, "registry", "access-tokens", "personal-data")


def _open_and_write(settings: Settings, start: Barrier, results: Queue[str]) -> None:
    """In a process of its own: wait for the others, open the store, record one API client."""
    start.wait(timeout=120)
    services = Services.open(settings)
    try:
        results.put(services.accounts.new_operator_client().client_id)
    finally:
        services.close()


def _open_at_once(settings: Settings) -> list[str]:
    """Start PROCESSES processes that open the store at once; the client id each recorded."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(PROCESSES)
    results: Queue[str] = context.Queue()
    processes = [
        context.Process(target=_open_and_write, args=(settings, start, results))
        for _ in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=300)
    codes = [process.exitcode for process in processes]
    assert codes == [0] * PROCESSES, f"a process failed to open the store: exit codes {codes}"
    return [results.get(timeout=10) for _ in range(PROCESSES)]


def _guards(settings: Settings) -> list[str]:
    """The names of the triggers that keep the log append-only."""
    if settings.is_postgres:
        with psycopg.connect(settings.postgres_conninfo()) as conn:
            rows = conn.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                (PG_TABLE,),
            ).fetchall()
    else:
        with sqlite3.connect(settings.sqlite_path) as lite:
            rows = lite.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
                (SQLITE_TABLE,),
            ).fetchall()
    return sorted(str(row[0]) for row in rows)


@pytest.mark.slow
def test_processes_opening_a_fresh_store_at_once_all_succeed(settings: Settings) -> None:
    """Four processes opening the same fresh store at one instant all open it, every client
    each recorded is known afterwards, the log verifies under one ledger key, each key role
    holds one key, and the log's guards exist once."""
    client_ids = _open_at_once(settings)

    services = Services.open(settings)
    try:
        services.refresh()
        assert all(services.views.client(cid) is not None for cid in client_ids)
        for role in ROLES:
            assert len(services.key_store.role_keys(role)) == 1, role
        trusted = {
            kid: PublicKey.from_multibase(kid) for kid in services.key_store.role_keys(LEDGER_ROLE)
        }
        audit = audit_log(services.ledger.recorder, trusted)
        assert audit.intact
        assert audit.checked >= PROCESSES
    finally:
        services.close()
    table = PG_TABLE if settings.is_postgres else SQLITE_TABLE
    expected = ["no_change", "no_truncate"] if settings.is_postgres else ["no_delete", "no_update"]
    assert _guards(settings) == [f"{table}_{name}" for name in expected]


def _module_ddl() -> dict[str, str]:
    """Every module-level SQL constant of ours that creates a table, index, trigger or function,
    by where it is defined."""
    found: dict[str, str] = {}
    for package in (events, issuers, passport, projections):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if info.name == schema_setup.__name__:
                continue
            module = importlib.import_module(info.name)
            for name, value in vars(module).items():
                texts = value if isinstance(value, tuple | list) else (value,)
                for text in texts:
                    if isinstance(text, str) and DDL.match(text):
                        found.setdefault(text, f"{info.name}.{name}")
    return found


def test_every_table_made_at_open_is_covered_by_the_setup_fingerprint() -> None:
    """A table, index or trigger any module defines is part of the fingerprint that decides
    whether an opening sets the schema up: one left out would never be made on stores set up
    before it was added."""
    missing = {
        where for text, where in _module_ddl().items() if text not in schema_setup.STATEMENTS
    }
    assert missing == set()


def test_a_guard_dropped_from_the_log_is_put_back_at_the_next_opening(settings: Settings) -> None:
    """Whoever drops a trigger that keeps the log append-only finds it back once the ledger is
    opened again, although the schema was already set up."""
    Services.open(settings).close()
    if settings.is_postgres:
        with psycopg.connect(settings.postgres_conninfo(), autocommit=True) as conn:
            conn.execute(f"DROP TRIGGER {PG_TABLE}_no_change ON {PG_TABLE}".encode())
    else:
        with sqlite3.connect(settings.sqlite_path) as lite:
            lite.execute(f"DROP TRIGGER {SQLITE_TABLE}_no_update")
    assert len(_guards(settings)) == 1

    Services.open(settings).close()

    assert len(_guards(settings)) == 2


def test_a_store_in_a_folder_not_made_yet_opens(tmp_path: Path) -> None:
    """The embedded store's first opening makes its folder (as `passport demo` in a new
    directory does), and the next opening finds it set up."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'var' / 'new' / 'passport.sqlite3'}",
        key_dir=tmp_path / "keys",
        key_passphrase="correct horse battery staple",
        _env_file=None,
    )
    Services.open(settings).close()
    again = Services.open(settings)
    try:
        client = again.accounts.new_operator_client().client_id
        again.refresh()
        assert again.views.client(client) is not None
    finally:
        again.close()
