"""`passport import --jobs N` gives the issuer key to its own workers only, never prints it."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

from cryptography.hazmat.primitives import serialization

from events.issuer import AchievementKind
from keys import SigningKey
from passport.services import Services
from tests.passport.test_cli import run

HEADER = "Employee Number,Full Name,Email Address,Competence Code,Achieved Date\n"


def _forms(key: SigningKey) -> list[str]:
    """The private key written the ways a leak would write it."""
    raw = key.to_cryptography().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return [
        raw.hex(),
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        repr(raw),
    ]


def test_an_import_signing_in_worker_processes_prints_no_private_key(settings, tmp_path):
    """An import whose credentials are signed by two worker processes records every row, and
    nothing it prints (progress, summary, errors) holds the issuer's private key in any form."""
    services = Services.open(settings)
    try:
        issuer = services.awarding.register_issuer(
            "pool-academy", "Pool Academy", "https://pool.example", datetime.now(UTC)
        )
        achievement = services.awarding.define_achievement(
            issuer.id,
            name="Fire Safety",
            description="Fire Safety",
            criteria="Completed",
            kind=AchievementKind.TRAINING,
        )
        current = services.ledger.issuer(issuer.id).current_key
        assert current is not None
        key = services.key_store.signer(current.rsplit("#", 1)[1])
    finally:
        services.close()
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps({"courses": {"FS": {"issuer": "pool-academy", "achievement": achievement}}})
    )
    report = tmp_path / "report.csv"
    report.write_text(
        HEADER + "".join(f"ESR-{n:07d},Learner {n},,FS,2025-03-15\n" for n in range(40))
    )
    done = run(settings, "import", str(report), "--mapping", str(mapping), "--jobs", "2")
    assert done.returncode == 0, done.stderr
    assert "recorded 40 row(s)" in done.stdout
    printed = done.stdout + done.stderr
    for form in _forms(key):
        assert form not in printed
