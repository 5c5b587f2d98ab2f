"""The ledger's use cases: issuers and their keys, learners, credentials and their status."""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Mapper, Recording, StoredEvent

from events.batch_reads import last_events
from events.claim import CredentialClaim
from events.client import ApiClient
from events.errors import (
    ClientNotFoundError,
    ConcurrentChangeError,
    CredentialNotFoundError,
    IssuerAlreadyRegisteredError,
    IssuerNotFoundError,
    LearnerNotFoundError,
)
from events.issuer import AchievementKind, Issuer
from events.passport import CredentialStatus, Passport
from events.personal_data import REASON_FIELD, PersonalData, PersonalDataVault, open_reason
from events.recording import AwardEntry, plan_awards
from events.registry import RecognitionError, RegistryEntry
from events.signing import SigningMapper
from keys import Pseudonyms, PublicKey, SigningKey

A = TypeVar("A", bound=Aggregate)
STATUS_OF_EVENT = {
    "Passport.CredentialRevoked": "revoked",
    "Passport.CredentialSuspended": "suspended",
    "Passport.CredentialReinstated": "active",
}
MAX_ATTEMPTS = 30
BACKOFF_SECONDS = 0.002


@dataclass(frozen=True)
class IssuerDetails:
    """What the ledger records of an issuer, as plain values."""

    id: UUID
    slug: str
    name: str
    url: str
    did: str
    current_key: str | None
    keys: tuple[dict[str, Any], ...]
    achievements: Mapping[str, dict[str, Any]]


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


# A request that wants to wait for what it records sets a holder here (see passport.web).
RECORDED: ContextVar[list[int] | None] = ContextVar("recorded", default=None)


