"""The issuer aggregate: an academy, its signing keys over time, and the achievements it defines."""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events.errors import AchievementNotFoundError, AchievementRetiredError, IssuerKeyError

ISSUER_NAMESPACE = uuid5(NAMESPACE_URL, "https://staff-passport.nhs.example/issuers")


class AchievementKind(StrEnum):
    """The three kinds of award the ledger records."""

    TRAINING = "training"
    BADGE = "badge"
    CPD = "cpd"


class Issuer(Aggregate):
    """An academy that issues credentials; its key history says which key could sign when."""

    @staticmethod
    def create_id(slug: str) -> UUID:
        """One issuer per short name."""
        return uuid5(ISSUER_NAMESPACE, slug)

    class Registered(Aggregate.Created):
        """An academy was registered under a short name."""

        class_version = 1
        slug: str
        name: str
        url: str
        did: str

    @event(Registered)
    def __init__(self, slug: str, name: str, url: str, did: str) -> None:
        self.slug = slug
        self.name = name
        self.url = url
        self.did = did
        self.keys: dict[str, dict[str, Any]] = {}
        self.current_key: str | None = None
        self.achievements: dict[str, dict[str, Any]] = {}

    def add_key(self, key_id: str, public_key_multibase: str, at: str) -> None:
        """Make a new key current; earlier keys stay valid for what they signed before."""
        if key_id in self.keys:
            raise IssuerKeyError(f"issuer {self.id} already has key {key_id}")
        self._key_added(key_id=key_id, public_key_multibase=public_key_multibase, at=at)

    class KeyAdded(Aggregate.Event):
        """A signing key became the issuer's current key."""

        class_version = 1
        key_id: str
        public_key_multibase: str
        at: str

    @event(KeyAdded)
    def _key_added(self, key_id: str, public_key_multibase: str, at: str) -> None:
        self.keys[key_id] = {
            "id": key_id,
            "publicKeyMultibase": public_key_multibase,
            "validFrom": at,
            "retiredAt": None,
        }
        self.current_key = key_id

    def retire_key(self, key_id: str, at: str) -> None:
        """Stop a key signing from `at` on; credentials it signed earlier still verify."""
        key = self.keys.get(key_id)
        if key is None:
            raise IssuerKeyError(f"issuer {self.id} has no key {key_id}")
        if key["retiredAt"] is not None:
            raise IssuerKeyError(f"key {key_id} was already retired at {key['retiredAt']}")
        self._key_retired(key_id=key_id, at=at)

    class KeyRetired(Aggregate.Event):
        """A key stopped signing from `at` on."""

        class_version = 1
        key_id: str
        at: str

    @event(KeyRetired)
    def _key_retired(self, key_id: str, at: str) -> None:
        self.keys[key_id]["retiredAt"] = at
        if self.current_key == key_id:
            self.current_key = None

    def define_achievement(
        self,
        achievement_id: str,
        kind: AchievementKind,
        refresher_months: int | None,
        achievement: dict[str, Any],
    ) -> None:
        """Add an achievement (an Open Badges 3.0 `Achievement`) this issuer can award."""
        self._achievement_defined(
            achievement_id=achievement_id,
            kind=kind.value,
            refresher_months=refresher_months,
            achievement=achievement,
        )

    class AchievementDefined(Aggregate.Event):
        """An achievement the issuer can award was defined."""

        class_version = 1
        achievement_id: str
        kind: str
        refresher_months: int | None
        achievement: dict[str, Any]

    @event(AchievementDefined)
    def _achievement_defined(
        self,
        achievement_id: str,
        kind: str,
        refresher_months: int | None,
        achievement: dict[str, Any],
    ) -> None:
        self.achievements[achievement_id] = {
            "id": achievement_id,
            "kind": kind,
            "refresherMonths": refresher_months,
            "achievement": achievement,
            "version": 1,
            "retired": False,
        }

    def update_achievement(
        self, achievement_id: str, refresher_months: int | None, achievement: dict[str, Any]
    ) -> int:
        """Publish a new version; awards already made keep the version they were made under."""
        current = self.achievement(achievement_id)
        if current["retired"]:
            raise AchievementRetiredError(achievement_id)
        self._achievement_updated(
            achievement_id=achievement_id,
            refresher_months=refresher_months,
            achievement=achievement,
        )
        return int(self.achievements[achievement_id]["version"])

    class AchievementUpdated(Aggregate.Event):
        """A new version of an achievement was published."""

        class_version = 1
        achievement_id: str
        refresher_months: int | None
        achievement: dict[str, Any]

    @event(AchievementUpdated)
    def _achievement_updated(
        self, achievement_id: str, refresher_months: int | None, achievement: dict[str, Any]
    ) -> None:
        current = self.achievements[achievement_id]
        current.update(
            refresherMonths=refresher_months,
            achievement=achievement,
            version=current["version"] + 1,
        )

    def retire_achievement(self, achievement_id: str) -> None:
        """Stop awarding an achievement; credentials already issued are unaffected."""
        if self.achievement(achievement_id)["retired"]:
            raise AchievementRetiredError(achievement_id)
        self._achievement_retired(achievement_id=achievement_id)

    class AchievementRetired(Aggregate.Event):
        """An achievement can no longer be awarded."""

        class_version = 1
        achievement_id: str

    @event(AchievementRetired)
    def _achievement_retired(self, achievement_id: str) -> None:
        self.achievements[achievement_id]["retired"] = True

    def achievement(self, achievement_id: str) -> dict[str, Any]:
        """The definition of one achievement, or `AchievementNotFoundError`."""
        try:
            return self.achievements[achievement_id]
        except KeyError:
            raise AchievementNotFoundError(achievement_id) from None
