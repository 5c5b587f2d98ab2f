"""The keeper and the awarder act on exactly the learners of a batch who need it, on SQLite and
PostgreSQL: a cohort touching many learners, of whom only some hold what a rule or programme
names, suspends or awards those and no other."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest

from events.issuer import AchievementKind
from issuers import log_reader
from issuers.awarding import AwardRequest, Learner
from issuers.credentials import add_months
from issuers.maintenance import MaintenanceRuleBody, keep_up, set_rule
from issuers.maintenance_keeper import MaintenanceKeeper
from issuers.programme_awarder import ProgrammeAwarder
from issuers.programme_schemas import ProgrammeCreate
from issuers.programmes import define_programme
from passport.services import Services, utcnow

LEARNERS = 24


def _learner(i: int) -> Learner:
    return Learner(f"NMC-18A{i:04d}E", f"Learner {i}", f"learner{i}@example.nhs.net")


def _issuer(services: Services, *names: str) -> tuple[UUID, dict[str, str]]:
    issuer = services.awarding.register_issuer(
        "academy", "NHS Digital Academy", "https://academy.example", datetime.now(UTC)
    )
    return issuer.id, {
        name: services.awarding.define_achievement(
            issuer.id,
            name=name,
            description=f"The {name} module.",
            criteria="Complete the module.",
            kind=AchievementKind.CPD,
            credits_available=2.0,
        )
        for name in names
    }


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reads split into many `IN (...)` lists, so a learner at a list's edge is not lost."""
    monkeypatch.setattr(log_reader, "CHUNK", 5)


def test_a_cohort_suspends_exactly_the_learners_whose_maintained_badge_lapsed(services):
    """In one cohort write, a third hold a yearly-retake badge earned a year ago (suspended
    today as not maintained), a third the same badge earned a month ago (active, with its
    retake deadline), and a third only a badge no rule covers (left active)."""
    issuer_id, badge = _issuer(services, "Resuscitation", "Fire Safety")
    set_rule(
        services.ledger,
        issuer_id,
        badge["Resuscitation"],
        MaintenanceRuleBody.model_validate({"kind": "retake", "everyMonths": 12}),
    )
    keeper = MaintenanceKeeper(services.ledger, services.read_models, services.projections, utcnow)
    keeper.run_until_idle()
    today = utcnow().date()
    recent = today - timedelta(days=31)
    plan: list[tuple[str, date]] = [
        [
            ("Resuscitation", add_months(today, -12)),
            ("Resuscitation", recent),
            ("Fire Safety", add_months(today, -12)),
        ][i % 3]
        for i in range(LEARNERS)
    ]
    requests = [
        AwardRequest(badge[name], _learner(i), earned, None, f"cohort-{i}")
        for i, (name, earned) in enumerate(plan)
    ]
    awards = services.awarding.award_many(issuer_id, requests, at=utcnow())
    keeper.run_until_idle()
    statuses = [services.views.recorded_status(a.credential_id) for a in awards]
    lapsed = [i for i, s in enumerate(statuses) if s == ("suspended", "not maintained")]
    assert lapsed == list(range(0, LEARNERS, 3))
    assert all(statuses[i] == ("active", None) for i in range(LEARNERS) if i % 3)
    due = add_months(recent, 12) - timedelta(days=1)
    for i in range(1, LEARNERS, 3):
        with services.read_models.read() as tx:
            shown = keep_up(tx, str(awards[i].learner_id), today)
        assert shown[awards[i].credential_id].due_by == due


def test_a_cohort_awards_the_programme_to_exactly_the_learners_who_completed_it(services):
    """In one cohort write, a third complete the programme (core and two options), a third
    hold only its core module, and a third only a module it does not name: exactly the first
    third are awarded it, once each."""
    issuer_id, module = _issuer(services, "EPR", "Data", "Safety", "Informatics")
    define_programme(
        services.ledger,
        issuer_id,
        ProgrammeCreate.model_validate(
            {
                "name": "Digital Foundation Certificate",
                "description": "EPR skills for every member of staff.",
                "criteria": "Complete EPR and two optional modules.",
                "core": [module["EPR"]],
                "optional": {"choose": 2, "from": [module["Data"], module["Safety"]]},
            }
        ),
    )
    awarder = ProgrammeAwarder(
        services.ledger, services.awarding, services.read_models, services.projections, utcnow
    )
    awarder.run_until_idle()
    plan = [[("EPR", "Data", "Safety"), ("EPR",), ("Informatics",)][i % 3] for i in range(LEARNERS)]
    earned = utcnow().date() - timedelta(days=10)
    requests = [
        AwardRequest(module[name], _learner(i), earned, 2.0, f"cohort-{i}-{name}")
        for i, names in enumerate(plan)
        for name in names
    ]
    services.awarding.award_many(issuer_id, requests, at=utcnow())
    awarder.run_until_idle()
    awarder.run_until_idle()
    services.projections.catch_up()
    for i in range(LEARNERS):
        learner_id = services.ledger.learner_id_for(_learner(i).staff_identifier)
        names = sorted(
            credential["credentialSubject"]["achievement"]["name"]
            for credential, _, _, _ in services.views.credentials_of(str(learner_id))
        )
        expected = sorted([*plan[i], "Digital Foundation Certificate"] if i % 3 == 0 else plan[i])
        assert names == expected, f"learner {i}"


