"""`passport import` on PostgreSQL writes through a writer process of its own: no write outlives
a killed import, and a writer killed under it (out of memory, an operator's `kill`) stops the
import with a one-line error and whole chunks recorded, never a hang or a traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from events.issuer import AchievementKind
from passport.services import Services
from passport.settings import Settings
from tests.commands import PASSPORT, passport_env
from tests.passport.test_import import _log_length, _store_state

HEADER = "Employee Number,Full Name,Email Address,Competence Code,Achieved Date\n"
ROWS = 3000

pytestmark = pytest.mark.postgres


@pytest.fixture
def report(pg_settings: Settings, tmp_path: Path) -> tuple[Path, Path]:
    """A report of ROWS rows (six chunks) and its mapping."""
    services = Services.open(pg_settings)
    try:
        issuer = services.awarding.register_issuer(
            "writer-academy", "Writer Academy", "https://w.example", datetime.now(UTC)
        )
        achievement = services.awarding.define_achievement(
            issuer.id,
            name="Fire Safety",
            description="FS",
            criteria="Completed",
            kind=AchievementKind.TRAINING,
        )
    finally:
        services.close()
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps({"courses": {"FS": {"issuer": "writer-academy", "achievement": achievement}}})
    )
    path = tmp_path / "report.csv"
    path.write_text(HEADER + "".join(f"ESR-{n:07d},L {n},,FS,2025-03-15\n" for n in range(ROWS)))
    return path, mapping


def _command(settings: Settings, report: tuple[Path, Path]) -> tuple[list[str], dict[str, str]]:
    command = [
        PASSPORT,
        "import",
        str(report[0]),
        "--mapping",
        str(report[1]),
    ]
    env = passport_env(settings)
    return command, env


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = (task / "children").read_text().split()
        found.extend(int(c) for c in children)
    return found


def _writer_of(pid: int) -> int | None:
    """The import's writer process: its spawned child (not multiprocessing's resource tracker)."""
    for child in _children(pid):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if b"spawn_main" in cmdline and b"resource_tracker" not in cmdline:
            return child
    return None


def _alive(pid: int) -> bool:
    """Whether the process runs (a zombie nobody reaped has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@contextmanager
def _importing(
    settings: Settings, report: tuple[Path, Path]
) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """`passport import` started, once its writer runs and the first chunk is recorded."""
    command, env = _command(settings, report)
    before = _log_length(settings)
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 300
        writer = None
        while time.monotonic() < deadline and process.poll() is None:
            writer = writer or _writer_of(process.pid)
            if writer is not None and _log_length(settings) > before:
                break
            time.sleep(0.02)
        assert writer is not None and process.poll() is None, "the import ended too soon"
        yield process, writer
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


def _settled(settings: Settings) -> dict[str, int]:
    """The store once nothing more is written to it (polled for two quiet seconds)."""
    state = _store_state(settings)
    while True:
        time.sleep(2)
        again = _store_state(settings)
        if again == state:
            return state
        state = again


def _waiting_on_a_lock(settings: Settings) -> bool:
    with psycopg.connect(settings.postgres_conninfo()) as conn:
        row = conn.execute(
            "SELECT COUNT(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
    return bool(row and row[0])


def test_a_killed_import_leaves_no_writer_writing(pg_settings, report):
    """`kill -9` of the import ends its writer too, even one in the middle of a chunk (held
    here behind a table lock): once the lock goes, nothing more is written."""
    with _importing(pg_settings, report) as (process, writer):
        with psycopg.connect(pg_settings.postgres_conninfo()) as lock:
            lock.execute("LOCK TABLE award_idempotency_keys IN EXCLUSIVE MODE")
            deadline = time.monotonic() + 120
            while not _waiting_on_a_lock(pg_settings) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert _waiting_on_a_lock(pg_settings), "the writer never reached the next chunk"
            process.send_signal(signal.SIGKILL)
            process.wait()
            deadline = time.monotonic() + 30
            while _alive(writer) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not _alive(writer), "the writer outlived the import"
            # Read once the import is dead (it reserves status places for its next chunk in
            # transactions of its own) and while the lock still holds back the writer's chunk.
            held = _store_state(pg_settings)
        # The lock is gone: a writer still alive would now record its chunk.
        state = _settled(pg_settings)
    assert state == held
    assert 0 < state["credentials"] < ROWS, state
    assert state["credentials"] == state["claims"] == state["idempotency keys"], state


def test_a_killed_writer_stops_the_import_with_a_one_line_error(pg_settings, report):
    """`kill -9` of the writer: the import ends (exit 3) with one line saying it stopped and to
    run it again, no traceback; whole chunks are recorded, and the rerun records the rest."""
    with _importing(pg_settings, report) as (process, writer):
        os.kill(writer, signal.SIGKILL)
        _, stderr = process.communicate(timeout=300)
    assert process.returncode == 3, stderr
    assert "Traceback" not in stderr
    assert "writer process ended unexpectedly" in stderr
    assert "run the same command again" in stderr
    state = _store_state(pg_settings)
    assert state["credentials"] == state["claims"] == state["idempotency keys"] < ROWS, state
    command, env = _command(pg_settings, report)
    rerun = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert rerun.returncode == 0, rerun.stderr
    final = _store_state(pg_settings)
    assert final["credentials"] == final["claims"] == final["idempotency keys"] == ROWS, final
