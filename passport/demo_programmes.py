"""Demo data of programmes (EPR skills modules, a certificate the ledger awards by itself) and
of a badge that must be kept up."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from events.issuer import AchievementKind
from issuers.awarding import AwardRequest, Learner
from issuers.maintenance import MaintenanceRuleBody, set_rule
from issuers.programme_awarder import ProgrammeAwarder
from issuers.programme_schemas import ProgrammeCreate
from issuers.programmes import define_programme
from passport.services import Services, utcnow

EPR_SKILLS_TAG = "epr-skills"
PROGRAMME_NAME = "Digital Academy EPR Skills Certificate"

# (key, name, tagged as an optional EPR skills module)
MODULES = [
    ("navigate", "EPR skills: navigating the patient record (face to face)", False),
    ("navigate-online", "EPR skills: navigating the patient record (online)", False),
    ("orders", "EPR skills: orders and results", True),
    ("documentation", "EPR skills: clinical documentation", True),
    ("medicines", "EPR skills: electronic medicines administration", True),
]
# (module key, days before today it was earned): the online core module, two optional ones
LEARNER_MODULES = [("orders", 35), ("navigate-online", 40), ("documentation", 25)]


def seed_programmes(services: Services, issuer_id: UUID, learner: Learner, now: datetime) -> None:
    """Define the EPR skills modules and their certificate, award `learner` the modules, and let
    the ledger's own awarder give the certificate (as the serving follower would)."""
    awarding = services.awarding
    ids: dict[str, str] = {}
    for key, name, tagged in MODULES:
        extra: dict[str, Any] = {"tag": [EPR_SKILLS_TAG]} if tagged else {}
        ids[key] = awarding.define_achievement(
            issuer_id,
            name=name,
            description=f"{name}: one module of the Digital Academy's EPR skills pathway.",
            criteria="Complete the module and its practical exercise.",
            kind=AchievementKind.CPD,
            credits_available=1.5,
            field_of_study="Electronic patient records",
            extra=extra,
        )
    rules = ProgrammeCreate.model_validate(
        {
            "name": PROGRAMME_NAME,
            "description": "Electronic patient record skills for every member of staff, built "
            "from the Digital Academy's EPR skills modules, online or face to face.",
            "criteria": "Navigating the patient record (online or face to face) and any two "
            "optional EPR skills modules; pharmacy staff take medicines administration instead.",
            "core": [ids["navigate"]],
            "optional": {"choose": 2, "tags": [EPR_SKILLS_TAG]},
            "equivalents": [[ids["navigate"], ids["navigate-online"]]],
            "variants": [
                {"professionalGroup": "pharmacy", "core": [ids["navigate"], ids["medicines"]]}
            ],
        }
    )
    define_programme(services.ledger, issuer_id, rules)
    today = now.date()
    awarding.award_many(
        issuer_id,
        [
            AwardRequest(ids[key], learner, today - timedelta(days=days), 1.5, f"demo-epr-{key}")
            for key, days in LEARNER_MODULES
        ],
        at=now,
    )
    ProgrammeAwarder(
        services.ledger, awarding, services.read_models, services.projections, utcnow
    ).run_until_idle()


def seed_upkeep(services: Services, issuer_id: UUID, data_champion: str) -> None:
    """Data Champions keep their badge current with 10 CPD hours each NHS year."""
    set_rule(
        services.ledger,
        issuer_id,
        data_champion,
        MaintenanceRuleBody.model_validate({"kind": "cpdHours", "hours": 10}),
    )
