"""The issuer registry's entries: who the operator recognises, for what, and from when."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events.errors import LedgerError

REGISTRY_NAMESPACE = uuid5(NAMESPACE_URL, "https://staff-passport.nhs.example/registry")
ROLES = ("issuer", "accreditor")


def _moment(text: str) -> datetime:
    """An xsd dateTime as the registry records them (UTC, `Z`)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


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
        self.accrediting: list[dict[str, Any]] = []
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

    def recognise_accrediting(self, start: str, until: str | None) -> None:
        """Recognise the entity as an accrediting body from `start`: its endorsements count as
        accreditation (an entity recognised with the role "accreditor" is one from the start)."""
        self._check_current()
        if self.role == "accreditor" or any(
            p["until"] is None or _moment(p["until"]) > _moment(start) for p in self.accrediting
        ):
            raise RecognitionError(f"{self.did} is already recognised as an accrediting body")
        self._accrediting(start=start, until=until)

    class AccreditingRecognised(Aggregate.Event):
        """The entity was recognised as an accrediting body from `start` (until a date, or
        for good)."""

        class_version = 1
        start: str
        until: str | None

    @event(AccreditingRecognised)
    def _accrediting(self, start: str, until: str | None) -> None:
        self.accrediting.append({"from": start, "until": until})

    def accredits_at(self, at: datetime) -> bool:
        """Whether the entity was a recognised accrediting body at `at`: in the role, neither
        suspended nor derecognised then."""

        def during(start: str, until: str | None) -> bool:
            return _moment(start) <= at and (until is None or at < _moment(until))

        if self.derecognised_at is not None and at >= _moment(self.derecognised_at):
            return False
        if any(during(s["from"], s["until"]) for s in self.suspensions):
            return False
        if self.role == "accreditor":
            return during(self.recognised_from, None)
        return any(during(p["from"], p["until"]) for p in self.accrediting)

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
