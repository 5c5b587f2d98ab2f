"""Every query a request runs uses an index: no sequential scan of a table that grows.

The ledger is loaded with a few thousand credentials (and the tables beside the read models
padded to a few thousand rows), the planner is given statistics (`ANALYZE`), then real requests
go through the app over HTTP while every statement they send to the read models is recorded.
Each recorded statement is then explained with its own parameters, on SQLite (`EXPLAIN QUERY
PLAN`) and on PostgreSQL (`EXPLAIN`, planner settings untouched).
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import httpx
import psycopg
import pytest

from events.batch_reads import postgres_last_events_statement
from events.issuer import AchievementKind
from issuers.awarding import AwardRequest, Learner
from passport.services import Services
from passport.settings import Settings
from projections import database
from tests.api_client import ACHIEVEMENT, Api, award_body
from tests.passport.server import serving, settled

LEARNERS = 600
PER_LEARNER = 5
PADDING = 3000
GROWING = {
    "rm_credentials",
    "rm_learners",
    "rm_merkle_nodes",
    "rm_merkle_leaves",
    "rm_status_allocations",
    "rm_status_lists",
    "share_links",
    "learner_links",
    "learner_data_keys",
    "log_checkpoints",
    "outbox",
    "issuer_jobs",
    "rm_achievements",
    "rm_endorsements",
    "rm_reviews",
    "rm_review_summaries",
    "rm_programmes",
    "rm_achievement_alignments",
    "stored_events",
    "staffpassport_events",
}
Statement = tuple[str, tuple[Any, ...]]


def _load(services: Services, issuer_id: UUID, achievement_id: str) -> list[UUID]:
    """LEARNERS learners with PER_LEARNER credentials each, recorded in batches."""
    requests = [
        AwardRequest(
            achievement_id,
            Learner(f"ESR-{n:08d}", f"Learner {n}", f"l{n}@example.nhs.net"),
            date(2026, 1 + k, 1),
            None,
            f"load/{n}/{k}",
        )
        for k in range(PER_LEARNER)
        for n in range(LEARNERS)
    ]
    at = datetime.now(UTC)
    learners: list[UUID] = []
    for start in range(0, len(requests), 500):
        awards = services.awarding.award_many(issuer_id, requests[start : start + 500], at=at)
        learners.extend(a.learner_id for a in awards)
    services.projections.catch_up()
    return learners


def _pad(services: Services) -> None:
    """Rows for the tables a small ledger leaves nearly empty, so plans are those of a big one."""
    now = datetime.now(UTC).isoformat()
    with services.read_models.transaction() as tx:
        for n in range(PADDING):
            tx.execute(
                "INSERT INTO rm_status_lists (issuer_id, purpose, list_no, bits) "
                "VALUES (?, 'revocation', 1, ?)",
                (f"padding-{n}", b"\x00"),
            )
            tx.execute(
                "INSERT INTO share_links (share_id, token_hash, learner_id, credential_ids, "
                "show_name, created_at, expires_at) VALUES (?, ?, ?, 'null', 1, ?, ?)",
                (f"padding-{n}", f"padding-{n}", f"padding-{n}", now, now),
            )
            tx.execute(
                "INSERT INTO learner_links (token_hash, learner_id, created_at) VALUES (?, ?, ?)",
                (f"padding-{n}", f"padding-{n}", now),
            )
            tx.execute(
                "INSERT INTO log_checkpoints (size, root, note, published_at) "
                "VALUES (?, '', '', ?)",
                (-1 - n, now),
            )
            tx.execute(
                "INSERT INTO outbox (message_id, learner_id, kind, created_at) "
                "VALUES (?, ?, 'padding', ?)",
                (f"padding-{n}", f"padding-{n}", now),
            )
            tx.execute(
                "INSERT INTO learner_data_keys (learner_id, wrapped, created_at) VALUES (?, '', ?)",
                (f"padding-{n}", now),
            )
            tx.execute(
                "INSERT INTO issuer_jobs (job_id, issuer_id, mode, total, done, status, errors, "
                "updated_at) VALUES (?, 'padding', 'per-row', 1, 1, 'completed', '[]', ?)",
                (f"padding-{n}", now),
            )
            tx.execute(
                "INSERT INTO rm_achievements (achievement_id, issuer_id, name, kind, definition) "
                "VALUES (?, 'padding', ?, 'training', '{}')",
                (f"padding-{n}", f"Padding {n}"),
            )
            tx.execute(
                "INSERT INTO rm_endorsements (credential_id, endorser_id, target, comment, "
                "endorsed_at) VALUES (?, 'padding', ?, '', ?)",
                (f"padding-{n}", f"padding-{n}", now),
            )
            tx.execute(
                "INSERT INTO rm_reviews (review_id, achievement_id, issuer_id, learner_id, "
                "pseudonym, rating, written_at) VALUES (?, ?, 'padding', ?, 'x', 3, ?)",
                (f"padding-{n}", f"padding-{n}", f"padding-{n}", now),
            )
            tx.execute(
                "INSERT INTO rm_review_summaries (achievement_id, reviews, total) VALUES (?, 1, 3)",
                (f"padding-{n}",),
            )
            tx.execute(
                "INSERT INTO rm_programmes (programme_id, issuer_id, achievement_id, name, rules, "
                "defined_at) VALUES (?, 'padding', ?, ?, '{}', ?)",
                (f"padding-{n}", f"padding-{n}", f"Padding {n}", now),
            )
            tx.execute(
                "INSERT INTO rm_achievement_alignments (target_code, target_framework, "
                "achievement_id) VALUES (?, 'padding', ?)",
                (f"padding-{n}", f"padding-{n}"),
            )
        tx.execute("ANALYZE")


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[Statement]:
    """Every statement the read models are sent from now on, with its parameters (a batch's
    deferred writes with their first row)."""
    statements: list[Statement] = []
    for cls in (database._SQLiteTransaction, database._PostgresTransaction):
        original = cls.execute

        def execute(
            self: Any, sql: str, params: Sequence[Any] = (), _original: Any = original
        ) -> list[database.Row]:
            statements.append((sql, tuple(params)))
            result: list[database.Row] = _original(self, sql, params)
            return result

        monkeypatch.setattr(cls, "execute", execute)
        many = cls.execute_many

        def execute_many(
            self: Any, sql: str, rows: Sequence[Sequence[Any]], _many: Any = many
        ) -> None:
            statements.extend((sql, tuple(row)) for row in rows[:1])  # one row: the same plan
            _many(self, sql, rows)

        monkeypatch.setattr(cls, "execute_many", execute_many)
    return statements


def _requests(api: Api, services: Services, learner_id: UUID) -> None:
    """What issuers, learners, employers and verifiers ask of a ledger, once each."""
    account, token = api.register("Scale Academy")
    base = f"/api/v1/issuers/{account['id']}"
    achievement = api.http.post(f"{base}/achievements", headers=token, json=ACHIEVEMENT).json()
    award = api.http.post(f"{base}/awards", headers=token, json=award_body(achievement["id"]))
    assert award.status_code == 201, award.text
    credential_id = award.json()["credentialId"]
    assert api.http.get(f"{base}/awards/{credential_id}", headers=token).status_code == 200
    revoke = api.http.post(
        f"{base}/awards/{credential_id}/revoke", headers=token, json={"reason": "error"}
    )
    assert revoke.status_code == 200, revoke.text
    rows = [award_body(achievement["id"], f"NMC-{n:06d}") for n in range(3)]
    batch = api.http.post(
        f"{base}/awards/batch",
        headers={**token, "Idempotency-Key": "plans"},
        json={"mode": "per-row", "awards": rows},
    )
    assert batch.status_code == 202, batch.text
    for _ in range(200):
        job = api.http.get(batch.headers["location"], headers=token).json()
        if job["status"] != "running":
            break
        time.sleep(0.05)
    credential = award.json()["credential"]
    for url in {credential["credentialStatus"]["statusListCredential"]}:
        assert api.http.get(url.removeprefix("https://passport.test")).status_code == 200
    verify = api.http.post("/credentials/verify", json={"verifiableCredential": credential})
    assert verify.status_code == 400  # revoked
    assert api.http.get(f"/issuers/{account['did'].rsplit(':', 1)[-1]}/did.json").is_success
    settled(services.settings)  # proofs need a signed checkpoint covering the writes above
    assert api.http.get("/log/checkpoint").status_code == 200
    for event in ("issued", "status"):
        proof = api.http.get(
            "/log/proof/inclusion", params={"credential_id": credential_id, "event": event}
        )
        assert proof.status_code == 200, proof.text
    assert api.http.get("/log/proof/consistency", params={"first": 1, "second": 2}).is_success
    operator = api.as_operator()
    assert api.http.get(f"/api/v1/learners/{learner_id}/passport", headers=operator).is_success
    assert api.http.get(f"/api/v1/learners/{learner_id}/export", headers=operator).is_success
    now = datetime.now(UTC)
    personal = services.sharing.issue_learner_link(str(learner_id), now)
    assert api.http.get(f"/me/{personal}").status_code == 200
    learn_next = {"next-role": "registered-nurse-adult"}  # issue 15: what to learn next
    assert api.http.get(f"/me/{personal}", params=learn_next).status_code == 200
    share, _ = services.sharing.create_share(str(learner_id), now, credential_ids=None)
    assert api.http.get(f"/s/{share}").status_code == 200
    assert api.http.get(f"/s/{share}", headers={"Accept": "application/json"}).is_success
    role = api.http.get("/api/v1/roles").json()
    role_name = role[0]["id"] if isinstance(role, list) else next(iter(role))
    checked = api.http.get(f"/api/v1/shares/{share}/role-check", params={"role": role_name})
    assert checked.status_code in (200, 404), checked.text
    body, body_token = api.register("Accrediting Body")  # issue 15: endorsements, reviews
    api.recognise_accrediting(body["did"])
    endorsed = api.http.post(
        f"/api/v1/issuers/{body['id']}/endorsements",
        headers=body_token,
        json={"issuerId": account["id"], "achievementId": achievement["id"], "comment": "Good"},
    )
    assert endorsed.status_code == 201, endorsed.text
    held = services.views.credentials_of(str(learner_id))[0][0]["id"]
    reviewed = api.http.post(f"/me/{personal}/reviews", data={"credential": held, "rating": "4"})
    assert reviewed.status_code == 303, reviewed.text
    reviews = api.http.get(f"{base}/achievements/{achievement['id']}/reviews", headers=token)
    assert reviews.status_code == 200, reviews.text
    assert api.http.get("/catalogue").status_code == 200
    assert api.http.get("/catalogue", headers={"Accept": "application/json"}).is_success
    assert api.http.get("/readyz").status_code in (200, 503)  # operators' probes, too
    assert api.http.get("/metrics").status_code == 200


def _event_store_statements(services: Services, learner_id: UUID) -> list[Statement]:
    """The event store's own reads on a request path, as the library writes them: one
    aggregate's events (an issuer or a passport), and the log after a position."""
    recorder: Any = services.ledger.recorder
    table = recorder.events_table_name
    if services.read_models.is_postgres:
        with psycopg.connect(services.settings.postgres_conninfo()) as conn:
            by_aggregate = recorder.select_events_statement.as_string(conn)
            heads = postgres_last_events_statement(recorder).as_string(conn)
        return [
            (f"{by_aggregate} ORDER BY originator_version ASC", (learner_id,)),
            (heads, ([str(learner_id), str(UUID(int=0))],)),  # an award chunk's passports
            (
                f"SELECT * FROM {table} WHERE notification_id>? "  # noqa: S608
                "ORDER BY notification_id LIMIT ?",
                (10, 500),
            ),
        ]
    return [
        (f"{recorder.select_events_statement}ORDER BY originator_version ASC ", (str(learner_id),)),
        (f"SELECT rowid, * FROM {table} WHERE rowid>? ORDER BY rowid LIMIT ?", (10, 500)),  # noqa: S608
    ]


