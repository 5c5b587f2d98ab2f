"""The ledger's registry use cases: issuers, keys, achievements, recognition, API clients."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from events.client import ApiClient
from events.errors import (
    IssuerAlreadyRegisteredError,
)
from events.issuer import AchievementKind, Issuer
from events.ledger_base import LedgerBase
from events.registry import RecognitionError, RegistryEntry
from keys import PublicKey


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


class RegistryUseCases(LedgerBase):
    """Issuers, their keys and achievements; the issuer registry; API clients."""

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

    def accredits(self, did: str, at: datetime) -> bool:
        """Whether the registry recognised this DID as an accrediting body at `at` (read from
        its entry, never behind the read models)."""
        entry = self._find(RegistryEntry, RegistryEntry.create_id(did))
        return entry is not None and entry.accredits_at(at)

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
