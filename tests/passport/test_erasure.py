"""Erasure: a learner's personal data goes for good; the log, its proofs and the credentials stay.

The personal data below is distinctive on purpose: the tests search the database's files on
disk (SQLite file and write-ahead log; PostgreSQL's table files and WAL) and every response.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest

from passport.settings import Settings
from tests.api_client import ACHIEVEMENT, Api
from tests.passport.server import settled
from tests.passport.test_cli import pin_registry, run
from tests.postgres_cluster import Cluster

NAME = "Zebedee Quillfeather"
EMAIL = "zebedee.quillfeather@trust.example"
STAFF = "NMC-77Q1234Z"
REASON = "Zebedee Quillfeather asked for the record to be corrected"
PERSONAL = (NAME, EMAIL, STAFF, "Quillfeather")


def _disk(settings: Settings, request: pytest.FixtureRequest) -> bytes:
    """Every byte the database keeps on disk for this ledger."""
    if not settings.is_postgres:
        path = settings.sqlite_path
        files = [path, Path(f"{path}-wal"), Path(f"{path}-journal")]
        return b"".join(f.read_bytes() for f in files if f.exists())
    cluster: Cluster = request.getfixturevalue("postgres_cluster")
    with psycopg.connect(settings.postgres_conninfo(), autocommit=True) as conn:
        conn.execute("CHECKPOINT")  # flush shared buffers to the table files
        row = conn.execute("SELECT oid FROM pg_database WHERE datname = current_database()")
        oid = row.fetchone()[0]  # type: ignore[index]
    folders = [cluster.data_dir / "base" / str(oid), cluster.data_dir / "pg_wal"]
    return b"".join(f.read_bytes() for d in folders for f in sorted(d.iterdir()) if f.is_file())


def _wrapped_key(settings: Settings, learner_id: str) -> str | None:
    """The learner's data key as stored (wrapped), read as a superuser would."""
    sql = "SELECT wrapped FROM learner_data_keys WHERE learner_id = "
    if settings.is_postgres:
        with psycopg.connect(settings.postgres_conninfo(), autocommit=True) as conn:
            row = conn.execute(sql + "%s", (learner_id,)).fetchone()
    else:
        import sqlite3  # noqa: PLC0415

        with sqlite3.connect(settings.sqlite_path) as conn:
            row = conn.execute(sql + "?", (learner_id,)).fetchone()
    return None if row is None else row[0]


def _award(api: Api) -> tuple[dict[str, Any], dict[str, str], str, list[str]]:
    account, token = api.register("Erasure Academy")
    base = f"/api/v1/issuers/{account['id']}"
    achievement = api.http.post(f"{base}/achievements", headers=token, json=ACHIEVEMENT).json()
    credentials = []
    for key in ("first", "second"):
        response = api.http.post(
            f"{base}/awards",
            headers={**token, "Idempotency-Key": key},
            json={
                "achievementId": achievement["id"],
                "earnedOn": "2026-10-01",
                "learner": {
                    "reference": "L-77",
                    "staffIdentifier": STAFF,
                    "name": NAME,
                    "email": EMAIL,
                },
            },
        )
        assert response.status_code == 201, response.text
        credentials.append(response.json())
    revoked = api.http.post(
        f"{base}/awards/{credentials[1]['credentialId']}/revoke",
        headers=token,
        json={"reason": REASON},
    )
    assert revoked.status_code == 200, revoked.text
    return account, token, credentials[0]["learnerId"], [c["credentialId"] for c in credentials]


def _erase(api: Api, learner_id: str, headers: dict[str, str]) -> Any:
    return api.http.post(
        f"/api/v1/admin/learners/{learner_id}/erasure",
        headers=headers,
        json={"reason": "UK GDPR Art. 17 request, ticket 4411"},
    )