def _sqlite_scans(path: str, statements: list[Statement], events_table: str) -> list[str]:
    found = []
    with sqlite3.connect(path) as conn:
        for sql, params in statements:
            plan = conn.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
            sorts = any("TEMP B-TREE" in str(row[3]) for row in plan)
            for row in plan:
                match = re.match(r"SCAN (\w+)( USING (COVERING )?INDEX)?", str(row[3]))
                if not match or match.group(1) not in GROWING | {events_table}:
                    continue
                # Reading an index in order and stopping at a LIMIT (`ORDER BY size DESC
                # LIMIT 1`) is bounded; SQLite still calls it a SCAN.
                if match.group(2) and not sorts and re.search(r"\bLIMIT\b", sql):
                    continue
                found.append(f"{row[3]} in: {sql}")
    return found


def _postgres_scans(conninfo: str, statements: list[Statement], events_table: str) -> list[str]:
    found = []

    def walk(node: dict[str, Any], sql: str) -> None:
        if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") in GROWING | {
            events_table
        }:
            found.append(f"Seq Scan on {node['Relation Name']} in: {sql}")
        for child in node.get("Plans", []):
            walk(child, sql)

    with psycopg.connect(conninfo, autocommit=True) as conn:
        for sql, params in statements:
            row = conn.execute(f"EXPLAIN (FORMAT JSON) {sql.replace('?', '%s')}", params).fetchone()
            assert row is not None
            plan = row[0] if isinstance(row[0], list) else json.loads(row[0])
            walk(plan[0]["Plan"], sql)
    return found


