"""Badges that must be kept up: rules, the day they lapse, catch-up, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from events.issuer import AchievementKind
from issuers.awarding import Learner
from issuers.credentials import add_months
from issuers.maintenance import MaintenanceRuleBody, keep_up, set_rule
from issuers.maintenance_keeper import MaintenanceKeeper
from issuers.maintenance_rules import Earned, standing
from passport.compliance.held import HeldCredential
from passport.services import Services, utcnow

AMIRA = Learner("NMC-18A2345E", "Amira Okafor", "amira@example.nhs.net")


def test_a_retake_rule_lapses_the_day_after_its_last_current_day():
    """Every 12 months from 10 March 2025: current to 9 March 2026, lapsed on 10 March 2026;
    a retake on 1 March 2026 moves the deadline to 28 February 2027."""
    rule = {"kind": "retake", "everyMonths": 12, "achievementId": "resus", "name": "Resus"}
    earned = date(2025, 3, 10)
    before = standing(rule, "resus", earned, [], date(2026, 3, 9))
    assert (before.current, before.due_by) == (True, date(2026, 3, 9))
    assert before.keep_up == "Retake Resus by 9 March 2026"
    missed = standing(rule, "resus", earned, [], date(2026, 3, 10))
    assert (missed.current, missed.lapsed_on) == (False, date(2026, 3, 10))
    retaken = [Earned("resus", date(2026, 3, 1), 0.0)]
    after = standing(rule, "resus", earned, retaken, date(2026, 3, 10))
    assert (after.current, after.due_by) == (True, date(2027, 2, 28))


def test_cpd_hours_are_due_each_nhs_year_and_a_shortfall_can_be_made_up():
    """10 hours a year from the NHS year after the badge (earned June 2025: 1 April 2026 to
    31 March 2027): 4 hours in it lapse the badge on 1 April 2027; 6 more restore it."""
    rule = {"kind": "cpdHours", "hours": 10}
    earned = date(2025, 6, 1)
    some = [Earned("masterclass", date(2026, 9, 1), 4.0)]
    during = standing(rule, "badge", earned, some, date(2026, 10, 1))
    assert (during.current, during.due_by) == (True, date(2027, 3, 31))
    assert during.keep_up == "10 CPD hours in the NHS year to 31 March 2027 (4 so far)"
    short = standing(rule, "badge", earned, some, date(2027, 4, 1))
    assert (short.current, short.lapsed_on) == (False, date(2027, 4, 1))
    assert short.keep_up.startswith("6 CPD hours missing from the NHS year to 31 March 2027")
    caught_up = [*some, Earned("analyst", date(2027, 4, 15), 6.0)]
    assert standing(rule, "badge", earned, caught_up, date(2027, 4, 15)).current
    assert not standing(rule, "badge", earned, caught_up, date(2027, 4, 14)).current


def _in_force_on(services: Services, learner_id: UUID, credential_id: str, day: date) -> bool:
    """Whether the credential counted on `day`, replayed from the log as the employer's as-of
    role check does."""
    recorded = services.views.recorded_forms(credential_id)
    assert recorded is not None
    held = HeldCredential(
        credential=recorded[0],
        issuer_id=recorded[0]["issuer"]["id"],
        status_history=services.ledger.status_history(learner_id)[credential_id],
    )
    return held.in_force_on(day)


def test_a_missed_rule_suspends_the_badge_that_day_and_a_retake_reinstates_it(services):
    """A badge last earned 12 months ago today, to be retaken yearly, is suspended today with
    the reason "not maintained" (in force as of yesterday, not today); retaking it reinstates it."""
    issuer = services.awarding.register_issuer(
        "academy", "NHS Digital Academy", "https://academy.example", datetime.now(UTC)
    )
    badge = services.awarding.define_achievement(
        issuer.id,
        name="Resuscitation Level 2",
        description="Adult basic life support.",
        criteria="Pass the assessment.",
        kind=AchievementKind.TRAINING,
    )
    today = utcnow().date()
    award = services.awarding.award(
        issuer.id, badge, AMIRA, earned_on=add_months(today, -12), at=utcnow()
    )
    set_rule(
        services.ledger,
        issuer.id,
        badge,
        MaintenanceRuleBody.model_validate({"kind": "retake", "everyMonths": 12}),
    )
    keeper = MaintenanceKeeper(services.ledger, services.read_models, services.projections, utcnow)
    keeper.run_until_idle()
    keeper.run_until_idle()
    assert services.views.recorded_status(award.credential_id) == ("suspended", "not maintained")
    learner = award.learner_id
    assert not _in_force_on(services, learner, award.credential_id, today)
    assert _in_force_on(services, learner, award.credential_id, today - timedelta(days=1))
    services.awarding.award(issuer.id, badge, AMIRA, earned_on=today, at=utcnow())
    keeper.run_until_idle()
    assert services.views.recorded_status(award.credential_id) == ("active", "maintained again")
    with services.read_models.read() as tx:
        shown = keep_up(tx, str(learner), today)
    due = add_months(today, 12) - timedelta(days=1)
    assert shown[award.credential_id].keep_up == f"Retake Resuscitation Level 2 by {due:%-d %B %Y}"
    history = [s for _, s in services.ledger.status_history(learner)[award.credential_id]]
    assert history == ["active", "suspended", "active"]


def test_a_badge_kept_up_is_not_touched_and_shows_its_deadline(services):
    """A badge earned a month ago under a yearly retake rule stays active, and the learner is
    told the day it must be retaken by."""
    issuer = services.awarding.register_issuer(
        "academy", "NHS Digital Academy", "https://academy.example", datetime.now(UTC)
    )
    badge = services.awarding.define_achievement(
        issuer.id,
        name="Fire Safety",
        description="Fire safety awareness.",
        criteria="Complete the module.",
        kind=AchievementKind.TRAINING,
    )
    today = utcnow().date()
    earned = today - timedelta(days=31)
    award = services.awarding.award(issuer.id, badge, AMIRA, earned_on=earned, at=utcnow())
    set_rule(
        services.ledger,
        issuer.id,
        badge,
        MaintenanceRuleBody.model_validate({"kind": "retake", "everyMonths": 12}),
    )
    MaintenanceKeeper(
        services.ledger, services.read_models, services.projections, utcnow
    ).run_until_idle()
    assert services.views.recorded_status(award.credential_id) == ("active", None)
    with services.read_models.read() as tx:
        shown = keep_up(tx, str(award.learner_id), today)
    due = add_months(earned, 12) - timedelta(days=1)
    assert shown[award.credential_id].due_by == due
