"""Use cases of an academy: register, keep keys, define achievements, award them, change status."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from events.application import AwardEntry, IssuerDetails, Ledger
from events.errors import (
    AchievementNotFoundError,
    AchievementRetiredError,
    ConcurrentChangeError,
    IssuerKeyError,
    LearnerErasedError,
    LearnerNotFoundError,
)
from events.issuer import AchievementKind
from events.passport import Passport
from issuers.credentials import achievement_document, open_badge_credential
from issuers.status_list import PURPOSES, status_entries
from keys import KeyStore, did_key, did_key_verification_method, did_web
from projections.idempotency import IdempotencyKeys
from projections.status_lists import StatusIndexes
from projections.views import Views
from verifier import eddsa_jcs_2022
from verifier.cryptosuites import CRYPTOSUITES
from verifier.jose import encode_vc_jwt
from verifier.timestamps import xsd_datetime

MAX_ATTEMPTS = 5
# Credential ids were once uuid5 of the issuer and the idempotency key (guessable); they are
# random now, and this only finds, on a retry, a credential recorded under such an id.
LEGACY_AWARD_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://staff-passport.nhs.example/awards")


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
class AwardRequest:
    """One row of an award request: what, to whom, when; the key makes retries safe."""

    achievement_id: str
    learner: Learner
    earned_on: date
    credits_earned: float | None
    idempotency_key: str
    cryptosuite: str = eddsa_jcs_2022.CRYPTOSUITE


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
        self,
        ledger: Ledger,
        key_store: KeyStore,
        base_url: str,
        status_indexes: StatusIndexes,
        idempotency: IdempotencyKeys,
        views: Views,
    ) -> None:
        self._ledger = ledger
        self._keys = key_store
        self._base_url = base_url
        self._status_indexes = status_indexes
        self._idempotency = idempotency
        self._views = views

    def status_list_url(self, slug: str, purpose: str, list_no: int) -> str:
        """Where an issuer's status list is published."""
        return f"{self._base_url}/status/{slug}/{purpose}/{list_no}"

    def register_issuer(
        self, slug: str, name: str, url: str, at: datetime, did_method: str = "web"
    ) -> RegisteredIssuer:
        """Register an academy and give it a first key. Its DID is a did:web under this ledger,
        whose keys can rotate; or, with `did_method="key"`, the did:key of that first key, which
        any verifier resolves offline (as the W3C EdDSA suite requires) but which never changes:
        such an issuer cannot rotate its key."""
        if did_method == "key":
            public = self._keys.generate()
            did = did_key(public)
            issuer_id = self._ledger.register_issuer(slug=slug, name=name, url=url, did=did)
            key_id = did_key_verification_method(public)
            self._ledger.add_issuer_key(issuer_id, key_id, public, xsd_datetime(at))
            return RegisteredIssuer(id=issuer_id, did=did)
        did = did_web(self._base_url, "issuers", slug)
        issuer_id = self._ledger.register_issuer(slug=slug, name=name, url=url, did=did)
        self.rotate_issuer_key(issuer_id, at)
        return RegisteredIssuer(id=issuer_id, did=did)

    def rotate_issuer_key(self, issuer_id: UUID, at: datetime) -> str:
        """Give the issuer a new current key and retire the old one from `at` on."""
        issuer = self._ledger.issuer(issuer_id)
        if issuer.did.startswith("did:key:"):
            raise IssuerKeyError(
                f"issuer {issuer_id} is the did:key of its key, so its key cannot change; "
                "register a new issuer to sign with a new key"
            )
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
        cryptosuite: str = eddsa_jcs_2022.CRYPTOSUITE,
    ) -> Award:
        """Issue a signed credential to a learner, enrolling them on their first award.

        With an idempotency key, a retried request returns the award made the first time.
        """
        request = AwardRequest(
            achievement_id,
            learner,
            earned_on,
            credits_earned,
            idempotency_key or str(uuid.uuid4()),
            cryptosuite,
        )
        return self.award_many(issuer_id, [request], at=at)[0]

    def award_many(
        self, issuer_id: UUID, requests: Sequence[AwardRequest], *, at: datetime
    ) -> list[Award]:
        """Issue many awards in one atomic write: all are recorded, or (on failure) none.

        Rows already recorded (same issuer and idempotency key) are returned, not issued again.
        A concurrent writer changing the same passports makes the whole write retry.
        """
        for _ in range(MAX_ATTEMPTS):
            issuer = self._ledger.issuer(issuer_id)
            if issuer.current_key is None:
                raise IssuerKeyError(f"issuer {issuer_id} has no current key to sign with")
            awards, entries = self.prepare(issuer, requests, at)
            try:
                recorded = self._ledger.record_awards(entries)
            except IntegrityError:
                continue
            if recorded < len(entries):  # recorded by an attempt the read models do not show yet
                return self._as_recorded(awards)
            return awards
        raise ConcurrentChangeError(issuer_id)

    def prepare(
        self, issuer: IssuerDetails, requests: Sequence[AwardRequest], at: datetime
    ) -> tuple[list[Award], list[AwardEntry]]:
        """Build and sign the credentials of a batch (nothing recorded yet); skip earlier ones.

        No learner's history is replayed: ids come from `learner_id_for` (one event read at
        most), earlier awards of a retried request from the read models, and the batch's
        status list places are reserved in one transaction, so an award costs the same however
        much the learner or the ledger holds. Erasure is enforced when the batch is recorded.
        """
        assert issuer.current_key is not None
        signer = self._keys.signer(issuer.current_key.rsplit("#", 1)[1])
        recorded_ids = self._idempotency.credential_ids(
            str(issuer.id), [r.idempotency_key for r in requests]
        )
        legacy_ids = {
            r.idempotency_key: "urn:uuid:"
            + str(uuid.uuid5(LEGACY_AWARD_NAMESPACE, f"{issuer.id}:{r.idempotency_key}"))
            for r in requests
        }
        held = self._views.recorded_credentials(list(recorded_ids.values()))
        learners: dict[str, tuple[UUID, Mapping[str, Any]]] = {}
        placed: list[Award | None] = []
        rows: list[tuple[AwardRequest, dict[str, Any], str, str]] = []
        for request in requests:
            definition = issuer.achievements.get(request.achievement_id)
            if definition is None:
                raise AchievementNotFoundError(request.achievement_id)
            if definition["retired"]:
                raise AchievementRetiredError(request.achievement_id)
            staff_id = request.learner.staff_identifier
            if staff_id not in learners:
                learners[staff_id] = self._learner(staff_id)
            learner_id, legacy_held = learners[staff_id]
            legacy_id = legacy_ids[request.idempotency_key]
            if legacy_id in legacy_held:  # a retry of an award made before ids were random
                earlier_record = legacy_held[legacy_id]
                placed.append(
                    Award(
                        legacy_id, learner_id, earlier_record["credential"], earlier_record["jwt"]
                    )
                )
                continue
            credential_id = recorded_ids[request.idempotency_key]
            earlier = held.get(credential_id)
            if earlier is not None:  # a retried request: issue nothing twice
                placed.append(Award(credential_id, UUID(earlier[0]), earlier[1], earlier[2]))
                continue
            placed.append(None)
            rows.append((request, definition, staff_id, credential_id))
        places = self._status_indexes.reserve_many(str(issuer.id), [r[3] for r in rows])
        fresh: list[Award] = []
        entries: list[AwardEntry] = []
        for (request, definition, staff_id, credential_id), (list_no, index) in zip(
            rows, places, strict=True
        ):
            unsigned = open_badge_credential(
                credential_id=credential_id.removeprefix("urn:uuid:"),
                issuer_did=issuer.did,
                issuer_name=issuer.name,
                issuer_url=issuer.url,
                achievement=definition["achievement"],
                identity_hash=self._ledger.pseudonyms.identity_hash(staff_id),
                earned_on=request.earned_on,
                refresher_months=definition["refresherMonths"],
                credits_earned=request.credits_earned,
            )
            unsigned["credentialStatus"] = status_entries(
                {p: self.status_list_url(issuer.slug, p, list_no) for p in PURPOSES}, index
            )
            credential = CRYPTOSUITES[request.cryptosuite].create_proof(
                unsigned, signer, issuer.current_key, created=at, proof_as_array=True
            )
            jwt = encode_vc_jwt(unsigned, signer, issuer.current_key, issued_at=at)
            entries.append(
                AwardEntry(
                    staff_identifier=staff_id,
                    name=request.learner.name,
                    email=request.learner.email,
                    credential_id=credential_id,
                    issuer_id=issuer.id,
                    achievement_id=request.achievement_id,
                    kind=definition["kind"],
                    credential=credential,
                    jwt=jwt,
                )
            )
            fresh.append(Award(credential_id, learners[staff_id][0], credential, jwt))
        made = iter(fresh)
        return [a if a is not None else next(made) for a in placed], entries

    def _as_recorded(self, awards: list[Award]) -> list[Award]:
        """The awards as the ledger holds them: an earlier attempt's credential wins."""
        held = {
            learner_id: self._ledger.learner(learner_id).credentials
            for learner_id in {a.learner_id for a in awards}
        }
        return [
            Award(a.credential_id, a.learner_id, earlier["credential"], earlier["jwt"])
            if (earlier := held[a.learner_id].get(a.credential_id))
            else a
            for a in awards
        ]

    def issue_document(
        self,
        issuer_id: UUID,
        unsigned: dict[str, Any],
        at: datetime,
        cryptosuite: str = eddsa_jcs_2022.CRYPTOSUITE,
    ) -> dict[str, Any]:
        """W3C VC API issuance: add an id and status entries, sign, record, return it.

        The credential is recorded in the passport of its subject's id (a pseudonymous
        holder), or of the issuer's VC API holder when the subject has none.
        """
        issuer = self._ledger.issuer(issuer_id)
        if issuer.current_key is None:
            raise IssuerKeyError(f"issuer {issuer_id} has no current key to sign with")
        document = {k: v for k, v in unsigned.items() if k != "proof"}
        document.setdefault("id", f"urn:uuid:{uuid.uuid4()}")
        list_no, index = self._status_indexes.reserve(str(issuer.id), document["id"])
        document["credentialStatus"] = status_entries(
            {p: self.status_list_url(issuer.slug, p, list_no) for p in PURPOSES}, index
        )
        signer = self._keys.signer(issuer.current_key.rsplit("#", 1)[1])
        types = document.get("type")
        credential = CRYPTOSUITES[cryptosuite].create_proof(
            document,
            signer,
            issuer.current_key,
            created=at,
            # The Open Badges 3.0 JSON Schema accepts only a list of proofs.
            proof_as_array=isinstance(types, list) and "OpenBadgeCredential" in types,
        )
        jwt = encode_vc_jwt(document, signer, issuer.current_key, issued_at=at)
        subject = document.get("credentialSubject")
        holder = subject.get("id") if isinstance(subject, dict) else None
        staff_id = f"subject:{holder}" if isinstance(holder, str) else f"vc-api:{issuer.slug}"
        self._ledger.record_awards(
            [
                AwardEntry(
                    staff_identifier=staff_id,
                    name="",
                    email="",
                    credential_id=document["id"],
                    issuer_id=issuer.id,
                    achievement_id="",
                    kind="vc-api",
                    credential=credential,
                    jwt=jwt,
                )
            ]
        )
        return credential

    def _learner(self, staff_identifier: str) -> tuple[UUID, Mapping[str, Any]]:
        """The learner's passport id, and, for a passport enrolled before ids were keyed (the
        only ones that can hold credentials with legacy ids), its credentials; other passports'
        histories are not read."""
        learner_id = self._ledger.learner_id_for(staff_identifier)
        if learner_id != Passport.legacy_id(staff_identifier):
            return learner_id, {}
        try:
            record = self._ledger.learner(learner_id)
        except LearnerNotFoundError:
            return learner_id, {}
        if record.erased:
            raise LearnerErasedError(learner_id)
        return learner_id, record.credentials