def test_erasure_leaves_no_personal_data_and_every_proof_verifies(
    api: Api, settings: Settings, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Before: the passport names the learner, yet no file holds the name in plain text.
    After erasure: no response and no file holds it, the wrapped key is gone, and the audit,
    the proofs and the credentials handed out earlier all still verify."""
    account, token, learner_id, credential_ids = _award(api)
    passport_url = f"/api/v1/learners/{learner_id}/passport"

    before = api.http.get(passport_url, headers=api.as_operator()).json()
    assert before["name"] == NAME
    assert not before["erased"]
    reasons = {c["id"]: c["status_reason"] for c in before["credentials"]}
    assert reasons[credential_ids[1]] == REASON
    on_disk = _disk(settings, request)
    assert all(p.encode() not in on_disk for p in PERSONAL), "personal data stored in plain text"
    exported = tmp_path / "passport.json"
    settled(settings)  # the export proves what a signed checkpoint covers: wait for one
    exported.write_text(
        api.http.get(f"/api/v1/learners/{learner_id}/export", headers=api.as_operator()).text
    )
    wrapped = _wrapped_key(settings, learner_id)
    assert wrapped is not None and wrapped.encode() in on_disk

    erased = _erase(api, learner_id, api.token(*api.operator))
    assert erased.status_code == 200, erased.text
    assert erased.json()["erased"] is True

    after = api.http.get(passport_url, headers=api.as_operator())
    assert after.status_code == 200
    assert after.json()["name"] is None
    assert after.json()["erased"] is True
    assert {c["status_reason"] for c in after.json()["credentials"]} == {None}
    statuses = {c["id"]: c["status"] for c in after.json()["credentials"]}
    assert statuses == {credential_ids[0]: "valid", credential_ids[1]: "revoked"}
    responses = [
        after.text,
        api.http.get(f"/api/v1/learners/{learner_id}/export", headers=api.as_operator()).text,
        *(
            api.http.get(f"/api/v1/issuers/{account['id']}/awards/{c}", headers=token).text
            for c in credential_ids
        ),
        *(
            api.http.get("/log/proof/inclusion", params={"credential_id": c}).text
            for c in credential_ids
        ),
    ]
    for text in responses:
        assert all(p not in text for p in PERSONAL), text[:300]

    assert _wrapped_key(settings, learner_id) is None
    on_disk = _disk(settings, request)
    assert all(p.encode() not in on_disk for p in PERSONAL)
    if not settings.is_postgres:  # PostgreSQL reclaims dead rows in its own time (see README)
        assert wrapped.encode() not in on_disk

    audit = run(settings, "audit")
    assert audit.returncode == 0, audit.stdout + audit.stderr
    pin_registry(settings)
    handed_out = run(settings, "verify", str(exported), "--json")
    reports = json.loads(handed_out.stdout)["credentials"]
    assert reports, handed_out.stderr
    for report in reports:  # the revoked one fails on its status alone
        failed = {c["id"] for c in report["checks"] if c["outcome"] != "passed"}
        assert failed == (set() if report["id"] == credential_ids[0] else {"status"}), report
    credential = json.loads(exported.read_text())["verifiableCredential"][0]
    check = api.http.post("/credentials/verify", json={"verifiableCredential": credential})
    assert check.json()["verified"] is (credential["id"] == credential_ids[0]), check.text


def test_erasure_holds_after_a_rebuild_and_refuses_new_awards(api: Api, settings: Settings) -> None:
    """Rebuilt read models show no personal data; a new award to the learner is refused."""
    account, token, learner_id, _ = _award(api)
    assert _erase(api, learner_id, api.token(*api.operator)).status_code == 200

    rebuilt = run(settings, "projections", "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    view = api.http.get(f"/api/v1/learners/{learner_id}/passport", headers=api.as_operator()).json()
    assert view["name"] is None and view["erased"] is True

    base = f"/api/v1/issuers/{account['id']}"
    achievement_id = api.http.get(f"{base}/achievements", headers=token).json()[0]["id"]
    again = api.http.post(
        f"{base}/awards",
        headers={**token, "Idempotency-Key": "after-erasure"},
        json={
            "achievementId": achievement_id,
            "earnedOn": "2026-11-01",
            "learner": {"reference": "L-77", "staffIdentifier": STAFF, "name": NAME},
        },
    )
    assert again.status_code == 409, again.text
    assert "erased" in again.json()["detail"]
    cohort = api.http.post(
        f"{base}/awards/batch",
        headers={**token, "Idempotency-Key": "cohort-after-erasure"},
        json={
            "mode": "all-or-nothing",
            "awards": [
                {
                    "achievementId": achievement_id,
                    "earnedOn": "2026-11-01",
                    "learner": {"reference": "L-77", "staffIdentifier": STAFF, "name": NAME},
                }
            ],
        },
    )
    assert cohort.status_code == 422, cohort.text
    assert cohort.json()["errors"][0] == {
        "row": 1,
        "field": "learner",
        "message": "this learner's record was erased",
    }


def test_only_the_operator_erases_and_only_once(api: Api, settings: Settings) -> None:
    """An issuer's token is forbidden; an unknown learner is 404; a second erasure is 409."""
    _, token, learner_id, _ = _award(api)
    assert _erase(api, learner_id, token).status_code == 403
    assert _erase(api, learner_id, {}).status_code == 401
    operator = api.token(*api.operator)
    assert _erase(api, "00000000-0000-0000-0000-000000000000", operator).status_code == 404
    assert _erase(api, learner_id, operator).status_code == 200
    twice = _erase(api, learner_id, operator)
    assert twice.status_code == 409
    assert "erased" in twice.json()["detail"]
    assert (
        api.http.get(f"/api/v1/learners/{learner_id}/passport", headers=api.as_operator()).json()[
            "name"
        ]
        is None
    )


def test_the_cli_erases_with_a_recorded_reason(api: Api, settings: Settings) -> None:
    """`passport learner erase ID --reason TEXT`; bad ids and repeats get one-line errors."""
    _, _, learner_id, _ = _award(api)
    missing_reason = run(settings, "learner", "erase", learner_id)
    assert missing_reason.returncode == 2
    bad_id = run(settings, "learner", "erase", "not-a-uuid", "--reason", "request")
    assert bad_id.returncode == 2
    assert "not a learner id" in bad_id.stderr
    done = run(settings, "learner", "erase", learner_id, "--reason", "subject access request")
    assert done.returncode == 0, done.stderr
    assert "erased" in done.stdout
    no_link = run(settings, "learner", "link", learner_id)
    assert no_link.returncode == 2 and "no learner" in no_link.stderr
    again = run(settings, "learner", "erase", learner_id, "--reason", "again")
    assert again.returncode == 2
    assert "was erased" in again.stderr
    assert "Traceback" not in again.stderr
    assert (
        api.http.get(f"/api/v1/learners/{learner_id}/passport", headers=api.as_operator()).json()[
            "name"
        ]
        is None
    )
