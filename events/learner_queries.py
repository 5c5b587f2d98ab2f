"""The ledger's learner queries: passport ids, a learner's record, claims, status history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from events.batch_reads import last_events
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


@dataclass(frozen=True)
class AwardReads:
    """What a batch of awards read before signing (each staff identifier's passport id and last
    event, each credential id's claim), for its write to reuse: if either changed meanwhile,
    the write fails (`IntegrityError`) and the batch is read again."""

    heads: Mapping[str, tuple[UUID, StoredEvent | None]]
    claims: Mapping[str, ClaimDetails]


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

    def passport_heads(
        self, staff_identifiers: Sequence[str]
    ) -> dict[str, tuple[UUID, StoredEvent | None]]:
        """Each staff identifier's passport id and the version and type of its last stored
        event (its state is not read, so no signature needs checking to append after it), or
        the keyed id a new passport gets and None; one read for the lot."""
        candidates = {s: self.candidate_ids(s) for s in dict.fromkeys(staff_identifiers)}
        last = last_events(
            self.recorder, [c for pair in candidates.values() for c in pair], with_state=False
        )
        heads: dict[str, tuple[UUID, StoredEvent | None]] = {}
        for staff, (keyed, legacy) in candidates.items():
            found = next((c for c in (keyed, legacy) if c in last), None)
            heads[staff] = (found, last[found]) if found is not None else (keyed, None)
        return heads

    def learner_ids_for(self, staff_identifiers: Sequence[str]) -> dict[str, UUID]:
        """`learner_id_for` of many staff identifiers, in one read."""
        return {s: head[0] for s, head in self.passport_heads(staff_identifiers).items()}

    def known_learners(self, staff_identifiers: Sequence[str]) -> set[str]:
        """Which of these staff identifiers have a stored passport, in one read."""
        heads = self.passport_heads(staff_identifiers)
        return {staff for staff, (_, head) in heads.items() if head is not None}

    def credential_claims(self, credential_ids: Sequence[str]) -> dict[str, ClaimDetails]:
        """`credential_claim` of many credential ids (those never claimed are absent), in one
        read; each claim's signature is checked as it is decoded."""
        by_claim = {CredentialClaim.create_id(c): c for c in credential_ids}
        found: dict[str, ClaimDetails] = {}
        for claim_id, stored in last_events(self.recorder, by_claim).items():
            event: Any = self.mapper.to_domain_event(stored)
            if isinstance(event, CredentialClaim.Claimed):
                found[by_claim[claim_id]] = ClaimDetails(UUID(event.learner_id), event.request)
        return found

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
                changes = history[fields.credential_id]
                changes.append((_in_effect(fields, changes[-1][0]), STATUS_OF_EVENT[kind]))
        return history


def _in_effect(change: Any, previous: datetime) -> datetime:
    """When a status change took effect: when recorded, or from the start of its `since` day (a
    suspension for a rule missed before the keeper ran), never before the previous change."""
    since = getattr(change, "since", None)
    if not since:
        recorded: datetime = change.timestamp
        return recorded
    return max(previous, datetime.combine(date.fromisoformat(since), time(), UTC))
