"""Use cases of an academy: register, keep keys, define achievements, award them, change status."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from events.application import Ledger
from events.errors import AchievementNotFoundError, AchievementRetiredError, IssuerKeyError
from events.issuer import AchievementKind
from issuers.credentials import (
    achievement_document,
    identity_hash,
    open_badge_credential,
    xsd_datetime,
)
from issuers.status_list import PURPOSES, status_entries
from keys import KeyStore, did_web
from projections.status_lists import StatusIndexes
from verifier.eddsa_jcs_2022 import create_proof
from verifier.jose import encode_vc_jwt

AWARD_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://staff-passport.nhs.example/awards")


@dataclass(frozen=True)
class RegisteredIssuer:
    """An issuer's ids."""

    id: UUID
    did: str


@dataclass(frozen=True)
class Learner:
    """Who an award is for: a stable staff identifier, and personal details for the passport."""

    staff_identifier: str
    name: str
    email: str


@dataclass(frozen=True)
class Award:
    """An issued credential in both securing forms."""

    credential_id: str
    learner_id: UUID
    credential: dict[str, Any]
    jwt: str


class Awarding:
    """Issuing on behalf of academies: every credential signed with the issuer's current key."""

    def __init__(
        self, ledger: Ledger, key_store: KeyStore, base_url: str, status_indexes: StatusIndexes
    ) -> None:
        self._ledger = ledger
        self._keys = key_store
        self._base_url = base_url
        self._status_indexes = status_indexes

    def status_list_url(self, slug: str, purpose: str, list_no: int) -> str:
        """Where an issuer's status list is published."""
        return f"{self._base_url}/status/{slug}/{purpose}/{list_no}"

    def register_issuer(self, slug: str, name: str, url: str, at: datetime) -> RegisteredIssuer:
        """Register an academy with a did:web DID under this ledger, and give it a first key."""
        did = did_web(self._base_url, "issuers", slug)
        issuer_id = self._ledger.register_issuer(slug=slug, name=name, url=url, did=did)
        self.rotate_issuer_key(issuer_id, at)
        return RegisteredIssuer(id=issuer_id, did=did)

    def rotate_issuer_key(self, issuer_id: UUID, at: datetime) -> str:
        """Give the issuer a new current key and retire the old one from `at` on."""
        issuer = self._ledger.issuer(issuer_id)
        public = self._keys.generate()
        key_id = f"{issuer.did}#{public.multibase}"
        self._ledger.add_issuer_key(issuer_id, key_id, public, xsd_datetime(at))
        if issuer.current_key:
            self._ledger.retire_issuer_key(issuer_id, issuer.current_key, xsd_datetime(at))
        return key_id

    def define_achievement(
        self,
        issuer_id: UUID,
        *,
        name: str,
        description: str,
        criteria: str,
        kind: AchievementKind,
        refresher_months: int | None = None,
        credits_available: float | None = None,
        field_of_study: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> str:
        """Define an achievement; returns its id. `extra` adds Open Badges fields (image…)."""
        achievement_id = str(uuid.uuid4())
        document = achievement_document(
            achievement_id,
            name,
            description,
            criteria,
            kind.value,
            credits_available,
            field_of_study,
        ) | (extra or {})
        self._ledger.define_achievement(issuer_id, achievement_id, kind, refresher_months, document)
        return achievement_id

    def update_achievement(
        self,
        issuer_id: UUID,
        achievement_id: str,
        *,
        name: str,
        description: str,
        criteria: str,
        kind: AchievementKind,
        refresher_months: int | None = None,
        credits_available: float | None = None,
        field_of_study: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> int:
        """Publish a new version of an achievement; returns the new version number."""
        current = self._ledger.issuer(issuer_id).achievements.get(achievement_id)
        if current is None:
            raise AchievementNotFoundError(achievement_id)
        document = (
            achievement_document(
                achievement_id,
                name,
                description,
                criteria,
                kind.value,
                credits_available,
                field_of_study,
            )
            | (extra or {})
            | {"version": str(int(current["version"]) + 1)}
        )
        self._ledger.update_achievement(issuer_id, achievement_id, refresher_months, document)
        return int(current["version"]) + 1

    def award(
        self,
        issuer_id: UUID,
        achievement_id: str,
        learner: Learner,
        *,
        earned_on: date,
        at: datetime,
        credits_earned: float | None = None,
        idempotency_key: str | None = None,
    ) -> Award:
        """Issue a signed credential to a learner, enrolling them on their first award."""
        issuer = self._ledger.issuer(issuer_id)
        definition = issuer.achievements.get(achievement_id)
        if definition is None:
            raise AchievementNotFoundError(achievement_id)
        if definition["retired"]:
            raise AchievementRetiredError(achievement_id)
        if issuer.current_key is None:
            raise IssuerKeyError(f"issuer {issuer_id} has no current key to sign with")
        fresh_salt = secrets.token_hex(16)
        learner_id = self._ledger.enrol_learner(
            learner.staff_identifier,
            identity_hash(learner.staff_identifier, fresh_salt),
            fresh_salt,
            learner.name,
            learner.email,
        )
        record = self._ledger.learner(learner_id)
        credential_id = str(
            uuid.uuid5(AWARD_NAMESPACE, f"{issuer_id}:{idempotency_key}")
            if idempotency_key
            else uuid.uuid4()
        )
        earlier = record.credentials.get(f"urn:uuid:{credential_id}")
        if earlier is not None:  # a retried request: the award exists, issue nothing twice
            return Award(
                f"urn:uuid:{credential_id}", learner_id, earlier["credential"], earlier["jwt"]
            )
        salt = record.salt
        unsigned = open_badge_credential(
            credential_id=credential_id,
            issuer_did=issuer.did,
            issuer_name=issuer.name,
            issuer_url=issuer.url,
            achievement=definition["achievement"],
            staff_identifier=learner.staff_identifier,
            salt=salt,
            earned_on=earned_on,
            refresher_months=definition["refresherMonths"],
            credits_earned=credits_earned,
        )
        list_no, index = self._status_indexes.reserve(str(issuer_id), unsigned["id"])
        unsigned["credentialStatus"] = status_entries(
            {p: self.status_list_url(issuer.slug, p, list_no) for p in PURPOSES}, index
        )
        signer = self._keys.signer(issuer.current_key.rsplit("#", 1)[1])
        credential = create_proof(
            unsigned, signer, issuer.current_key, created=at, proof_as_array=True
        )
        jwt = encode_vc_jwt(unsigned, signer, issuer.current_key, issued_at=at)
        self._ledger.issue_credential(
            learner_id,
            unsigned["id"],
            issuer_id,
            achievement_id,
            definition["kind"],
            credential,
            jwt,
        )
        return Award(unsigned["id"], learner_id, credential, jwt)
