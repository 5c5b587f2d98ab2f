"""Attacks on maintenance rules: another academy's badges, and undoing an issuer's suspension."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from events.errors import AchievementNotFoundError
from events.issuer import AchievementKind
from issuers.awarding import Learner, RegisteredIssuer
from issuers.credentials import add_months
from issuers.maintenance import MaintenanceRuleBody, set_rule
from issuers.maintenance_keeper import MaintenanceKeeper
from passport.services import Services, utcnow

AMIRA = Learner("NMC-18A2345E", "Amira Okafor", "amira@example.nhs.net")
RETAKE = MaintenanceRuleBody.model_validate({"kind": "retake", "everyMonths": 12})


def _academy(services: Services, slug: str) -> tuple[RegisteredIssuer, str]:
    issuer = services.awarding.register_issuer(
        slug, slug, "https://academy.example", datetime.now(UTC)
    )
    achievement = services.awarding.define_achievement(
        issuer.id,
        name=f"{slug} badge",
        description="A badge.",
        criteria="Earn it.",
        kind=AchievementKind.BADGE,
    )
    return issuer, achievement


def test_an_academy_cannot_put_a_rule_on_another_academys_badge(services):
    """A rule, or a retake module, naming another academy's achievement is refused, so nobody
    can get someone else's awards suspended."""
    mine, my_badge = _academy(services, "mine")
    _, their_badge = _academy(services, "theirs")
    with pytest.raises(AchievementNotFoundError):
        set_rule(services.ledger, mine.id, their_badge, RETAKE)
    with pytest.raises(ValueError, match="is not one of this issuer's achievements"):
        set_rule(
            services.ledger,
            mine.id,
            my_badge,
            MaintenanceRuleBody.model_validate(
                {"kind": "retake", "everyMonths": 12, "achievementId": their_badge}
            ),
        )


def test_the_keeper_never_lifts_a_suspension_the_issuer_made(services):
    """An award its issuer suspended stays suspended, with the issuer's reason, when its rule is
    missed and when the learner then catches up: the keeper reinstates only what it suspended
    for want of upkeep."""
    issuer, badge = _academy(services, "academy")
    today = utcnow().date()
    award = services.awarding.award(
        issuer.id, badge, AMIRA, earned_on=add_months(today, -12), at=utcnow()
    )
    services.ledger.suspend_credential(award.learner_id, award.credential_id, "Under review.")
    set_rule(services.ledger, issuer.id, badge, RETAKE)
    keeper = MaintenanceKeeper(services.ledger, services.read_models, services.projections, utcnow)
    keeper.run_until_idle()
    assert services.views.recorded_status(award.credential_id) == ("suspended", "Under review.")
    services.awarding.award(issuer.id, badge, AMIRA, earned_on=today, at=utcnow())
    keeper.run_until_idle()
    assert services.views.recorded_status(award.credential_id) == ("suspended", "Under review.")
