"""On PostgreSQL the app can run as a role that may only insert into and read the log."""

from __future__ import annotations

import itertools
from pathlib import Path

import httpx
import psycopg
import pytest

from passport.services import Services
from passport.settings import Settings
from tests.api_client import ACHIEVEMENT, Api, award_body
from tests.passport.server import serving
from tests.passport.test_cli import run
from tests.postgres_cluster import Cluster

pytestmark = pytest.mark.postgres
_roles = itertools.count()


@pytest.fixture
def restricted(
    postgres_cluster: Cluster, postgres_url: str, tmp_path: Path
) -> tuple[Settings, Settings]:
    """(owner's settings, the restricted app role's settings) after `passport database restrict`."""
    owner = Settings(
        database_url=postgres_url,
        base_url="https://passport.test",
        key_dir=tmp_path / "keys",
        key_passphrase="correct horse battery staple",
        _env_file=None,
    )
    role = f"passport_app_{next(_roles)}"
    with postgres_cluster.connect() as conn:
        conn.execute(f"DROP ROLE IF EXISTS {role}")
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'app-secret'")
    done = run(owner, "database", "restrict", role)
    assert done.returncode == 0, done.stderr
    assert f'GRANT SELECT, INSERT ON "staffpassport_events" TO "{role}"' in done.stdout
    database = postgres_url.rsplit("/", 1)[1]
    app_url = postgres_cluster.url(database, role, "app-secret")
    return owner, owner.model_copy(update={"database_url": app_url})


def test_the_app_works_as_the_restricted_role(restricted: tuple[Settings, Settings]) -> None:
    """Register, award, read, erase, rebuild and audit, all as the role that cannot rewrite."""
    _, app = restricted
    services = Services.open(app)
    operator = services.accounts.new_operator_client()
    services.close()
    with serving(app) as base, httpx.Client(base_url=base, timeout=30) as http:
        api = Api(http, (operator.client_id, operator.client_secret))
        account, token = api.register("Restricted Academy")
        issuer = f"/api/v1/issuers/{account['id']}"
        achievement = http.post(f"{issuer}/achievements", headers=token, json=ACHIEVEMENT)
        assert achievement.status_code == 201, achievement.text
        award = http.post(
            f"{issuer}/awards",
            headers={**token, "Idempotency-Key": "one"},
            json=award_body(achievement.json()["id"]),
        )
        assert award.status_code == 201, award.text
        learner = award.json()["learnerId"]
        assert (
            http.get(f"/api/v1/learners/{learner}/passport", headers=api.as_operator()).json()[
                "name"
            ]
            == "Amira Okafor"
        )
        erased = http.post(
            f"/api/v1/admin/learners/{learner}/erasure",
            headers=api.token(*api.operator),
            json={"reason": "test of erasure as the restricted role"},
        )
        assert erased.status_code == 200, erased.text
    for command in (("projections", "rebuild"), ("log", "checkpoint"), ("audit",)):
        done = run(app, *command)
        assert done.returncode == 0, (command, done.stderr)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE staffpassport_events SET topic = 'x'",
        "DELETE FROM staffpassport_events",
        "TRUNCATE staffpassport_events",
        "DROP TRIGGER staffpassport_events_no_change ON staffpassport_events",
        "ALTER TABLE staffpassport_events DISABLE TRIGGER ALL",
        "DELETE FROM log_checkpoints",
        "UPDATE log_checkpoints SET note = 'x'",
        "DELETE FROM learner_data_keys",
    ],
)
def test_the_restricted_role_cannot_change_the_log(
    restricted: tuple[Settings, Settings], statement: str
) -> None:
    """As the app's role, the database refuses by privilege, before any trigger runs."""
    _, app = restricted
    services = Services.open(app)
    services.accounts.new_operator_client()  # one event on the log, written as the role
    services.close()
    with psycopg.connect(app.postgres_conninfo(), autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement.encode())
        count = conn.execute("SELECT COUNT(*) FROM staffpassport_events").fetchone()
    assert count is not None and count[0] > 0


def test_restrict_explains_what_is_wrong(restricted: tuple[Settings, Settings]) -> None:
    """An unknown role, a bad name and a SQLite store get one-line errors, no traceback."""
    owner, _ = restricted
    unknown = run(owner, "database", "restrict", "no_such_role_here")
    assert unknown.returncode == 2 and "create it first" in unknown.stderr
    bad = run(owner, "database", "restrict", "x; DROP TABLE y")
    assert bad.returncode == 2 and "not a PostgreSQL role name" in bad.stderr
    lite = owner.model_copy(update={"database_url": "sqlite:///" + str(owner.key_dir / "x.db")})
    assert "PostgreSQL feature" in run(lite, "database", "restrict", "app").stderr
