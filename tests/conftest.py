"""Fixtures that build real stores: a temporary SQLite file, or a database on a real PostgreSQL."""

from __future__ import annotations

import itertools
import json
import os
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import settings as hypothesis_settings

from passport.demo import seed_demo
from passport.services import Services
from passport.settings import Settings
from tests.api_client import Api
from tests.passport.server import serving
from tests.postgres_cluster import Cluster, throwaway_cluster

# CI explores the same examples every run (a fixed seed per test): a red build is reproducible,
# never a coin toss. Locally, runs keep exploring new examples.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

DATA = Path(__file__).parent / "data"
_db_counter = itertools.count()


def load_data(name: str) -> Any:
    """A JSON file from tests/data."""
    return json.loads((DATA / name).read_text())


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    """One throwaway PostgreSQL server for the whole run."""
    with throwaway_cluster() as cluster:
        yield cluster


@pytest.fixture
def postgres_url(postgres_cluster: Cluster) -> str:
    """A fresh, empty database on the throwaway server."""
    name = f"passport_test_{next(_db_counter)}"
    with postgres_cluster.connect() as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return postgres_cluster.url(name)


def _ledger_settings(url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=url,
        base_url="https://passport.test",
        key_dir=tmp_path / "keys",
        key_passphrase="correct horse battery staple",
        _env_file=None,
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for a fresh ledger, on a SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        return _ledger_settings(f"sqlite:///{tmp_path / 'passport.sqlite3'}", tmp_path)
    return _ledger_settings(request.getfixturevalue("postgres_url"), tmp_path)


@pytest.fixture
def pg_settings(postgres_url: str, tmp_path: Path) -> Settings:
    """A fresh ledger on the throwaway PostgreSQL server, for what only PostgreSQL does."""
    return _ledger_settings(postgres_url, tmp_path)


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    """The ledger's services on the test's store (SQLite file or PostgreSQL), closed after."""
    opened = Services.open(settings)
    yield opened
    opened.close()


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    """The app served over real HTTP, with an operator's client credentials."""
    services = Services.open(settings)
    operator = services.accounts.new_operator_client()
    services.close()
    with serving(settings) as base, httpx.Client(base_url=base, timeout=30) as http:
        yield Api(http, (operator.client_id, operator.client_secret))


@pytest.fixture
def seeded(settings: Settings) -> dict[str, str]:
    """The demo ledger; returns learner names to ids."""
    services = Services.open(settings)
    try:
        demo = seed_demo(services, datetime.now(UTC))
    finally:
        services.close()
    return {str(x["name"]): str(x["id"]) for x in demo.learners}


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every attempt of this process to open a connection is recorded and refused."""
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("network blocked: this test must open no connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts
