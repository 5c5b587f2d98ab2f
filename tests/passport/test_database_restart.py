"""A PostgreSQL server restarted under a running ledger: the next reads and writes succeed."""

from __future__ import annotations

from pathlib import Path

import pytest

from passport.services import Services
from passport.settings import Settings
from projections import database
from tests.postgres_cluster import Cluster, restart

pytestmark = pytest.mark.postgres


def test_reads_and_writes_succeed_after_the_server_restarts(
    postgres_cluster: Cluster, postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every pooled connection dies with the restart; the next read of a read model, the next
    write to the log and the projection of it all succeed instead of failing once per dead
    connection."""
    # However quickly the server comes back, the pooled connections count as idle: checked.
    monkeypatch.setattr(database, "IDLE_CHECK_SECONDS", 0.0)
    settings = Settings(
        database_url=postgres_url,
        key_dir=tmp_path / "keys",
        key_passphrase="correct horse battery staple",
        _env_file=None,
    )
    services = Services.open(settings)
    try:
        before = services.accounts.new_operator_client().client_id
        services.refresh()
        with services.read_models.read():  # a second pooled connection, to die too
            assert services.views.client(before) is not None

        restart(postgres_cluster)

        assert services.views.client(before) is not None
        after = services.accounts.new_operator_client().client_id
        services.refresh()
        assert services.views.client(after) is not None
    finally:
        services.close()
