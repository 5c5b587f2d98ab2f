"""What keeps each of a learner's maintained badges current, in words for their page."""

from __future__ import annotations

from datetime import date

from issuers.maintenance import keep_up
from projections.database import ReadModelDatabase


def upkeep_notes(database: ReadModelDatabase, learner_id: str, today: date) -> dict[str, str]:
    """Credential id → what keeps it current and by when (or what is missing to restore it)."""
    with database.read() as tx:
        standings = keep_up(tx, learner_id, today)
    return {credential_id: s.keep_up for credential_id, s in standings.items()}