class Ledger(Application[UUID]):
    """The event-sourced ledger. Every event it stores is signed by the ledger's key."""

    name = "StaffPassport"

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        signer_id: str,
        signer: SigningKey,
        trusted: Mapping[str, PublicKey],
        vault: PersonalDataVault,
        pseudonyms: Pseudonyms,
    ) -> None:
        self._vault = vault
        self.pseudonyms = pseudonyms
        self._signer_id = signer_id
        self._signer = signer
        self._trusted = dict(trusted)
        self._recorded = threading.local()
        super().__init__(env=dict(env))

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """Record, and remember on this thread the log position of what was recorded."""
        recordings = super().save(*objs, **kwargs)
        if recordings:
            position = max(r.notification.id for r in recordings)
            self._recorded.position = position
            holder = RECORDED.get()
            if holder is not None:
                holder[0] = max(holder[0], position)
        return recordings

    def recorded_position(self) -> int:
        """The log position of the last event this thread recorded (0 if none)."""
        return int(getattr(self._recorded, "position", 0))

    def construct_mapper(self) -> Mapper[UUID]:
        """A mapper that signs what it writes and checks what it reads."""
        return SigningMapper(
            transcoder=self.construct_transcoder(),
            signer_id=self._signer_id,
            signer=self._signer,
            trusted=self._trusted,
        )

    # Issuers

    def register_issuer(self, slug: str, name: str, url: str, did: str) -> UUID:
        """Register an academy; its short name must be new."""
        issuer = Issuer(slug=slug, name=name, url=url, did=did)
        try:
            self.save(issuer)
        except IntegrityError:
            raise IssuerAlreadyRegisteredError(slug) from None
        return issuer.id

    def add_issuer_key(self, issuer_id: UUID, key_id: str, public_key: PublicKey, at: str) -> None:
        """Make a new key the issuer's current signing key."""
        self._change(Issuer, issuer_id, lambda i: i.add_key(key_id, public_key.multibase, at))

    def retire_issuer_key(self, issuer_id: UUID, key_id: str, at: str) -> None:
        """Retire one of the issuer's keys from `at` on."""
        self._change(Issuer, issuer_id, lambda i: i.retire_key(key_id, at))

    # The issuer registry

    def recognise(
        self, did: str, name: str, url: str | None, role: str, at: str, **extra: Any
    ) -> None:
        """Recognise an entity (keys and accrediting bodies in `extra`); once per DID."""
        entry = RegistryEntry(
            did=did,
            name=name,
            url=url,
            role=role,
            at=at,
            keys=list(extra.get("keys", [])),
            accredited_by=list(extra.get("accredited_by", [])),
        )
        try:
            self.save(entry)
        except IntegrityError:
            raise RecognitionError(f"{did} is already recognised") from None

    def is_recognised(self, did: str) -> bool:
        """Whether the registry has an entry for this DID (derecognised or not)."""
        return self._exists(RegistryEntry, RegistryEntry.create_id(did))

    def change_recognition(self, did: str, command: Callable[[RegistryEntry], object]) -> None:
        """Align, suspend, reinstate or derecognise a recognised entity."""
        self._change(RegistryEntry, RegistryEntry.create_id(did), command)

    def define_achievement(
        self,
        issuer_id: UUID,
        achievement_id: str,
        kind: AchievementKind,
        refresher_months: int | None,
        achievement: dict[str, Any],
    ) -> None:
        """Add an achievement the issuer can award."""
        self._change(
            Issuer,
            issuer_id,
            lambda i: i.define_achievement(achievement_id, kind, refresher_months, achievement),
        )

    def update_achievement(
        self,
        issuer_id: UUID,
        achievement_id: str,
        refresher_months: int | None,
        achievement: dict[str, Any],
    ) -> None:
        """Publish a new version of an achievement."""
        self._change(
            Issuer,
            issuer_id,
            lambda i: i.update_achievement(achievement_id, refresher_months, achievement),
        )

    def retire_achievement(self, issuer_id: UUID, achievement_id: str) -> None:
        """Stop awarding an achievement."""
        self._change(Issuer, issuer_id, lambda i: i.retire_achievement(achievement_id))

    def issuer(self, issuer_id: UUID) -> IssuerDetails:
        """The issuer's record, or `IssuerNotFoundError`."""
        issuer = self._get(Issuer, issuer_id)
        return IssuerDetails(
            id=issuer.id,
            slug=issuer.slug,
            name=issuer.name,
            url=issuer.url,
            did=issuer.did,
            current_key=issuer.current_key,
            keys=tuple(dict(k) for k in issuer.keys.values()),
            achievements=dict(issuer.achievements),
        )

    # API clients

    def register_client(self, client_id: str, owner: str, secret_hash: str) -> None:
        """Record a client's id, owner (an issuer id or the operator) and secret hash."""
        self.save(ApiClient(client_id=client_id, owner=owner, secret_hash=secret_hash))

    def client(self, client_id: str) -> tuple[str, str, bool] | None:
        """A client's owner, secret hash and whether it is revoked, as recorded (never behind
        the read models); None if unknown."""
        try:
            found: object = self.repository.get(ApiClient.create_id(client_id))
        except AggregateNotFoundError:
            return None
        if not isinstance(found, ApiClient):
            return None
        return found.owner, found.secret_hash, found.revoked

    def revoke_client(self, client_id: str) -> None:
        """Stop a client from obtaining tokens."""
        self._change(ApiClient, ApiClient.create_id(client_id), lambda c: c.revoke())

    # Learners and their credentials

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

    def record_awards(self, entries: Sequence[AwardEntry]) -> int:
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
        before claims existed) are still replayed.
        """
        heads = self._passport_heads([e.staff_identifier for e in entries])
        new = {learner_id for learner_id, head in heads.values() if head is None}
        known = {learner_id for learner_id, head in heads.values() if head is not None}
        keys = {
            **self._vault.keys_for(known, create=False),
            **self._vault.keys_for(new, create=True),
        }
        claims = self.credential_claims(
            [e.credential_id for e in entries if heads[e.staff_identifier][1] is not None]
        )
        write = plan_awards(
            entries,
            heads,
            keys,
            claimed_by=lambda cid: claims[cid].learner_id if cid in claims else None,
            replay=lambda learner_id: self._get(Passport, learner_id),
            identity_hash=self.pseudonyms.identity_hash,
        )
        self.save(*write.objects())
        return len(write.claims)

    def _passport_heads(
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
        return {s: head[0] for s, head in self._passport_heads(staff_identifiers).items()}

    def known_learners(self, staff_identifiers: Sequence[str]) -> set[str]:
        """Which of these staff identifiers have a stored passport, in one read."""
        heads = self._passport_heads(staff_identifiers)
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
                history[fields.credential_id].append((fields.timestamp, STATUS_OF_EVENT[kind]))
        return history

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

    def suspend_credential(self, learner_id: UUID, credential_id: str, reason: str) -> None:
        """Suspend a credential until it is reinstated."""
        sealed = self._seal_reason(learner_id, reason)
        self._change(Passport, learner_id, lambda p: p.suspend(credential_id, sealed))

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

    # Plumbing

    def _get(self, cls: type[A], aggregate_id: UUID) -> A:
        aggregate: object
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            aggregate = None
        if not isinstance(aggregate, cls):
            if cls is Issuer:
                raise IssuerNotFoundError(aggregate_id)
            if cls is ApiClient:
                raise ClientNotFoundError(aggregate_id)
            if cls is RegistryEntry:
                raise RecognitionError(f"nothing is recognised under id {aggregate_id}")
            if cls is CredentialClaim:
                raise CredentialNotFoundError(str(aggregate_id))
            raise LearnerNotFoundError(aggregate_id)
        return aggregate

    def _find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        try:
            return self._get(cls, aggregate_id)
        except (
            IssuerNotFoundError,
            LearnerNotFoundError,
            ClientNotFoundError,
            CredentialNotFoundError,
            RecognitionError,
        ):
            return None

    def _exists(self, cls: type[A], aggregate_id: UUID) -> bool:
        return self._find(cls, aggregate_id) is not None

    def _change(self, cls: type[A], aggregate_id: UUID, command: Callable[[A], object]) -> None:
        """Run a command on the latest state and save it, retrying optimistic conflicts."""
        for attempt in range(MAX_ATTEMPTS):
            aggregate = self._get(cls, aggregate_id)
            command(aggregate)
            try:
                self.save(aggregate)
            except IntegrityError:
                # Someone else appended first: wait a jittered moment, reload, re-check the rule.
                time.sleep(random.uniform(0, BACKOFF_SECONDS * (attempt + 1)))  # noqa: S311
                continue
            return
        raise ConcurrentChangeError(aggregate_id)


__all__ = ["AwardEntry", "ClaimDetails", "IssuerDetails", "LearnerDetails", "Ledger"]
