"""Use cases of maintenance rules: set or remove an achievement's rule; what keeps awards up."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from pydantic import Field, model_validator

from events.application import Ledger
from events.errors import AchievementNotFoundError, ConcurrentChangeError
from events.maintenance import MaintenanceRule
from issuers.maintenance_rules import Earned, Standing, standing
from issuers.schemas import ApiModel
from projections import maintenance
from projections.database import Transaction

MAX_ATTEMPTS = 5


class MaintenanceRuleBody(ApiModel):
    """What keeps an achievement's awards current: retaking a module every K months, or N CPD
    hours each NHS year (1 April to 31 March)."""

    kind: Literal["retake", "cpdHours"]
    every_months: int | None = Field(
        None, ge=1, le=240, description="retake: months after the latest completion."
    )
    achievement_id: str | None = Field(
        None, max_length=100, description="retake: the module to retake (default: this one)."
    )
    hours: float | None = Field(None, gt=0, le=1000, description="cpdHours: hours each NHS year.")

    @model_validator(mode="after")
    def _complete(self) -> MaintenanceRuleBody:
        if self.kind == "retake" and self.every_months is None:
            raise ValueError("a retake rule needs everyMonths: how often the module is retaken")
        if self.kind == "cpdHours" and self.hours is None:
            raise ValueError("a cpdHours rule needs hours: the CPD hours due each NHS year")
        return self


def set_rule(
    ledger: Ledger, issuer_id: UUID, achievement_id: str, body: MaintenanceRuleBody | None
) -> dict[str, Any] | None:
    """Give one of the issuer's achievements a maintenance rule (None removes it); the rule as
    stored. A retake rule's module must be one of the issuer's achievements too."""
    achievements = ledger.issuer(issuer_id).achievements
    if achievement_id not in achievements:
        raise AchievementNotFoundError(achievement_id)
    rule = None if body is None else _rule(body, achievement_id, achievements)
    rule_id = MaintenanceRule.create_id(achievement_id)
    for _ in range(MAX_ATTEMPTS):
        try:
            found: object = ledger.repository.get(rule_id)
        except AggregateNotFoundError:
            found = None
        if isinstance(found, MaintenanceRule):
            if found.rule == rule:
                return rule
            found.change(rule)
            aggregate = found
        elif rule is None:
            return None
        else:
            aggregate = MaintenanceRule(str(issuer_id), achievement_id, rule)
        try:
            ledger.save(aggregate)
        except IntegrityError:
            continue
        return rule
    raise ConcurrentChangeError(issuer_id)


def _rule(
    body: MaintenanceRuleBody, own: str, achievements: Mapping[str, dict[str, Any]]
) -> dict[str, Any]:
    if body.kind == "cpdHours":
        return {"kind": "cpdHours", "hours": body.hours}
    target = body.achievement_id or own
    if target not in achievements:
        raise ValueError(
            f"achievementId {target} is not one of this issuer's achievements: name the module "
            "to retake by the id it was defined with"
        )
    name = achievements[target]["achievement"].get("name", "")
    return {
        "kind": "retake",
        "everyMonths": body.every_months,
        "achievementId": target,
        "name": name,
    }


def keep_up(tx: Transaction, learner_id: str, today: date) -> dict[str, Standing]:
    """What keeps each of the learner's maintained awards current, as of `today` (one indexed
    read of their credentials, one of the rules by key)."""
    rows = tx.execute(
        "SELECT credential_id, achievement_id, valid_from, credits, status FROM rm_credentials "
        "WHERE learner_id = ? AND kind <> 'vc-api'",
        (learner_id,),
    )
    rules = maintenance.rules_for(tx, [str(r[1]) for r in rows])
    earned = [
        Earned(str(r[1]), date.fromisoformat(str(r[2])[:10]), float(r[3] or 0.0))
        for r in rows
        if r[4] == "active"
    ]
    return {
        str(r[0]): standing(
            rules[str(r[1])], str(r[1]), date.fromisoformat(str(r[2])[:10]), earned, today
        )
        for r in rows
        if str(r[1]) in rules and r[4] != "revoked"
    }


def stored_rule(tx: Transaction, achievement_id: str) -> dict[str, Any] | None:
    """The rule as the read models hold it."""
    return maintenance.rule_of(tx, achievement_id)
