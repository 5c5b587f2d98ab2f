"""A throwaway PostgreSQL cluster for the tests, on a loopback port; removed afterwards.

TCP rather than a Unix socket: over a socket, eventsourcing 9.5.6's pipelined inserts of
large batches stall (client and server each wait for the other).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg


@dataclass(frozen=True)
class Cluster:
    """Where the throwaway server listens."""

    socket_dir: str
    port: int
    superuser: str

    @property
    def data_dir(self) -> Path:
        """The cluster's files on disk (tables, write-ahead log)."""
        return Path(self.socket_dir) / "data"

    def url(self, dbname: str, user: str | None = None, password: str | None = None) -> str:
        """A `postgresql://` URL for one database on this cluster, over the socket."""
        auth = user or self.superuser
        if password:
            auth += f":{password}"
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        """A superuser connection, autocommit."""
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=self.superuser,
            dbname=dbname,
            autocommit=True,
        )


def _bindir() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise RuntimeError("PostgreSQL is not installed: run `make test`, which installs it")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_options(socket_dir: str, port: int) -> str:
    return f"-k {socket_dir} -c listen_addresses=127.0.0.1 -p {port} -F -c max_connections=200"


def restart(cluster: Cluster) -> None:
    """Stop the server (closing every session, as a crash or an upgrade would) and start it
    again on the same port; returns once it accepts connections."""
    subprocess.run(
        [
            str(_bindir() / "pg_ctl"),
            "-D",
            str(cluster.data_dir),
            "-w",
            "-m",
            "fast",
            "-l",
            str(Path(cluster.socket_dir) / "log"),
            "-o",
            _server_options(cluster.socket_dir, cluster.port),
            "restart",
        ],
        check=True,
        user="postgres" if os.geteuid() == 0 else None,
        capture_output=True,
    )


@contextmanager
def throwaway_cluster(settings: Mapping[str, str] | None = None) -> Iterator[Cluster]:
    """Start a cluster (as the `postgres` user when we are root: initdb refuses root), with
    `settings` added to its `postgresql.conf` (a bench's `shared_buffers`, say)."""
    bindir = _bindir()
    run_as = "postgres" if os.geteuid() == 0 else None
    base = Path(tempfile.mkdtemp(prefix="passport-pg-"))
    if run_as:
        shutil.chown(base, user=run_as)
    data = base / "data"
    port = _free_port()
    superuser = "postgres"
    try:
        subprocess.run(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                superuser,
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
            ],
            check=True,
            user=run_as,
            capture_output=True,
        )
        with (data / "postgresql.conf").open("a") as conf:
            for name, value in (settings or {}).items():
                conf.write(f"{name} = '{value}'\n")
        subprocess.run(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-w",
                "-l",
                str(base / "log"),
                "-o",
                _server_options(str(base), port),
                "start",
            ],
            check=True,
            user=run_as,
            capture_output=True,
        )
        yield Cluster(socket_dir=str(base), port=port, superuser=superuser)
    finally:
        subprocess.run(
            [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            check=False,
            user=run_as,
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)
