"""A rebuild's swap cannot be raced by a second rebuild, nor widen or drop a role's rights."""

from __future__ import annotations

import psycopg
import pytest

from passport.background import REBUILD_JOB, lease
from passport.services import Services
from passport.settings import Settings
from projections.shadow import SUFFIX
from tests.passport.test_cli import run
from tests.passport.test_database_role import restricted  # noqa: F401 - the fixture


def test_a_second_rebuild_at_once_is_refused_and_changes_nothing(
    seeded: dict[str, str], settings: Settings
) -> None:
    """While one rebuild holds the database's rebuild lease, another exits 2 with a one-line
    reason, and the live read models are as they were, with no shadow tables made."""
    services = Services.open(settings)
    services.projections.catch_up()
    live = services.views.dump()
    held = lease(settings, REBUILD_JOB)
    assert held.acquire()
    try:
        done = run(settings, "projections", "rebuild")
    finally:
        held.release()
    assert done.returncode == 2
    assert "another `passport projections rebuild` is running" in done.stderr
    assert "Traceback" not in done.stderr
    assert services.views.dump() == live
    with services.read_models.read() as tx:
        if services.read_models.is_postgres:
            rows = tx.execute("SELECT tablename FROM pg_tables")
        else:
            rows = tx.execute("SELECT name FROM sqlite_master")
    services.close()
    assert not [r for r in rows if str(r[0]).endswith(SUFFIX)]
    assert run(settings, "projections", "rebuild").returncode == 0  # once the lease is free


@pytest.mark.postgres
def test_a_rebuild_by_the_owner_keeps_the_restricted_roles_rights(
    restricted: tuple[Settings, Settings],  # noqa: F811 - the imported fixture
) -> None:
    """After the owner swaps in rebuilt tables, the app's restricted role still reads and
    writes the read models, still may not drop them or touch the log, and its own rebuild
    (in place: it may not create tables) succeeds."""
    owner, app = restricted
    services = Services.open(app)
    operator = services.accounts.new_operator_client()
    services.close()
    done = run(owner, "projections", "rebuild")
    assert done.returncode == 0, done.stderr
    with psycopg.connect(app.postgres_conninfo(), autocommit=True) as conn:
        row = conn.execute(
            "SELECT owner FROM rm_clients WHERE client_id = %s", (operator.client_id,)
        ).fetchone()
        assert row is not None
        conn.execute("UPDATE rm_clients SET revoked = 0 WHERE client_id = 'nobody'")
        for statement in (
            "DROP TABLE rm_clients",
            f"CREATE TABLE rm_clients{SUFFIX} (x INTEGER)",
            "DELETE FROM log_checkpoints",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement.encode())
    mine = run(app, "projections", "rebuild")
    assert mine.returncode == 0, mine.stderr
    assert "from " in mine.stdout
