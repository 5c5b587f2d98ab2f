"""Use cases of an academy: register, keep keys, define achievements, award them, change status."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from events.application import IssuerDetails, Ledger
from events.errors import (
    AchievementNotFoundError,
    ConcurrentChangeError,
    IssuerKeyError,
)
from events.issuer import AchievementKind
from issuers.award_preparing import AwardPreparer
from issuers.award_requests import (
    LEGACY_AWARD_NAMESPACE,
    Award,
    AwardRequest,
    Learner,
    Prepared,
    RegisteredIssuer,
    award_digest,
    request_digest,
)
from issuers.credentials import achievement_document
from issuers.metrics import AWARDS_RECORDED
from issuers.signing import SigningPool
from issuers.vc_issuance import issue_document
from keys import KeyStore, did_key, did_key_verification_method, did_web
from projections.database import ReadModelDatabase
from projections.idempotency import IdempotencyKeys
from projections.status_lists import StatusIndexes
from verifier import eddsa_jcs_2022
from verifier.timestamps import xsd_datetime

MAX_ATTEMPTS = 5

__all__ = [  # the request and award types live in `issuers.award_requests`; kept importable here
    "LEGACY_AWARD_NAMESPACE",
    "Award",
    "AwardRequest",
    "Awarding",
    "Learner",
    "Prepared",
    "RegisteredIssuer",
    "award_digest",
    "request_digest",
]


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
        self._status_indexes = status_indexes
        self._idempotency = idempotency
        self._base_url = base_url
        self._preparer = AwardPreparer(ledger, key_store, base_url, status_indexes, idempotency)

    def status_list_url(self, slug: str, purpose: str, list_no: int) -> str:
        """Where an issuer's status list is published."""
        return self._preparer.status_list_url(slug, purpose, list_no)

    def status_reference_url(self) -> str:
        """Where what each value of a status entry means is published (`statusReference`)."""
        return self._preparer.status_reference_url()

    def prepare(
        self,
        issuer: IssuerDetails,
        requests: Sequence[AwardRequest],
        at: datetime,
        *,
        skip_recorded: bool = False,
        pool: SigningPool | None = None,
    ) -> Prepared:
        """Build and sign a batch without recording it (`AwardPreparer.prepare`)."""
        return self._preparer.prepare(issuer, requests, at, skip_recorded=skip_recorded, pool=pool)

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
            batch = self.prepare_batch(
                issuer_id, requests, at, skip_recorded=skip_recorded, pool=pool
            )
            awards = self.record_prepared(issuer_id, batch)
            if awards is not None:
                return awards
        raise ConcurrentChangeError(issuer_id)

    def prepare_batch(
        self,
        issuer_id: UUID,
        requests: Sequence[AwardRequest],
        at: datetime,
        *,
        skip_recorded: bool = False,
        pool: SigningPool | None = None,
    ) -> Prepared:
        """The first half of `award_many`: the batch signed with the issuer's current key (its
        status places reserved), nothing else recorded. `record_prepared` records it; a caller
        may prepare the next batch meanwhile, in another thread, if it touches other learners."""
        issuer = self._ledger.issuer(issuer_id)
        if issuer.current_key is None:
            raise IssuerKeyError(f"issuer {issuer_id} has no current key to sign with")
        return self.prepare(issuer, requests, at, skip_recorded=skip_recorded, pool=pool)

    def record_prepared(self, issuer_id: UUID, batch: Prepared) -> list[Award] | None:
        """The second half of `award_many`: record a prepared batch in one transaction and
        return its awards; None (nothing recorded) when a concurrent writer changed one of its
        passports or recorded one of its keys first since it was prepared: prepare it again."""
        recorded = self.record_uncounted(issuer_id, batch)
        if recorded is None:
            return None
        AWARDS_RECORDED.inc(recorded)
        awards, entries = batch.awards, batch.entries
        if recorded < len(entries):  # a retry: some were recorded by an earlier attempt
            return self._as_recorded(awards)
        return awards

    def record_uncounted(self, issuer_id: UUID, batch: Prepared) -> int | None:
        """`record_prepared` for a writer process, which returns only how many credentials it
        recorded now (None as there) and leaves `AWARDS_RECORDED` to the process it answers:
        the server's processes count into files its `/metrics` adds up, one per process."""
        _, entries, reads, ids = batch
        if not entries:
            return 0
        try:
            with self._database.transaction() as tx:
                held = self._idempotency.credential_ids(str(issuer_id), list(ids), ids)
                if held != ids:  # a racing request recorded one of these keys first
                    raise IntegrityError("an idempotency key was recorded meanwhile")
                return self._ledger.record_awards(entries, reads, within=tx.connection)
        except IntegrityError:
            return None

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
        """W3C VC API issuance (`issuers.vc_issuance.issue_document`)."""
        return issue_document(
            self._ledger,
            self._keys,
            self._status_indexes,
            self._preparer,
            issuer_id,
            unsigned,
            at,
            cryptosuite,
        )
