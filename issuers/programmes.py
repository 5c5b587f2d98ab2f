"""Use cases of programmes: define one (its achievement and rules in one write), flag an award."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from events.application import Ledger
from events.errors import ConcurrentChangeError
from events.issuer import AchievementKind, Issuer
from events.programme import Programme
from issuers.credentials import achievement_document
from issuers.programme_rules import referenced_achievements
from issuers.programme_schemas import ProgrammeCreate

MAX_ATTEMPTS = 5
PROGRAMME_ACHIEVEMENT_TYPE = "Certificate"  # Open Badges 3.0 AchievementType


def define_programme(ledger: Ledger, issuer_id: UUID, body: ProgrammeCreate) -> UUID:
    """Define the programme's achievement on the issuer and the programme itself, in one write.

    Every module the rules name must be one of this issuer's achievements, not retired
    (`ValueError` says which is not). Returns the programme's id.
    """
    rules = body.rules()
    for _ in range(MAX_ATTEMPTS):
        issuer = _issuer(ledger, issuer_id)
        for module in sorted(referenced_achievements(rules)):
            definition = issuer.achievements.get(module)
            if definition is None:
                raise ValueError(
                    f"achievement {module} named by the programme is not one of this issuer's "
                    "achievements: define it first (POST .../achievements) and use its id"
                )
            if definition["retired"]:
                raise ValueError(
                    f"achievement {module} named by the programme is retired: "
                    "name the achievement that replaced it"
                )
        achievement_id = str(uuid.uuid4())
        document: dict[str, Any] = achievement_document(
            achievement_id,
            body.name,
            body.description,
            body.criteria,
            AchievementKind.BADGE.value,
            None,
            None,
        ) | {"achievementType": PROGRAMME_ACHIEVEMENT_TYPE}
        if body.image is not None:
            document["image"] = {"id": str(body.image), "type": "Image"}
        issuer.define_achievement(achievement_id, AchievementKind.BADGE, None, document)
        programme = Programme(
            issuer_id=str(issuer_id), achievement_id=achievement_id, name=body.name, rules=rules
        )
        try:
            ledger.save(issuer, programme)
        except IntegrityError:  # the issuer changed meanwhile: check the modules again
            continue
        return programme.id
    raise ConcurrentChangeError(issuer_id)


def flag_award(
    ledger: Ledger,
    programme_id: UUID,
    credential_id: str,
    learner_id: str,
    module_credential_id: str,
    reason: str,
) -> bool:
    """Record, once, that a programme award relied on a module credential that changed."""
    for _ in range(MAX_ATTEMPTS):
        programme: object = ledger.repository.get(programme_id)
        assert isinstance(programme, Programme)
        if not programme.flag_award(credential_id, learner_id, module_credential_id, reason):
            return False
        try:
            ledger.save(programme)
        except IntegrityError:  # flagged concurrently, perhaps for this very module: re-check
            continue
        return True
    raise ConcurrentChangeError(programme_id)


def _issuer(ledger: Ledger, issuer_id: UUID) -> Issuer:
    return ledger.issuer_aggregate(issuer_id)
