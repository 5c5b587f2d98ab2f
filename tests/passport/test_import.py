"""`passport import`: the initial load of an ESR report, run as an operator runs it."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from events.issuer import AchievementKind
from passport.immutability import PG_TABLE, SQLITE_TABLE
from passport.services import Services
from passport.settings import Settings
from tests.commands import PASSPORT, passport_env
from tests.passport.server import serving
from tests.passport.test_cli import run

HEADER = "Employee Number,Full Name,Email Address,Competence Code,Achieved Date\n"


@pytest.fixture
def academy(settings: Settings, tmp_path: Path) -> Path:
    """An academy with two achievements, and a mapping file of two course codes to them."""
    services = Services.open(settings)
    try:
        issuer = services.awarding.register_issuer(
            "esr-academy", "ESR Academy", "https://esr.example", datetime.now(UTC)
        )
        achievements = {
            code: services.awarding.define_achievement(
                issuer.id,
                name=name,
                description=name,
                criteria="Completed",
                kind=AchievementKind.TRAINING,
                refresher_months=36,
            )
            for code, name in (("IG", "Information Governance"), ("FS", "Fire Safety"))
        }
        services.ledger.enrol_learner("ESR-0000001", "Known Learner", "known@example.nhs.net")
    finally:
        services.close()
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps(
            {
                "courses": {
                    f"NHS|CSTF|{code}|3 Years": {"issuer": "esr-academy", "achievement": a}
                    for code, a in achievements.items()
                }
            }
        )
    )
    return mapping


def _report(tmp_path: Path, rows: list[str], name: str = "report.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(f"{r}\n" for r in rows))
    return path


def _row(n: int, course: str = "IG", completed: str = "15/03/2025") -> str:
    return f"ESR-{n:07d},Learner {n},l{n}@example.nhs.net,NHS|CSTF|{course}|3 Years,{completed}"


def _events(settings: Settings) -> int:
    services = Services.open(settings)
    try:
        return int(services.ledger.recorder.max_notification_id() or 0)
    finally:
        services.close()


def _credentials(settings: Settings) -> list[dict[str, Any]]:
    services = Services.open(settings)
    try:
        services.projections.catch_up()
        with services.read_models.transaction() as tx:
            rows = tx.execute("SELECT credential FROM rm_credentials")
        return [json.loads(str(r[0])) for r in rows]
    finally:
        services.close()


def test_a_dry_run_reports_what_it_would_do_and_writes_nothing(settings, academy, tmp_path):
    """A dry run counts awards per achievement and new versus known learners, and the ledger
    holds not one more event afterwards."""
    report = _report(tmp_path, [_row(1), _row(1, "FS"), _row(2), _row(3, "FS"), _row(3, "FS")])
    before = _events(settings)
    done = run(settings, "import", str(report), "--mapping", str(academy), "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "would record up to 4 credential(s)" in done.stdout
    assert "       2  Information Governance" in done.stdout
    assert "       2  Fire Safety" in done.stdout
    assert "learners: 2 new, 1 already enrolled" in done.stdout
    assert "1 row(s) repeat an earlier one" in done.stdout
    assert _events(settings) == before


def test_bad_rows_are_reported_by_line_and_nothing_is_recorded(settings, academy, tmp_path):
    """Rows with an unknown course, a date that is not one, a future date or no name are each
    named by their line in the file; the import exits 2 having recorded nothing."""
    report = _report(
        tmp_path,
        [
            _row(1),
            _row(2, "XX"),
            _row(3, completed="31/02/2025"),
            _row(4, completed="01/01/2999"),
            "ESR-0000005,,l5@example.nhs.net,NHS|CSTF|IG|3 Years,01/02/2025",
        ],
    )
    before = _events(settings)
    done = run(settings, "import", str(report), "--mapping", str(academy))
    assert done.returncode == 2
    assert "line 3: course code 'NHS|CSTF|XX|3 Years' is not in the mapping" in done.stderr
    assert "line 4: completion date '31/02/2025' is not a date" in done.stderr
    assert "line 5: completion date:" in done.stderr
    assert "line 6: name:" in done.stderr
    assert "line 2" not in done.stderr
    assert "nothing was recorded" in done.stderr
    assert _events(settings) == before
    dry = run(settings, "import", str(report), "--mapping", str(academy), "--dry-run")
    assert dry.returncode == 2
    assert "4 row(s) refused" in dry.stderr


def test_a_bad_mapping_is_refused_in_one_line(settings, academy, tmp_path):
    """A mapping naming an achievement the issuer does not have stops the import at once."""
    report = _report(tmp_path, [_row(1)])
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"courses": {"X": {"issuer": "esr-academy", "achievement": "y"}}}))
    done = run(settings, "import", str(report), "--mapping", str(wrong))
    assert done.returncode == 2
    assert done.stderr.strip() == "error: course X: issuer 'esr-academy' has no achievement 'y'"


def test_imported_credentials_verify_and_a_second_import_records_nothing(
    settings, academy, tmp_path
):
    """Each row becomes one credential valid from its completion date that an employer's
    verification accepts; importing the same file again adds no credential."""
    report = _report(tmp_path, [_row(1), _row(2, "FS", "2024-11-30"), _row(2, "FS", "2024-11-30")])
    first = run(settings, "import", str(report), "--mapping", str(academy))
    assert first.returncode == 0, first.stderr
    again = run(settings, "import", str(report), "--mapping", str(academy))
    assert again.returncode == 0, again.stderr
    credentials = _credentials(settings)
    assert sorted(c["validFrom"] for c in credentials) == [
        "2024-11-30T00:00:00Z",
        "2025-03-15T00:00:00Z",
    ]
    with serving(settings) as base, httpx.Client(base_url=base, timeout=60) as http:
        for credential in credentials:
            verified = http.post("/credentials/verify", json={"verifiableCredential": credential})
            assert verified.status_code == 200, verified.text
            assert verified.json()["verified"] is True


def _log_length(settings: Settings) -> int:
    """The log's last position, read straight from the store (polled every 50 ms: far cheaper
    than opening the services each time)."""
    if settings.is_postgres:
        with psycopg.connect(settings.postgres_conninfo()) as conn:
            row = conn.execute(f"SELECT MAX(notification_id) FROM {PG_TABLE}").fetchone()  # noqa: S608
    else:
        with closing(sqlite3.connect(settings.sqlite_path, timeout=30)) as lite:
            row = lite.execute(f"SELECT MAX(rowid) FROM {SQLITE_TABLE}").fetchone()  # noqa: S608
    return int(row[0] or 0) if row else 0


def _store_state(settings: Settings) -> dict[str, int]:
    """What the store holds of awards: credentials and claims in the log, idempotency keys,
    status list places counted out and allocated."""
    table = PG_TABLE if settings.is_postgres else SQLITE_TABLE
    services = Services.open(settings)
    try:
        with services.read_models.read() as tx:
            topics = tx.execute(f"SELECT topic, COUNT(*) FROM {table} GROUP BY topic")  # noqa: S608
            keys = tx.execute("SELECT COUNT(*) FROM award_idempotency_keys")[0][0]
            slots = tx.execute("SELECT COALESCE(SUM(next_slot), 0) FROM status_list_counters")
            places = tx.execute("SELECT COUNT(*) FROM rm_status_allocations")[0][0]
    finally:
        services.close()
    counts = {str(topic): int(n) for topic, n in topics}
    return {
        "credentials": sum(n for t, n in counts.items() if t.endswith("CredentialIssued")),
        "claims": sum(n for t, n in counts.items() if "CredentialClaim" in t),
        "idempotency keys": int(keys),
        "status slots": int(slots[0][0]),
        "status places": int(places),
    }


def test_an_import_killed_mid_file_then_rerun_records_each_row_once(settings, academy, tmp_path):
    """`kill -9` of a running import (signing in worker processes) leaves whole chunks only:
    as many claims and idempotency keys as credentials, and at least as many status places
    (a chunk's places are reserved before it is signed); the same command again records every
    row once, each credential with a status place of its own, and audits intact."""
    rows = 2000
    report = _report(tmp_path, [_row(n, "IG" if n % 2 else "FS") for n in range(rows)])
    before = _events(settings)
    command = [PASSPORT, "import", str(report)]
    env = passport_env(settings)
    process = subprocess.Popen(
        [*command, "--mapping", str(academy), "--jobs", "2"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while _log_length(settings) == before and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    killed_at = _events(settings) - before
    assert 0 < killed_at < 3 * rows  # stopped part way (a full import is 3 events a row)
    state = _store_state(settings)
    assert 0 < state["credentials"] < rows
    done = state["credentials"]
    assert state["claims"] == state["idempotency keys"] == done, state  # whole chunks only
    # Places reserved for a chunk killed while signing stay unused: never fewer than credentials.
    assert state["status places"] == state["status slots"] >= done, state
    rerun = subprocess.run(
        [*command, "--mapping", str(academy), "--jobs", "1"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert rerun.returncode == 0, rerun.stderr
    credentials = _credentials(settings)
    records = [
        (
            c["credentialSubject"]["identifier"][0]["identityHash"],
            c["validFrom"],
            c["credentialSubject"]["achievement"]["id"],
        )
        for c in credentials
    ]
    assert len(records) == rows
    assert len(set(records)) == rows
    places = {
        (c["credentialStatus"]["statusListCredential"], c["credentialStatus"]["statusListIndex"])
        for c in credentials
    }
    assert len(places) == rows
    final = _store_state(settings)
    assert final["credentials"] == final["claims"] == final["idempotency keys"] == rows, final
    assert final["status places"] == final["status slots"] >= rows, final
    audited = run(settings, "audit")
    assert audited.returncode == 0, audited.stderr
    assert "intact" in audited.stdout
