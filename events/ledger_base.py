"""The ledger's plumbing: the signed event store, what a thread recorded, retried changes."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, Repository
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Mapper, Recording

from events import postgres_recorder, sqlite_recorder
from events.claim import CredentialClaim
from events.client import ApiClient
from events.errors import (
    ClientNotFoundError,
    ConcurrentChangeError,
    CredentialNotFoundError,
    IssuerNotFoundError,
    LearnerNotFoundError,
)
from events.issuer import Issuer
from events.personal_data import PersonalDataVault
from events.registry import RecognitionError, RegistryEntry
from events.signing import SigningMapper
from keys import Pseudonyms, PublicKey, SigningKey

A = TypeVar("A", bound=Aggregate)
MAX_ATTEMPTS = 30
# Issuers kept in each process (an LRU); a deployment has tens, not thousands.
ISSUER_CACHE_SIZE = 1024
BACKOFF_SECONDS = 0.002


# A request that wants to wait for what it records sets a holder here (see passport.web).
RECORDED: ContextVar[list[int] | None] = ContextVar("recorded", default=None)


class LedgerBase(Application[UUID]):
    """The event-sourced ledger's store and plumbing. Every event it stores is signed by the
    ledger's key; the use cases are its subclasses (`events.application.Ledger`)."""

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
        env = dict(env)
        if env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres":
            env.setdefault("APPLICATION_RECORDER_TOPIC", postgres_recorder.TOPIC)
        elif env.get("PERSISTENCE_MODULE") == "eventsourcing.sqlite":
            env.setdefault("APPLICATION_RECORDER_TOPIC", sqlite_recorder.TOPIC)
        super().__init__(env=env)
        # Issuers are read on every status-list and share-page request and their histories
        # grow (keys, achievements, lists): each is kept here and brought up to date with the
        # events stored since its version (one query on the store's primary key), so a change
        # made by any process is seen at once and no request replays a whole history.
        self._issuers: Repository[UUID] = Repository(
            event_store=self.events,
            snapshot_store=self.snapshots,
            cache_maxsize=ISSUER_CACHE_SIZE,
        )

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

    # Plumbing

    def _get(self, cls: type[A], aggregate_id: UUID) -> A:
        aggregate: object
        try:
            repository = self._issuers if cls is Issuer else self.repository
            aggregate = repository.get(aggregate_id)
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

    def issuer_aggregate(self, issuer_id: UUID) -> Issuer:
        """The issuer's aggregate at its latest version (a copy, for a command), or
        `IssuerNotFoundError`."""
        return self._get(Issuer, issuer_id)

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
