"""The programme aggregate: modules an issuer combines into one award, and its flagged awards.

A programme's rules are plain JSON (see `issuers.programme_rules` for their meaning), so the
event that records them can stay at `class_version` 1 while rules gain optional fields: a
reader treats a field it does not find as absent.
"""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events.errors import LedgerError

PROGRAMME_NAMESPACE = uuid5(NAMESPACE_URL, "https://staff-passport.nhs.example/programmes")


class ProgrammeNotFoundError(LedgerError, LookupError):
    """The issuer has defined no programme with this id."""

    def __init__(self, programme_id: UUID | str) -> None:
        super().__init__(f"no programme with id {programme_id} for this issuer")
        self.programme_id = programme_id


class Programme(Aggregate):
    """A programme: which module credentials earn the programme's own achievement."""

    @staticmethod
    def create_id(achievement_id: str) -> UUID:
        """One programme per achievement it awards."""
        return uuid5(PROGRAMME_NAMESPACE, achievement_id)

    class Defined(Aggregate.Created):
        """An issuer defined a programme awarding `achievement_id` when `rules` are met."""

        class_version = 1
        issuer_id: str
        achievement_id: str
        name: str
        rules: dict[str, Any]

    @event(Defined)
    def __init__(
        self, issuer_id: str, achievement_id: str, name: str, rules: dict[str, Any]
    ) -> None:
        self.issuer_id = issuer_id
        self.achievement_id = achievement_id
        self.name = name
        self.rules = rules
        self.flags: set[tuple[str, str]] = set()

    def flag_award(
        self, credential_id: str, learner_id: str, module_credential_id: str, reason: str
    ) -> bool:
        """Flag an awarded programme credential for the issuer to decide on; False (and nothing
        recorded) when this module was already flagged for it."""
        if (credential_id, module_credential_id) in self.flags:
            return False
        self._award_flagged(
            credential_id=credential_id,
            learner_id=learner_id,
            module_credential_id=module_credential_id,
            reason=reason,
        )
        return True

    class AwardFlagged(Aggregate.Event):
        """A module credential a programme award relied on changed: the issuer should decide."""

        class_version = 1
        credential_id: str
        learner_id: str
        module_credential_id: str
        reason: str

    @event(AwardFlagged)
    def _award_flagged(
        self, credential_id: str, learner_id: str, module_credential_id: str, reason: str
    ) -> None:
        self.flags.add((credential_id, module_credential_id))
