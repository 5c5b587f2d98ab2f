"""Which of a learner's credentials they may review, with their review so far: the passport
page offers the review form on those cards."""

from __future__ import annotations

from typing import Any

from passport.reviewing import reviews_of_learner
from passport.services import Services

REVIEWABLE_KINDS = ("training", "badge", "cpd")


def reviewable(services: Services, learner_id: str) -> dict[str, Any]:
    """For each credential whose achievement the learner may review, their review so far (or
    None)."""
    mine = reviews_of_learner(services, learner_id)
    return {
        credential_id: mine.get(achievement_id)
        for credential_id, achievement_id, kind, status in _held(services, learner_id)
        if kind in REVIEWABLE_KINDS and status != "revoked"
    }


def _held(services: Services, learner_id: str) -> list[tuple[str, str, str, str]]:
    with services.read_models.read() as tx:
        rows = tx.execute(
            "SELECT credential_id, achievement_id, kind, status FROM rm_credentials "
            "WHERE learner_id = ?",
            (learner_id,),
        )
    return [(str(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]
