"""The ledger's learner queries: passport ids, a learner's record, claims, status history."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from events.claim import CredentialClaim
from events.ledger_base import LedgerBase
from events.passport import Passport
from events.personal_data import PersonalData, open_reason

STATUS_OF_EVENT = {
    "Passport.CredentialRevoked": "revoked",
    "Passport.CredentialSuspended": "suspended",
    "Passport.CredentialReinstated": "active",
}


@dataclass(frozen=True)
class LearnerDetails:
    """What the ledger records of a learner, as plain values."""

    id: UUID
    personal: PersonalData | None  # None once erased
    erased: bool
    credentials: Mapping[str, dict[str, Any]]


@dataclass(frozen=True)
class ClaimDetails:
    """Which passport a credential id was recorded in, and by what request."""

    learner_id: UUID
    request: str


class LearnerQueries(LedgerBase):
    """What the ledger answers about learners and their credentials."""

    def candidate_ids(self, staff_identifier: str) -> tuple[UUID, UUID]:
        """The ids a staff identifier's passport can have: keyed (enrolled since ids were keyed)
        and legacy (`Passport.legacy_id`, enrolled before); at most one of them exists."""
        return self.pseudonyms.learner_id(staff_identifier), Passport.legacy_id(staff_identifier)

    def learner_id_for(self, staff_identifier: str) -> UUID:
        """The passport id of a staff identifier: the one already stored (keyed or legacy,
        two reads of at most one event each), else the keyed id a new passport gets."""
        keyed, legacy = self.candidate_ids(staff_identifier)
        for candidate in (keyed, legacy):
            if self.recorder.select_events(candidate, limit=1):
                return candidate
        return keyed

    def learner_exists(self, staff_identifier: str) -> bool:
        """Whether a passport is stored for this staff identifier (at most two one-row reads)."""
        return any(
            self.recorder.select_events(c, limit=1) for c in self.candidate_ids(staff_identifier)
        )

    def credential_claim(self, credential_id: str) -> ClaimDetails | None:
        """Where a credential id was recorded, if it was (ids recorded before claims existed
        are found in their passport only)."""
        claim = self._find(CredentialClaim, CredentialClaim.create_id(credential_id))
        if claim is None:
            return None
        return ClaimDetails(UUID(claim.learner_id), claim.request)

    def learner(self, learner_id: UUID) -> LearnerDetails:
        """The learner's record, or `LearnerNotFoundError`; no personal data once erased."""
        passport = self._get(Passport, learner_id)
        key = self._vault.keys_for([learner_id], create=False).get(learner_id)
        return LearnerDetails(
            id=passport.id,
            personal=PersonalData.open(key, passport.personal),
            erased=passport.erased,
            credentials={
                cid: {**record, "reason": open_reason(key, record["reason"])}
                for cid, record in passport.credentials.items()
            },
        )

    def status_history(self, learner_id: UUID) -> dict[str, list[tuple[datetime, str]]]:
        """Each credential's status changes, replayed from the learner's events: (when, status),
        the first being its issue (`active`). Empty if there is no such learner."""
        history: dict[str, list[tuple[datetime, str]]] = {}
        for event in self.repository.event_store.get(learner_id):
            kind = type(event).__qualname__
            fields: Any = event  # the passport's events, known here by their names
            if kind == "Passport.CredentialIssued":
                history[fields.credential_id] = [(fields.timestamp, "active")]
            elif kind in STATUS_OF_EVENT:
                history[fields.credential_id].append((fields.timestamp, STATUS_OF_EVENT[kind]))
        return history
