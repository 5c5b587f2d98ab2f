"""The record that a store's schema is set up is the owner's: the restricted app role cannot
forge it (the owner's next start would then skip DDL a new version needs) nor erase it."""

from __future__ import annotations

import psycopg
import pytest

from passport.schema_setup import FINGERPRINT
from passport.settings import Settings
from tests.passport.test_database_role import restricted  # noqa: F401 - the fixture

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO schema_setup (fingerprint) VALUES ('forged')",
        "UPDATE schema_setup SET fingerprint = 'forged'",
        "DELETE FROM schema_setup",
    ],
)
def test_the_restricted_role_cannot_change_the_setup_record(
    restricted: tuple[Settings, Settings],  # noqa: F811 - the fixture
    statement: str,
) -> None:
    """As the app's role, the database refuses the change by privilege; the owner's record of
    this version's setup stays as it was."""
    owner, app = restricted
    with (
        psycopg.connect(app.postgres_conninfo(), autocommit=True) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute(statement.encode())
    with psycopg.connect(owner.postgres_conninfo(), autocommit=True) as conn:
        rows = conn.execute(b"SELECT fingerprint FROM schema_setup").fetchall()
    assert rows == [(FINGERPRINT,)]
