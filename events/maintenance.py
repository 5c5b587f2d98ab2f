"""Badges that must be kept up: an achievement's maintenance rule, and each award's upkeep.

A rule is plain JSON (see `issuers.maintenance_rules`), so `RuleSet` stays at `class_version` 1
while rules gain optional fields. An award's `Upkeep` records the day it lapsed for want of
upkeep and the day it was restored: the suspension and reinstatement themselves are the
passport's usual status events, with the reason "not maintained".
"""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

MAINTENANCE_NAMESPACE = uuid5(NAMESPACE_URL, "https://staff-passport.nhs.example/maintenance")
UPKEEP_NAMESPACE = uuid5(NAMESPACE_URL, "https://staff-passport.nhs.example/upkeep")


class MaintenanceRule(Aggregate):
    """What keeps the awards of one achievement current."""

    @staticmethod
    def create_id(achievement_id: str) -> UUID:
        """One rule per achievement."""
        return uuid5(MAINTENANCE_NAMESPACE, achievement_id)

    class RuleSet(Aggregate.Created):
        """An issuer gave an achievement a maintenance rule."""

        class_version = 1
        issuer_id: str
        achievement_id: str
        rule: dict[str, Any]

    @event(RuleSet)
    def __init__(self, issuer_id: str, achievement_id: str, rule: dict[str, Any]) -> None:
        self.issuer_id = issuer_id
        self.achievement_id = achievement_id
        self.rule: dict[str, Any] | None = rule

    def change(self, rule: dict[str, Any] | None) -> None:
        """Replace the rule (None: the achievement needs no upkeep any more)."""
        self._changed(achievement_id=self.achievement_id, rule=rule)

    class RuleChanged(Aggregate.Event):
        """The rule was replaced, or removed (`rule` is None)."""

        class_version = 1
        achievement_id: str
        rule: dict[str, Any] | None

    @event(RuleChanged)
    def _changed(self, achievement_id: str, rule: dict[str, Any] | None) -> None:
        self.rule = rule


class Upkeep(Aggregate):
    """Whether one award is kept up: the days it lapsed and was restored."""

    @staticmethod
    def create_id(credential_id: str) -> UUID:
        """One upkeep record per credential."""
        return uuid5(UPKEEP_NAMESPACE, credential_id)

    class Started(Aggregate.Created):
        """The award became subject to a maintenance rule."""

        class_version = 1
        credential_id: str
        learner_id: str

    @event(Started)
    def __init__(self, credential_id: str, learner_id: str) -> None:
        self.credential_id = credential_id
        self.learner_id = learner_id
        self.lapsed_on: str | None = None

    def lapse(self, on: str, reason: str) -> bool:
        """Record that the rule was missed on `on` (an ISO day); False if already lapsed."""
        if self.lapsed_on is not None:
            return False
        self._lapsed(credential_id=self.credential_id, on=on, reason=reason)
        return True

    class Lapsed(Aggregate.Event):
        """The rule was missed on `on`: the award is suspended as not maintained."""

        class_version = 1
        credential_id: str
        on: str
        reason: str

    @event(Lapsed)
    def _lapsed(self, credential_id: str, on: str, reason: str) -> None:
        self.lapsed_on = on

    def restore(self, on: str) -> bool:
        """Record that the learner caught up on `on`; False if it was not lapsed."""
        if self.lapsed_on is None:
            return False
        self._restored(credential_id=self.credential_id, on=on)
        return True

    class Restored(Aggregate.Event):
        """The learner caught up on `on`: the award is reinstated."""

        class_version = 1
        credential_id: str
        on: str

    @event(Restored)
    def _restored(self, credential_id: str, on: str) -> None:
        self.lapsed_on = None
