"""The passport aggregate: one per learner, holding every credential issued to them."""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events.errors import (
    CredentialAlreadyIssuedError,
    CredentialNotFoundError,
    LearnerErasedError,
    StatusChangeError,
)
from keys import normalise_identifier

PASSPORT_NAMESPACE = uuid5(NAMESPACE_URL, "https://staff-passport.nhs.example/passports")


class CredentialStatus(StrEnum):
    """Where a credential stands."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


class Passport(Aggregate):
    """A learner's passport. The learner is known to credentials only by a keyed hash.

    Personal data and status reasons are sealed under the learner's own data key before they
    reach an event; `reason` arguments here are already sealed.
    """

    @staticmethod
    def create_id(*_: Any, **__: Any) -> UUID:
        """Refused: the library's default would be a random id, and a staff identifier's id is
        keyed with the ledger's secret, so it comes from `Ledger.learner_id_for`."""
        raise TypeError("a passport's id comes from Ledger.learner_id_for(staff_identifier)")

    @staticmethod
    def legacy_id(staff_identifier: str) -> UUID:
        """The id passports got before ids were keyed: `uuid5` of the staff identifier under a
        namespace anyone can read here, so reversible by guessing. Only to find those passports;
        new ones take `keys.Pseudonyms.learner_id` (see `Ledger.learner_id_for`)."""
        return uuid5(PASSPORT_NAMESPACE, normalise_identifier(staff_identifier))

    class Enrolled(Aggregate.Created):
        """A learner was enrolled (their personal data sealed under their own key)."""

        class_version = 1
        identity_hash: str
        salt: str
        personal: str

    @event(Enrolled)
    def __init__(self, id: UUID, identity_hash: str, salt: str, personal: str) -> None:
        # `id` (from `Ledger.learner_id_for`) is the event's originator id, not a field of the
        # event. Passports enrolled since ids were keyed carry a keyed `identity_hash` and an
        # empty `salt`; older ones keep their salted hash (never shown publicly any more).
        self.identity_hash = identity_hash
        self.salt = salt
        self.personal = personal  # name, email and staff identifier, sealed (events.personal_data)
        self.erased = False
        self.credentials: dict[str, dict[str, Any]] = {}

    def issue_credential(
        self,
        credential_id: str,
        issuer_id: str,
        achievement_id: str,
        kind: str,
        credential: dict[str, Any],
        jwt: str,
    ) -> None:
        """Record a signed credential in the passport."""
        if self.erased:
            raise LearnerErasedError(self.id)
        if credential_id in self.credentials:
            raise CredentialAlreadyIssuedError(credential_id)
        self._credential_issued(
            credential_id=credential_id,
            issuer_id=issuer_id,
            achievement_id=achievement_id,
            kind=kind,
            credential=credential,
            jwt=jwt,
        )

    class CredentialIssued(Aggregate.Event):
        """A signed credential was recorded in the passport."""

        class_version = 1
        credential_id: str
        issuer_id: str
        achievement_id: str
        kind: str
        credential: dict[str, Any]
        jwt: str

    @event(CredentialIssued)
    def _credential_issued(
        self,
        credential_id: str,
        issuer_id: str,
        achievement_id: str,
        kind: str,
        credential: dict[str, Any],
        jwt: str,
    ) -> None:
        self.credentials[credential_id] = {
            "issuer_id": issuer_id,
            "achievement_id": achievement_id,
            "kind": kind,
            "credential": credential,
            "jwt": jwt,
            "status": CredentialStatus.ACTIVE.value,
            "reason": None,
        }

    def status_of(self, credential_id: str) -> CredentialStatus:
        """The credential's current status, or `CredentialNotFoundError`."""
        try:
            return CredentialStatus(self.credentials[credential_id]["status"])
        except KeyError:
            raise CredentialNotFoundError(credential_id) from None

    def revoke(self, credential_id: str, reason: str) -> None:
        """Revoke for good (a suspended credential may be revoked too)."""
        if self.status_of(credential_id) is CredentialStatus.REVOKED:
            raise StatusChangeError(credential_id, "revoked", "revoke")
        self._revoked(credential_id=credential_id, reason=reason)

    def suspend(self, credential_id: str, reason: str, since: str | None = None) -> None:
        """Suspend an active credential until reinstated; `since` (an ISO day) when it took
        effect before it was recorded (a missed maintenance rule found days later)."""
        current = self.status_of(credential_id)
        if current is not CredentialStatus.ACTIVE:
            raise StatusChangeError(credential_id, current.value, "suspend")
        self._suspended(credential_id=credential_id, reason=reason, since=since)

    def reinstate(self, credential_id: str, reason: str) -> None:
        """Lift a suspension."""
        current = self.status_of(credential_id)
        if current is not CredentialStatus.SUSPENDED:
            raise StatusChangeError(credential_id, current.value, "reinstate")
        self._reinstated(credential_id=credential_id, reason=reason)

    def set_status(self, credential_id: str, target: CredentialStatus, reason: str) -> None:
        """Bring the credential to `target`: nothing when it is there already, else the one
        change that gets it there (a revocation is never undone)."""
        current = self.status_of(credential_id)
        if current is target:
            return
        if target is CredentialStatus.REVOKED:
            self.revoke(credential_id, reason)
        elif target is CredentialStatus.SUSPENDED:
            self.suspend(credential_id, reason)
        else:
            self.reinstate(credential_id, reason)

    class CredentialRevoked(Aggregate.Event):
        """A credential was revoked for good (the reason sealed)."""

        class_version = 1
        credential_id: str
        reason: str

    @event(CredentialRevoked)
    def _revoked(self, credential_id: str, reason: str) -> None:
        self._set_status(credential_id, CredentialStatus.REVOKED, reason)

    class CredentialSuspended(Aggregate.Event):
        """A credential was suspended until reinstated (the reason sealed), in effect from the
        day `since` when that is before the event was recorded."""

        class_version = 2
        credential_id: str
        reason: str
        since: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["since"] = None  # version 1: in effect when recorded

    @event(CredentialSuspended)
    def _suspended(self, credential_id: str, reason: str, since: str | None) -> None:
        self._set_status(credential_id, CredentialStatus.SUSPENDED, reason)

    class CredentialReinstated(Aggregate.Event):
        """A suspension was lifted (the reason sealed)."""

        class_version = 1
        credential_id: str
        reason: str

    @event(CredentialReinstated)
    def _reinstated(self, credential_id: str, reason: str) -> None:
        self._set_status(credential_id, CredentialStatus.ACTIVE, reason)

    def erase(self, by: str, reason: str) -> None:
        """Record that the learner's personal data was erased (their data key is destroyed).

        Their credentials stay on the log and stay verifiable; no new ones can be issued.
        """
        if self.erased:
            raise LearnerErasedError(self.id)
        self._erased(by=by, reason=reason)

    class Erased(Aggregate.Event):
        """The learner's personal data was erased: who did it, and why."""

        class_version = 1
        by: str
        reason: str

    @event(Erased)
    def _erased(self, by: str, reason: str) -> None:
        self.erased = True
        self.personal = ""
        for record in self.credentials.values():
            record["reason"] = None

    def _set_status(self, credential_id: str, status: CredentialStatus, reason: str) -> None:
        self.credentials[credential_id]["status"] = status.value
        self.credentials[credential_id]["reason"] = reason


def credential_issued_after(
    passport_id: UUID, version: int, **fields: Any
) -> Passport.CredentialIssued:
    """The event recording a credential in the passport whose last event has `version`, built
    without replaying the passport: the caller has checked that the passport may take it (not
    erased, credential id not claimed). Same class, fields and signature as `issue_credential`'s."""
    issued: Any = Passport.CredentialIssued  # its fields are declared to the library, not mypy
    event: Passport.CredentialIssued = issued(
        originator_id=passport_id,
        originator_version=version + 1,
        timestamp=Passport.CredentialIssued.create_timestamp(),
        **fields,
    )
    return event
