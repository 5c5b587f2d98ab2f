"""A throwaway embedded store for benchmarks."""

from __future__ import annotations

from pathlib import Path

from passport.settings import Settings
from tests.postgres_cluster import Cluster

PASSPHRASE = "bench"  # noqa: S105 - keys of a throwaway store


def throwaway_settings(directory: Path, name: str, postgres: Cluster | None = None) -> Settings:
    """Settings for a fresh ledger: a SQLite file under `directory`, or a new database on the
    given PostgreSQL cluster."""
    url = f"sqlite:///{directory / f'{name}.sqlite3'}"
    if postgres is not None:
        with postgres.connect() as conn:
            conn.execute(f"CREATE DATABASE bench_{name}")
        url = postgres.url(f"bench_{name}")
    return Settings(
        database_url=url,
        key_dir=directory / "keys",
        key_passphrase=PASSPHRASE,
        _env_file=None,
    )
