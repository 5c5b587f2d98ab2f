"""One academy with one achievement, as several issuer tests need it."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from events.issuer import AchievementKind
from passport.services import Services

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def register_academy(services: Services) -> tuple[UUID, str]:
    """Register "Academy" with a yearly Information Governance training; (issuer id, achievement
    id)."""
    issuer = services.awarding.register_issuer("academy", "Academy", "https://a.example", NOW)
    achievement = services.awarding.define_achievement(
        issuer.id,
        name="Information Governance",
        description="IG",
        criteria="Pass",
        kind=AchievementKind.TRAINING,
        refresher_months=12,
    )
    return issuer.id, achievement
