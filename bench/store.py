"""A throwaway embedded store for benchmarks."""

from __future__ import annotations

from pathlib import Path

from passport.settings import Settings

PASSPHRASE = "bench"  # noqa: S105 - keys of a throwaway store


def throwaway_settings(directory: Path, name: str) -> Settings:
    """Settings for a fresh SQLite ledger under `directory`."""
    return Settings(
        database_url=f"sqlite:///{directory / f'{name}.sqlite3'}",
        key_dir=directory / "keys",
        key_passphrase=PASSPHRASE,
        _env_file=None,
    )
