"""An imported row's idempotency key is keyed with the ledger's secret, never guessable from
the row (a staff number, a course and a date are all easy to guess)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from events.issuer import AchievementKind
from passport.importing import Importer, ImportMapping, Planned
from passport.services import Services
from passport.settings import Settings

ROW = "ESR-0000042,Ada Lovelace,ada@example.nhs.net,IG,2025-03-15\n"
HEADER = "Employee Number,Full Name,Email Address,Competence Code,Achieved Date\n"


def _ledger_key(directory: Path) -> tuple[str, str]:
    """The import key of ROW on a fresh ledger under `directory`, and the digest stored."""
    directory.mkdir()
    settings = Settings(
        database_url=f"sqlite:///{directory / 'p.sqlite3'}",
        key_dir=directory / "keys",
        key_passphrase="correct horse battery staple",
        _env_file=None,
    )
    services = Services.open(settings)
    try:
        issuer = services.awarding.register_issuer(
            "ig-academy", "IG Academy", "https://ig.example", datetime.now(UTC)
        )
        achievement = services.awarding.define_achievement(
            issuer.id, name="IG", description="IG", criteria="Pass", kind=AchievementKind.TRAINING
        )
        mapping = ImportMapping.model_validate(
            {"courses": {"IG": {"issuer": "ig-academy", "achievement": achievement}}}
        )
        report = directory / "report.csv"
        report.write_text(HEADER + ROW)
        importer = Importer(services, mapping)
        (row,) = list(importer.rows(report))
        assert isinstance(row, Planned)
        importer.run(report, datetime.now(UTC), lambda _: None)
        with services.read_models.transaction() as tx:
            stored = tx.execute("SELECT key_digest FROM award_idempotency_keys")
        return row.request.idempotency_key, str(stored[0][0])
    finally:
        services.close()


def test_the_same_row_gets_unrelated_keys_on_ledgers_with_different_secrets(tmp_path):
    """Two ledgers importing the same row store unrelated key digests, and neither key holds
    the staff number: the key is a keyed hash, not a hash anyone could recompute."""
    first, first_stored = _ledger_key(tmp_path / "a")
    second, second_stored = _ledger_key(tmp_path / "b")
    assert first != second
    assert first_stored != second_stored
    assert "0000042" not in first + json.dumps(first_stored)
