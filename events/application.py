"""The ledger's use cases: issuers and their keys, learners, credentials and their status."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from events.learner_queries import AwardReads, ClaimDetails, LearnerDetails, LearnerQueries
from events.ledger_base import BACKOFF_SECONDS, MAX_ATTEMPTS, RECORDED
from events.passport import CredentialStatus, Passport
from events.personal_data import REASON_FIELD, PersonalData
from events.recording import AwardEntry, plan_awards
from events.registry_use_cases import IssuerDetails, RegistryUseCases
from events.review_use_cases import ReviewUseCases


class Ledger(RegistryUseCases, LearnerQueries, ReviewUseCases):
    """The event-sourced ledger. Every event it stores is signed by the ledger's key."""

    name = "StaffPassport"  # the library names an application after its class otherwise

    # Learners and their credentials

    def enrol_learner(self, staff_identifier: str, name: str, email: str) -> UUID:
        """Enrol a learner once; enrolling the same staff identifier again returns the same id."""
        learner_id = self.learner_id_for(staff_identifier)
        if self._exists(Passport, learner_id):
            return learner_id
        key = self._vault.keys_for([learner_id], create=True)[learner_id]
        personal = PersonalData(name, email, staff_identifier).seal(key)
        passport = Passport(
            id=learner_id,
            identity_hash=self.pseudonyms.identity_hash(staff_identifier),
            salt="",
            personal=personal,
        )
        with contextlib.suppress(IntegrityError):  # enrolled concurrently: the same learner
            self.save(passport)
        return learner_id

    def record_awards(
        self,
        entries: Sequence[AwardEntry],
        reads: AwardReads | None = None,
        *,
        within: object | None = None,
    ) -> int:
        """Record many awards in one atomic write: all of them or, on any failure, none.

        Learners are enrolled on their first award; a credential id already claimed by the
        same passport (a retried request) is skipped. Each new credential id is claimed in the
        same write, so an id recorded anywhere before makes the whole write fail
        (`IntegrityError`), as does another writer appending to one of the passports meanwhile.
        Returns how many credentials were newly recorded.

        No passport is replayed: its last event's version and type are read (one row), the
        credential ids' claims say what was recorded before, and the new events are appended
        at the next versions. So an award costs the same at a learner's first credential and
        their thousandth. Passports under a legacy id (which may hold credentials recorded
        before claims existed) are still replayed. `reads`, what the batch read before signing,
        saves reading the heads and claims again. `within`, a driver connection with an open
        transaction on the store, makes the events part of it (see `events.postgres_recorder`).
        """
        heads = reads.heads if reads else self.passport_heads([e.staff_identifier for e in entries])
        new = {learner_id for learner_id, head in heads.values() if head is None}
        known = {learner_id for learner_id, head in heads.values() if head is not None}
        keys = {
            **self._vault.keys_for(known, create=False),
            **self._vault.keys_for(new, create=True),
        }
        claims = (
            reads.claims
            if reads
            else self.credential_claims(
                [e.credential_id for e in entries if heads[e.staff_identifier][1] is not None]
            )
        )
        write = plan_awards(
            entries,
            heads,
            keys,
            claimed_by=lambda cid: claims[cid].learner_id if cid in claims else None,
            replay=lambda learner_id: self._get(Passport, learner_id),
            identity_hash=self.pseudonyms.identity_hash,
        )
        if within is None:
            self.save(*write.objects())
        else:
            self.save(*write.objects(), within=within)
        return len(write.claims)

    def erase_learner(self, learner_id: UUID, by: str, reason: str) -> None:
        """Erase the learner's personal data: record who and why, then destroy their key.

        The `Erased` event is written first; the read models destroy the key again when they
        apply it, so a crash between the two steps still ends with the key gone.
        """
        self._change(Passport, learner_id, lambda p: p.erase(by, reason))
        self._vault.destroy(learner_id)

    def issue_credential(
        self,
        learner_id: UUID,
        credential_id: str,
        issuer_id: UUID,
        achievement_id: str,
        kind: str,
        credential: dict[str, Any],
        jwt: str,
    ) -> None:
        """Append a signed credential to the learner's passport."""
        self._change(
            Passport,
            learner_id,
            lambda p: p.issue_credential(
                credential_id, str(issuer_id), achievement_id, kind, credential, jwt
            ),
        )

    def revoke_credential(self, learner_id: UUID, credential_id: str, reason: str) -> None:
        """Revoke a credential for good."""
        sealed = self._seal_reason(learner_id, reason)
        self._change(Passport, learner_id, lambda p: p.revoke(credential_id, sealed))

    def suspend_credential(
        self, learner_id: UUID, credential_id: str, reason: str, since: date | None = None
    ) -> None:
        """Suspend a credential until it is reinstated; `since`: the day it took effect, when
        that is before now (the keeper finding a missed maintenance rule late)."""
        sealed = self._seal_reason(learner_id, reason)
        day = since.isoformat() if since is not None else None
        self._change(Passport, learner_id, lambda p: p.suspend(credential_id, sealed, day))

    def reinstate_credential(self, learner_id: UUID, credential_id: str, reason: str) -> None:
        """Lift a suspension."""
        sealed = self._seal_reason(learner_id, reason)
        self._change(Passport, learner_id, lambda p: p.reinstate(credential_id, sealed))

    def set_credential_statuses(
        self, learner_id: UUID, credential_id: str, targets: list[CredentialStatus], reason: str
    ) -> None:
        """Bring a credential through each status in turn, in one save: all the changes are
        recorded, or, if the credential's status forbids one, none."""
        sealed = self._seal_reason(learner_id, reason)

        def change(passport: Passport) -> None:
            for target in targets:
                passport.set_status(credential_id, target, sealed)

        self._change(Passport, learner_id, change)

    def _seal_reason(self, learner_id: UUID, reason: str) -> str:
        """A status reason is free text about a person: sealed, or dropped once they are erased."""
        key = self._vault.keys_for([learner_id], create=False).get(learner_id)
        return key.seal(REASON_FIELD, reason) if key is not None and reason else ""


__all__ = [
    "BACKOFF_SECONDS",
    "MAX_ATTEMPTS",
    "RECORDED",
    "AwardEntry",
    "AwardReads",
    "ClaimDetails",
    "IssuerDetails",
    "LearnerDetails",
    "Ledger",
]
