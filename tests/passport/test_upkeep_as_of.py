"""A badge not kept up, as the employer's as-of role check sees it: valid before, not that day."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import httpx

from events.issuer import Issuer
from issuers.awarding import Learner
from issuers.credentials import add_months
from issuers.maintenance import MaintenanceRuleBody, set_rule
from issuers.maintenance_keeper import MaintenanceKeeper
from passport.demo import DEMO_SLUG, LEARNERS, seed_demo
from passport.services import Services, utcnow
from passport.settings import Settings
from tests.passport.server import serving


def test_the_served_keeper_suspends_a_badge_the_day_it_lapses_and_the_as_of_check_agrees(
    settings: Settings,
) -> None:
    """Amira's Data Champion badge, last earned 12 months ago today under a yearly retake rule:
    the serving ledger suspends it "not maintained", and the data-analyst role check of her
    share link is met as of yesterday and not as of today."""
    services = Services.open(settings)
    try:
        seed_demo(services, datetime.now(UTC))
        issuer_id = Issuer.create_id(DEMO_SLUG)
        issuer = services.ledger.issuer(issuer_id)
        champion = next(
            a["id"]
            for a in issuer.achievements.values()
            if a["achievement"]["name"] == "Data Champion"
        )
        today = utcnow().date()
        award = services.awarding.award(
            issuer_id,
            champion,
            Learner(*LEARNERS[0]),
            earned_on=add_months(today, -12),
            at=utcnow(),
        )
        set_rule(
            services.ledger,
            issuer_id,
            champion,
            MaintenanceRuleBody.model_validate({"kind": "retake", "everyMonths": 12}),
        )
        services.projections.catch_up()
        share, _ = services.sharing.create_share(
            str(award.learner_id), datetime.now(UTC), credential_ids=None
        )
    finally:
        services.close()
    with serving(settings) as base, httpx.Client(base_url=base, timeout=30) as http:
        deadline = time.monotonic() + 60
        while True:
            services = Services.open(settings)
            try:
                status = services.views.recorded_status(award.credential_id)
            finally:
                services.close()
            if status == ("suspended", "not maintained") or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert status == ("suspended", "not maintained")
        url = f"/api/v1/shares/{share}/role-check"

        def champion_state(day: object) -> str:
            check = http.get(url, params={"role": "data-analyst", "as_of": str(day)})
            assert check.status_code == 200, check.text
            states = {r["subject"]: r["state"] for r in check.json()["requirements"]}
            return str(states["DATA-CHAMPION"])

        assert champion_state(today - timedelta(days=1)) == "met"
        assert champion_state(today) == "missing"


def test_a_keeper_running_days_late_dates_the_suspension_the_day_the_rule_was_missed(
    settings: Settings,
) -> None:
    """Amira's yearly Data Champion retake falls due in 2 days; the keeper only runs 7 days from
    now (5 days after the rule was missed). The employer's as-of role check of her share link
    finds the badge met the day before the rule was missed, and missing on that day and on the
    day the keeper ran."""
    services = Services.open(settings)
    try:
        seed_demo(services, datetime.now(UTC))
        issuer_id = Issuer.create_id(DEMO_SLUG)
        champion = next(
            a["id"]
            for a in services.ledger.issuer(issuer_id).achievements.values()
            if a["achievement"]["name"] == "Data Champion"
        )
        today = utcnow().date()
        earned = add_months(today + timedelta(days=2), -12)
        missed = add_months(earned, 12)  # retaken every 12 months: due the day before
        award = services.awarding.award(
            issuer_id, champion, Learner(*LEARNERS[0]), earned_on=earned, at=utcnow()
        )
        set_rule(
            services.ledger,
            issuer_id,
            champion,
            MaintenanceRuleBody.model_validate({"kind": "retake", "everyMonths": 12}),
        )
        keeper_ran = utcnow() + timedelta(days=7)
        keeper = MaintenanceKeeper(
            services.ledger, services.read_models, services.projections, lambda: keeper_ran
        )
        keeper.run_until_idle()
        assert services.views.recorded_status(award.credential_id) == (
            "suspended",
            "not maintained",
        )
        share, _ = services.sharing.create_share(
            str(award.learner_id), datetime.now(UTC), credential_ids=None
        )
    finally:
        services.close()
    assert missed == keeper_ran.date() - timedelta(days=5)
    with serving(settings) as base, httpx.Client(base_url=base, timeout=30) as http:
        url = f"/api/v1/shares/{share}/role-check"

        def champion_state(day: date) -> str:
            check = http.get(url, params={"role": "data-analyst", "as_of": day.isoformat()})
            assert check.status_code == 200, check.text
            states = {r["subject"]: r["state"] for r in check.json()["requirements"]}
            return str(states["DATA-CHAMPION"])

        assert champion_state(missed - timedelta(days=1)) == "met"
        assert champion_state(missed) == "missing"
        assert champion_state(keeper_ran.date()) == "missing"
