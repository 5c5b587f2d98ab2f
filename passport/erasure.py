"""Erasing a learner: the recorded erasure, their data key destroyed, their links forgotten."""

from __future__ import annotations

from uuid import UUID

from passport.services import Services


def erase_learner(services: Services, learner_id: UUID, by: str, reason: str) -> None:
    """Erase the learner's personal data for good; their credentials stay verifiable."""
    services.ledger.erase_learner(learner_id, by=by, reason=reason)
    services.sharing.forget(str(learner_id))
    services.outbox.forget(str(learner_id))
    services.settle()
