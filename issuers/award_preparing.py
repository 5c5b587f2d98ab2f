"""Preparing a batch of awards: read once, reserve status places, build and sign the credentials."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from events.application import AwardEntry, AwardReads, IssuerDetails, Ledger
from events.errors import (
    AchievementNotFoundError,
    AchievementRetiredError,
    IdempotencyKeyReusedError,
    LearnerNotFoundError,
)
from events.passport import Passport
from issuers.award_requests import (
    LEGACY_AWARD_NAMESPACE,
    Award,
    AwardRequest,
    Prepared,
    request_digest,
)
from issuers.credentials import open_badge_credential
from issuers.signing import SigningPool, Unsigned, secure_all
from issuers.status_list import status_entry
from keys import KeyStore
from projections.idempotency import IdempotencyKeys
from projections.status_lists import MESSAGE, StatusIndexes


class AwardPreparer:
    """Builds and signs an issuer's credentials, with the status places and ids they need."""

    def __init__(
        self,
        ledger: Ledger,
        key_store: KeyStore,
        base_url: str,
        status_indexes: StatusIndexes,
        idempotency: IdempotencyKeys,
    ) -> None:
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

    def status(self, slug: str, list_no: int, index: int) -> dict[str, Any]:
        """The credential's status entry at this place of the issuer's `message` list."""
        return status_entry(
            self.status_list_url(slug, MESSAGE, list_no), index, self.status_reference_url()
        )

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
            unsigned["credentialStatus"] = self.status(issuer.slug, list_no, index)
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