def _explainable(statements: list[Statement]) -> list[Statement]:
    unique: dict[str, Statement] = {}
    for sql, params in statements:
        if re.match(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", sql, re.IGNORECASE):
            unique.setdefault(sql, (sql, params))
    return list(unique.values())


@pytest.fixture
def loaded(settings: Settings) -> Iterator[tuple[Services, UUID]]:
    """A ledger of LEARNERS x PER_LEARNER credentials, padded and analysed."""
    services = Services.open(settings)
    issuer = services.awarding.register_issuer(
        "load-academy", "Load Academy", "https://load.example", datetime.now(UTC)
    )
    achievement = services.awarding.define_achievement(
        issuer.id,
        name="Information Governance",
        description="IG",
        criteria="Pass",
        kind=AchievementKind.TRAINING,
        refresher_months=12,
    )
    learners = _load(services, issuer.id, achievement)
    _pad(services)
    yield services, learners[0]
    services.close()


def test_no_request_scans_a_table_that_grows_with_the_ledger(loaded, settings, recorded):
    """Awarding, revoking, cohorts, status lists, verification, the log's proofs, passports,
    learner and share pages, role checks and the mail outbox's rounds: every statement they
    send is planned on an index, on a ledger of a few thousand credentials."""
    services, learner_id = loaded
    operator = services.accounts.new_operator_client()
    with serving(settings) as base, httpx.Client(base_url=base, timeout=60) as http:
        _requests(Api(http, (operator.client_id, operator.client_secret)), services, learner_id)
    now = datetime.now(UTC)
    services.outbox.welcome_new_learners(now)  # what mail delivery runs, periodically
    assert services.outbox.pending()
    statements = _explainable(recorded)
    assert len(statements) > 20  # the requests above did reach the read models
    statements += _event_store_statements(services, learner_id)
    recorder: Any = services.ledger.recorder
    events_table = recorder.events_table_name
    if settings.is_postgres:
        scans = _postgres_scans(settings.postgres_conninfo(), statements, events_table)
    else:
        scans = _sqlite_scans(str(settings.sqlite_path), statements, events_table)
    assert scans == []
