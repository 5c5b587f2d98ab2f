"""The issuer registry's entries: who the operator recognises, for what, and from when."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events.errors import LedgerError

REGISTRY_NAMESPACE = uuid5(NAMESPACE_URL, "https://staff-passport.nhs.example/registry")
ROLES = ("issuer", "accreditor")


class RecognitionError(LedgerError):
    """A registry change the entry's history does not allow; the message says why."""


class NotRecognisedError(RecognitionError, LookupError):
    """The registry has no entry for this DID."""

    def __init__(self, did: str) -> None:
        super().__init__(f"{did} is not in the registry: recognise it first")
        self.did = did


class RegistryEntry(Aggregate):
    """One recognised entity (an issuer or an accrediting body), by DID."""

    @staticmethod
    def create_id(did: str) -> UUID:
        """One entry per DID."""
        return uuid5(REGISTRY_NAMESPACE, did)

    class IssuerRecognised(Aggregate.Created):
        """The operator recognised an issuer or accrediting body."""

        class_version = 1
        did: str
        name: str
        url: str | None
        role: str
        at: str
        keys: list[dict[str, Any]]
        accredited_by: list[str]

    @event(IssuerRecognised)
    def __init__(
        self,
        did: str,
        name: str,
        url: str | None,
        role: str,
        at: str,
        keys: list[dict[str, Any]],
        accredited_by: list[str],
    ) -> None:
        self.did = did
        self.name = name
        self.url = url
        self.role = role
        self.recognised_from = at
        self.keys = keys
        self.accredited_by = accredited_by
        self.alignments: list[dict[str, Any]] = []
        self.suspensions: list[dict[str, Any]] = []
        self.derecognised_at: str | None = None

    def _check_current(self) -> None:
        if self.derecognised_at is not None:
            raise RecognitionError(f"{self.did} was derecognised at {self.derecognised_at}")

    def align(
        self, achievement_type: str | None, subject: str | None, start: str, until: str | None
    ) -> None:
        """Recognise the entity for a kind of achievement or a subject from `start`."""
        self._check_current()
        self._aligned(achievement_type=achievement_type, subject=subject, start=start, until=until)

    class IssuerAligned(Aggregate.Event):
        """The entity was recognised for a kind of achievement and/or a subject from `start`."""

        class_version = 1
        achievement_type: str | None
        subject: str | None
        start: str
        until: str | None

    @event(IssuerAligned)
    def _aligned(
        self, achievement_type: str | None, subject: str | None, start: str, until: str | None
    ) -> None:
        self.alignments.append(
            {"achievementType": achievement_type, "subject": subject, "from": start, "until": until}
        )

    def suspend(self, at: str, until: str | None) -> None:
        """Suspend recognition from `at` (until a date, or until reinstated)."""
        self._check_current()
        if any(s["until"] is None for s in self.suspensions):
            raise RecognitionError(f"{self.did} is already suspended")
        self._suspended(at=at, until=until)

    class IssuerSuspended(Aggregate.Event):
        """The entity's recognition was suspended from `at` (until a date, or reinstated)."""

        class_version = 1
        at: str
        until: str | None

    @event(IssuerSuspended)
    def _suspended(self, at: str, until: str | None) -> None:
        self.suspensions.append({"from": at, "until": until})

    def reinstate(self, at: str) -> None:
        """End an open suspension at `at`."""
        self._check_current()
        if not any(s["until"] is None for s in self.suspensions):
            raise RecognitionError(f"{self.did} is not suspended")
        self._reinstated(at=at)

    class IssuerReinstated(Aggregate.Event):
        """An open suspension ended at `at`."""

        class_version = 1
        at: str

    @event(IssuerReinstated)
    def _reinstated(self, at: str) -> None:
        for suspension in self.suspensions:
            if suspension["until"] is None:
                suspension["until"] = at

    def derecognise(self, at: str) -> None:
        """Stop recognising the entity from `at`; what it issued before stays recognised."""
        self._check_current()
        self._derecognised(at=at)

    class IssuerDerecognised(Aggregate.Event):
        """The entity is no longer recognised from `at`; what it issued before still is."""

        class_version = 1
        at: str

    @event(IssuerDerecognised)
    def _derecognised(self, at: str) -> None:
        self.derecognised_at = at