def test_a_cohort_awards_a_tag_programme_to_exactly_the_learners_holding_enough_tagged(services):
    """A programme asking for any two modules tagged "governance" (none named): in one cohort
    write, a third earn two tagged modules, a third one, a third an untagged module; exactly
    the first third are awarded it."""
    issuer_id, _ = _issuer(services)
    module = {
        name: services.awarding.define_achievement(
            issuer_id,
            name=name,
            description=f"The {name} module.",
            criteria="Complete the module.",
            kind=AchievementKind.CPD,
            extra={"tag": ["governance"]} if name != "Informatics" else None,
        )
        for name in ("Information Governance", "Records", "Informatics")
    }
    define_programme(
        services.ledger,
        issuer_id,
        ProgrammeCreate.model_validate(
            {
                "name": "Governance Certificate",
                "description": "Information governance for every member of staff.",
                "criteria": "Complete any two governance modules.",
                "optional": {"choose": 2, "tags": ["governance"]},
            }
        ),
    )
    awarder = ProgrammeAwarder(
        services.ledger, services.awarding, services.read_models, services.projections, utcnow
    )
    awarder.run_until_idle()
    plan = [
        [("Information Governance", "Records"), ("Records",), ("Informatics",)][i % 3]
        for i in range(LEARNERS)
    ]
    earned = utcnow().date() - timedelta(days=10)
    requests = [
        AwardRequest(module[name], _learner(i), earned, None, f"tagged-{i}-{name}")
        for i, names in enumerate(plan)
        for name in names
    ]
    services.awarding.award_many(issuer_id, requests, at=utcnow())
    awarder.run_until_idle()
    services.projections.catch_up()
    for i in range(LEARNERS):
        learner_id = services.ledger.learner_id_for(_learner(i).staff_identifier)
        names = sorted(
            credential["credentialSubject"]["achievement"]["name"]
            for credential, _, _, _ in services.views.credentials_of(str(learner_id))
        )
        expected = sorted([*plan[i], "Governance Certificate"] if i % 3 == 0 else plan[i])
        assert names == expected, f"learner {i}"


def test_a_removed_rule_leaves_its_holders_badges_alone_and_the_keeper_idle(services):
    """Badges earned a month ago under a yearly retake rule that is then removed are still
    active 400 days on, and the keeper has nothing left to look at by date."""
    issuer_id, badge = _issuer(services, "Resuscitation")
    rule = MaintenanceRuleBody.model_validate({"kind": "retake", "everyMonths": 12})
    set_rule(services.ledger, issuer_id, badge["Resuscitation"], rule)
    earned = utcnow().date() - timedelta(days=31)
    requests = [
        AwardRequest(badge["Resuscitation"], _learner(i), earned, None, f"kept-{i}")
        for i in range(LEARNERS)
    ]
    awards = services.awarding.award_many(issuer_id, requests, at=utcnow())
    MaintenanceKeeper(
        services.ledger, services.read_models, services.projections, utcnow
    ).run_until_idle()
    set_rule(services.ledger, issuer_id, badge["Resuscitation"], None)
    later = utcnow() + timedelta(days=400)
    keeper = MaintenanceKeeper(
        services.ledger, services.read_models, services.projections, lambda: later
    )
    for _ in range(5):  # bounded: a keeper never idle fails here rather than hangs
        services.projections.catch_up()
        keeper.follow()
    assert not keeper.follow()
    statuses = {services.views.recorded_status(a.credential_id) for a in awards}
    assert statuses == {("active", None)}
