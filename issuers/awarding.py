"""Use cases of an academy: register, keep keys, define achievements, award them, change status."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from events.application import AwardEntry, AwardReads, IssuerDetails, Ledger
from events.errors import (
    AchievementNotFoundError,
    AchievementRetiredError,
    ConcurrentChangeError,
    CredentialIdTakenError,
    IdempotencyKeyReusedError,
    IssuerKeyError,
    LearnerNotFoundError,
)
from events.issuer import AchievementKind
from events.passport import Passport
from issuers.credentials import achievement_document, open_badge_credential
from issuers.metrics import AWARDS_RECORDED
from issuers.signing import SigningPool, Unsigned, secure_all
from issuers.status_list import status_entry
from keys import KeyStore, did_key, did_key_verification_method, did_web
from projections.database import ReadModelDatabase
from projections.idempotency import IdempotencyKeys
from projections.status_lists import MESSAGE, StatusIndexes
from verifier import eddsa_jcs_2022
from verifier.cryptosuites import CRYPTOSUITES
from verifier.jose import encode_vc_jwt
from verifier.timestamps import xsd_datetime

MAX_ATTEMPTS = 5
RECORD_ATTEMPTS = 5
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
    evidence: tuple[dict[str, Any], ...] = ()  # Open Badges 3.0 `Evidence` (programme awards)


@dataclass(frozen=True)
class Award:
    """An issued credential in both securing forms."""

    credential_id: str
    learner_id: UUID
    credential: dict[str, Any]
    jwt: str


class Prepared(NamedTuple):
    """A signed batch not yet recorded: its awards, their entries, what was read, and the
    credential id of each idempotency key of the rows signed."""

    awards: list[Award]
    entries: list[AwardEntry]
    reads: AwardReads
    ids: dict[str, str]


class Awarding:
    """Issuing on behalf of academies: every credential signed with the issuer's current key."""

    def __init__(
        self,
        ledger: Ledger,
        key_store: KeyStore,
        base_url: str,
        status_indexes: StatusIndexes,
        idempotency: IdempotencyKeys,
        database: ReadModelDatabase,
    ) -> None:
        self._database = database  # idempotency keys, status places, data keys: one transaction
        self._ledger = ledger
        self._keys = key_store
        self._base_url = base_url
        self._status_indexes = status_indexes
        self._idempotency = idempotency

    def status_list_url(self, slug: str, purpose: str, list_no: int) -> str:
        """Where an issuer's status list is published."""
        return f"{self._base_url}/status/{slug}/{purpose}/{list_no}"

    def status_reference_url(self) -> str:
        """Where what each value of a status entry means is published (`statusReference`)."""
        return f"{self._base_url}/status/meanings"

    def _status(self, slug: str, list_no: int, index: int) -> dict[str, Any]:
        return status_entry(
            self.status_list_url(slug, MESSAGE, list_no), index, self.status_reference_url()
        )

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
        self,
        issuer_id: UUID,
        requests: Sequence[AwardRequest],
        *,
        at: datetime,
        skip_recorded: bool = False,
        pool: SigningPool | None = None,
    ) -> list[Award]:
        """Issue many awards in one transaction: all are recorded, or (on failure) none.

        Status list places are reserved first, in a short transaction of their own, and the
        credentials signed outside any transaction, so no lock is held while a big batch signs.
        Then the idempotency keys, new learners' data keys and the stored events (credentials
        and claims) commit together: a crash at any point leaves all of them or none. A crash
        or refusal after the reservation leaves only unused status places (a bit no credential
        points to, never published as anyone's status), which a rerun does not reuse.
        Rows already recorded (same issuer and idempotency key) are returned, not issued again;
        with `skip_recorded` (an import's rerun) they are left out, unsigned and unread, and
        only the awards made now are returned. With a `pool`, the credentials are signed in
        its worker processes.
        A concurrent writer changing the same passports, or recording one of the keys first,
        makes the whole batch be prepared again.
        """
        for _ in range(MAX_ATTEMPTS):
            issuer = self._ledger.issuer(issuer_id)
            if issuer.current_key is None:
                raise IssuerKeyError(f"issuer {issuer_id} has no current key to sign with")
            batch = self.prepare(issuer, requests, at, skip_recorded=skip_recorded, pool=pool)
            awards, entries, reads, ids = batch
            if not entries:
                return awards
            try:
                with self._database.transaction() as tx:
                    held = self._idempotency.credential_ids(str(issuer_id), list(ids), ids)
                    if held != ids:  # a racing request recorded one of these keys first
                        raise IntegrityError("an idempotency key was recorded meanwhile")
                    recorded = self._ledger.record_awards(entries, reads, within=tx.connection)
            except IntegrityError:
                continue
            AWARDS_RECORDED.inc(recorded)
            if recorded < len(entries):  # a retry: some were recorded by an earlier attempt
                return self._as_recorded(awards)
            return awards
        raise ConcurrentChangeError(issuer_id)

    def prepare(
        self,
        issuer: IssuerDetails,
        requests: Sequence[AwardRequest],
        at: datetime,
        *,
        skip_recorded: bool = False,
        pool: SigningPool | None = None,
    ) -> Prepared:
        """Build and sign the credentials of a batch (nothing recorded yet but the status
        places); with `skip_recorded`, only of the rows whose credential id was never recorded.
        Also returns what was read, for `Ledger.record_awards` to reuse, and the credential id
        each idempotency key of the signed rows stands for, to be recorded with them.

        Nothing of a learner's history is read (only whether their passport exists, and each
        credential id's claim): each award costs the same however many the learner or the
        ledger holds. Status list places for the whole batch are reserved in one transaction,
        committed before signing (unless the caller holds one open, which it then joins).
        An idempotency key already used for a different award is refused.
        """
        assert issuer.current_key is not None
        signer = self._keys.signer(issuer.current_key.rsplit("#", 1)[1])
        recorded_ids = self._proposed_ids(str(issuer.id), [r.idempotency_key for r in requests])
        heads = self._ledger.passport_heads([r.learner.staff_identifier for r in requests])
        learners = {staff: head[0] for staff, head in heads.items()}
        digests: dict[str, str] = {}
        order: list[str] = []
        rows = []
        for request in requests:
            definition = issuer.achievements.get(request.achievement_id)
            if definition is None:
                raise AchievementNotFoundError(request.achievement_id)
            if definition["retired"]:
                raise AchievementRetiredError(request.achievement_id)
            staff_id = request.learner.staff_identifier
            learner_id = learners[staff_id]
            credential_id = (
                self._legacy_credential_id(issuer.id, request.idempotency_key, staff_id, learner_id)
                or recorded_ids[request.idempotency_key]
            )
            digest = request_digest(request, learner_id)
            order.append(credential_id)
            if credential_id in digests:  # the same key twice in one batch
                if digests[credential_id] != digest:
                    raise IdempotencyKeyReusedError(request.idempotency_key)
                continue
            digests[credential_id] = digest
            rows.append((request, definition, staff_id, credential_id, learner_id, digest))
        claims = self._ledger.credential_claims([r[3] for r in rows])
        if skip_recorded:
            rows = [r for r in rows if r[3] not in claims]
        for request, _, _, credential_id, learner_id, digest in rows:
            claim = claims.get(credential_id)
            # A claim backfilled without the request's digest ("") asks only for the learner.
            if claim is not None and (
                claim.learner_id != learner_id or claim.request not in ("", digest)
            ):
                raise IdempotencyKeyReusedError(request.idempotency_key)
        # Committed before signing (see `award_many`): should the batch then fail or the
        # process die, these places stay unused, bits no credential points to; harmless.
        places = (
            self._status_indexes.reserve_many(str(issuer.id), [r[3] for r in rows]) if rows else []
        )
        documents: list[Unsigned] = []
        for (request, definition, staff_id, credential_id, _, _), (list_no, index) in zip(
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
            if request.evidence:
                unsigned["evidence"] = list(request.evidence)
            unsigned["credentialStatus"] = self._status(issuer.slug, list_no, index)
            documents.append((unsigned, request.cryptosuite))
        secure = pool.secure_all if pool is not None else secure_all
        secured = secure(documents, signer, issuer.current_key, at)
        signed: dict[str, Award] = {}
        entries: list[AwardEntry] = []
        for (request, definition, staff_id, credential_id, learner_id, digest), (
            credential,
            jwt,
        ) in zip(rows, secured, strict=True):
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
                    request=digest,
                )
            )
            signed[credential_id] = Award(credential_id, learner_id, credential, jwt)
        reads = AwardReads(heads, claims)
        ids = {r[0].idempotency_key: recorded_ids[r[0].idempotency_key] for r in rows}
        if skip_recorded:
            return Prepared(list(signed.values()), entries, reads, ids)
        return Prepared([signed[c] for c in order], entries, reads, ids)

    def _proposed_ids(self, issuer_id: str, keys: list[str]) -> dict[str, str]:
        """Each key's credential id: the one recorded, or a new random one (recorded with the
        credential; should a racing request record the key first, the batch is tried again)."""
        recorded = self._idempotency.recorded(issuer_id, keys)
        return {key: recorded.get(key) or f"urn:uuid:{uuid.uuid4()}" for key in keys}

    def _legacy_credential_id(
        self, issuer_id: UUID, idempotency_key: str, staff_id: str, learner_id: UUID
    ) -> str | None:
        """The derived id an award got before ids were random, when this learner holds it.

        Only passports enrolled before ids were keyed can hold one, so only theirs are read.
        """
        if learner_id != Passport.legacy_id(staff_id):
            return None
        legacy = "urn:uuid:" + str(
            uuid.uuid5(LEGACY_AWARD_NAMESPACE, f"{issuer_id}:{idempotency_key}")
        )
        try:
            held = self._ledger.learner(learner_id).credentials
        except LearnerNotFoundError:
            return None
        return legacy if legacy in held else None

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
        document["credentialStatus"] = self._status(issuer.slug, list_no, index)
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
        entry = AwardEntry(
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
        for _ in range(RECORD_ATTEMPTS):
            try:
                recorded = self._ledger.record_awards([entry])
            except IntegrityError:
                # Either the id was claimed meanwhile (a racing request) or the holder's
                # passport changed under us; only the second is worth another try.
                if self._ledger.credential_claim(entry.credential_id) is not None:
                    raise CredentialIdTakenError(entry.credential_id) from None
                continue
            if not recorded:  # a racing request with this id was recorded first
                raise CredentialIdTakenError(entry.credential_id)
            AWARDS_RECORDED.inc(recorded)
            return credential
        raise ConcurrentChangeError(issuer_id)


def request_digest(request: AwardRequest, learner_id: UUID) -> str:
    """What makes two award requests the same award: a retry must match it exactly."""
    return award_digest(
        learner_id,
        request.achievement_id,
        request.earned_on.isoformat(),
        request.credits_earned,
        request.cryptosuite,
    )


def award_digest(
    learner_id: UUID, achievement_id: str, earned_on: str, credits: float | None, suite: str
) -> str:
    """The digest `request_digest` keeps in a credential id's claim, from its parts."""
    details = {
        "learner": str(learner_id),
        "achievementId": achievement_id,
        "earnedOn": earned_on,
        "creditsEarned": credits,
        "cryptosuite": suite,
    }
    return hashlib.sha256(json.dumps(details, sort_keys=True).encode()).hexdigest()
