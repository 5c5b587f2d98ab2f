"""Seeds a ledger with a demo academy, learners and a realistic mix of awards — once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from events.errors import IssuerAlreadyRegisteredError
from events.issuer import AchievementKind, Issuer
from issuers.awarding import Learner
from passport.demo_programmes import seed_programmes, seed_upkeep
from passport.services import Services

DEMO_SLUG = "nhs-digital-academy"

CSTF_URL = "https://www.skillsforhealth.org.uk/"


def _cstf(code: str, name: str) -> dict[str, Any]:
    """An alignment to a Core Skills Training Framework subject, as the role catalogue reads it."""
    return {
        "type": ["Alignment"],
        "targetName": name,
        "targetUrl": CSTF_URL,
        "targetFramework": "Core Skills Training Framework",
        "targetCode": code,
        "targetType": "ceasn:Competency",
    }


PARTICIPATORY_CPD = {
    "type": ["Alignment"],
    "targetName": "Participatory CPD",
    "targetUrl": "https://www.nmc.org.uk/revalidation/requirements/cpd/",
    "targetFramework": "NMC revalidation",
    "targetCode": "CPD-PARTICIPATORY",
    "targetType": "ext:CPDActivity",
}

ACHIEVEMENTS: list[dict[str, Any]] = [
    {
        "key": "foundation",
        "name": "Digital Academy Online Foundation Certificate",
        "kind": AchievementKind.TRAINING,
        "criteria": "Complete all six online modules and the final assessment.",
        "field_of_study": "Digital health leadership",
    },
    {
        "key": "data-champion",
        "name": "Data Champion",
        "kind": AchievementKind.BADGE,
        "criteria": "Complete the data champion programme and lead one data improvement project.",
        "field_of_study": "Data and analytics",
        "alignment": [
            {
                "type": ["Alignment"],
                "targetName": "Data Champion",
                "targetUrl": "https://digital-academy.example.nhs.uk/achievements/data-champion",
                "targetFramework": "NHS Digital Academy",
                "targetCode": "DATA-CHAMPION",
                "targetType": "ceterms:Credential",
            }
        ],
    },
    {
        "key": "epr",
        "name": "EPR Deployment Skills",
        "kind": AchievementKind.TRAINING,
        "criteria": "Complete the electronic patient record deployment skills course.",
        "field_of_study": "Electronic patient records",
    },
    {
        "key": "ig",
        "name": "Information Governance and Data Security (CSTF)",
        "kind": AchievementKind.TRAINING,
        "refresher_months": 12,
        "criteria": "Pass the Core Skills Training Framework information governance assessment.",
        "field_of_study": "Core Skills Training Framework",
        "alignment": [_cstf("CSTF-IGDS-L1", "Information Governance and Data Security, level 1")],
    },
    {
        "key": "resus",
        "name": "Resuscitation Level 2 (CSTF)",
        "kind": AchievementKind.TRAINING,
        "refresher_months": 12,
        "criteria": "Complete adult basic life support, level 2.",
        "field_of_study": "Core Skills Training Framework",
        "alignment": [_cstf("CSTF-RESUS-L2", "Resuscitation, level 2")],
    },
    {
        "key": "safeguarding",
        "name": "Safeguarding Adults Level 2 (CSTF)",
        "kind": AchievementKind.TRAINING,
        "refresher_months": 36,
        "criteria": "Complete safeguarding adults training at level 2.",
        "field_of_study": "Core Skills Training Framework",
        "alignment": [_cstf("CSTF-SGA-L2", "Safeguarding Adults, level 2")],
    },
    {
        "key": "masterclass",
        "name": "Digital Leadership Masterclass",
        "kind": AchievementKind.CPD,
        "credits": 3.5,
        "criteria": "Attend the masterclass and submit a reflective account.",
        "field_of_study": "Digital health leadership",
        "alignment": [PARTICIPATORY_CPD],
    },
    {
        "key": "analyst",
        "name": "Analyst Specialist Academy: Statistics in R",
        "kind": AchievementKind.CPD,
        "credits": 7.0,
        "criteria": "Attend both days and complete the exercises.",
        "field_of_study": "Data and analytics",
        "alignment": [PARTICIPATORY_CPD],
    },
]

LEARNERS = [
    ("NMC-18A2345E", "Amira Okafor", "amira.okafor@example.nhs.net"),
    ("ESR-40012345", "Daniel Hughes", "daniel.hughes@example.nhs.net"),
    ("GMC-7712345", "Priya Raman", "priya.raman@example.nhs.net"),
    ("HCPC-PA123456", "Tomasz Nowak", "tomasz.nowak@example.nhs.net"),
    ("NMC-09C8765W", "Grace Mensah", "grace.mensah@example.nhs.net"),
]

# (learner index, achievement key, days before today it was earned, CPD hours)
AWARDS = [
    (0, "foundation", 420, None),
    (0, "ig", 300, None),
    (0, "resus", 200, None),
    (0, "safeguarding", 500, None),
    (0, "masterclass", 150, 3.5),
    (0, "masterclass", 500, 3.5),
    (1, "data-champion", 90, None),
    (1, "analyst", 60, 7.0),
    (1, "ig", 400, None),
    (2, "epr", 30, None),
    (2, "resus", 100, None),
    (2, "ig", 20, None),
    (3, "foundation", 250, None),
    (3, "safeguarding", 800, None),
    (3, "masterclass", 10, 3.5),
    (4, "data-champion", 45, None),
    (4, "ig", 340, None),
    (4, "analyst", 365, 7.0),
]
REVOKED = (3, "foundation")


@dataclass(frozen=True)
class DemoLedger:
    """What the demo seeded (or found already seeded)."""

    issuers: list[dict[str, str]]
    learners: list[dict[str, str | None]]


def seed_demo(services: Services, now: datetime, *, new_links: bool = False) -> DemoLedger:
    """Seed the demo academy and its awards, unless they are already there.

    A first seeding gives each learner a personal link and a share link. Links are shown once
    and kept only as hashes, so on a ledger already seeded the learners come without links
    (the ones printed before keep working), unless `new_links` asks for fresh ones (a new
    personal link replaces the one printed before)."""
    awarding = services.awarding
    try:
        issuer = awarding.register_issuer(
            DEMO_SLUG,
            "NHS Digital Academy (demo)",
            "https://digital-academy.example.nhs.uk",
            now - timedelta(days=900),
        )
    except IssuerAlreadyRegisteredError:
        return _existing(services, links=new_links)
    ids: dict[str, str] = {}
    for a in ACHIEVEMENTS:
        ids[a["key"]] = awarding.define_achievement(
            issuer.id,
            name=a["name"],
            description=f"{a['name']}, awarded by the NHS Digital Academy.",
            criteria=a["criteria"],
            kind=a["kind"],
            refresher_months=a.get("refresher_months"),
            credits_available=a.get("credits"),
            field_of_study=a.get("field_of_study"),
            extra={"alignment": a["alignment"]} if "alignment" in a else None,
        )
    today = now.date()
    for index, (learner_no, key, days_ago, credits) in enumerate(AWARDS):
        identifier, name, email = LEARNERS[learner_no]
        award = awarding.award(
            issuer.id,
            ids[key],
            Learner(identifier, name, email),
            earned_on=today - timedelta(days=days_ago),
            at=now,
            credits_earned=credits,
            idempotency_key=f"demo-{index}",
        )
        if (learner_no, key) == REVOKED:
            services.ledger.revoke_credential(
                award.learner_id, award.credential_id, "Awarded in error: assessment not passed."
            )
    seed_programmes(services, issuer.id, Learner(*LEARNERS[2]), now)
    seed_upkeep(services, issuer.id, ids["data-champion"])
    services.projections.catch_up()
    return _existing(services, links=True)


def _existing(services: Services, *, links: bool) -> DemoLedger:
    services.projections.catch_up()
    issuer = services.ledger.issuer(Issuer.create_id(DEMO_SLUG))
    base = services.settings.base_url.rstrip("/")
    now = datetime.now(UTC)
    learners: list[dict[str, str | None]] = []
    for learner_id, name in services.views.learners():
        if not links:
            learners.append(
                {"id": learner_id, "name": name, "passport_url": None, "share_url": None}
            )
            continue
        personal = services.sharing.issue_learner_link(learner_id, now)
        shared, _ = services.sharing.create_share(
            learner_id, now, credential_ids=None, note="Shared from the demo."
        )
        learners.append(
            {
                "id": learner_id,
                "name": name,
                "passport_url": f"{base}/me/{personal}",
                "share_url": f"{base}/s/{shared}",
            }
        )
    return DemoLedger(issuers=[{"id": str(issuer.id), "did": issuer.did}], learners=learners)
