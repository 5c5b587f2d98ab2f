"""Where `passport serve`'s processes keep the counts `/metrics` adds up: a fresh directory per
server, never one an operator's environment hands it, and none left behind for good by a server
ended with a signal."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from passport.settings import Settings
from passport.web.operations import MULTIPROCESS_DIR, serving_metrics
from tests.commands import PASSPORT, passport_env


def _dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_server_starts_with_a_fresh_directory_and_removes_what_ended_servers_left():
    """A directory left by a server killed before it could remove its own (its pid no longer
    running) goes when the next server starts; a running server's stays; the new server's own
    is set for its processes while it serves and removed when it stops."""
    temp = Path(tempfile.gettempdir())
    left = Path(tempfile.mkdtemp(prefix=f"passport-metrics-{_dead_pid()}-", dir=temp))
    (left / "counter_1.db").write_bytes(b"\0" * 16)
    running = Path(tempfile.mkdtemp(prefix=f"passport-metrics-{os.getppid()}-", dir=temp))
    try:
        assert MULTIPROCESS_DIR not in os.environ
        with serving_metrics():
            own = Path(os.environ[MULTIPROCESS_DIR])
            assert own.is_dir()
            assert list(own.iterdir()) == []  # every count starts at zero
            assert own.name.startswith(f"passport-metrics-{os.getpid()}-")
            assert not left.exists()
            assert running.is_dir()
        assert not own.exists()
        assert MULTIPROCESS_DIR not in os.environ
    finally:
        running.rmdir()


def test_serve_refuses_a_metrics_directory_from_its_environment(settings: Settings, tmp_path):
    """A `PROMETHEUS_MULTIPROC_DIR` from the environment (shared with other commands, or not
    emptied since the last start) would add stale or foreign counts in: the server refuses to
    start and says what to do."""
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    env = {**passport_env(settings), MULTIPROCESS_DIR: str(metrics)}
    started = subprocess.run(
        [PASSPORT, "serve", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode != 0
    assert "PROMETHEUS_MULTIPROC_DIR" in started.stderr
    assert "unset it" in started.stderr
    assert "Traceback" not in started.stderr
