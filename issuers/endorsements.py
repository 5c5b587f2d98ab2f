"""Accreditation: an issuer endorses another's achievement or the issuer itself (OB 3.0 §B.1.7).

The signed `EndorsementCredential` is recorded like any award, in the endorsing body's own
holder passport (`endorsements:{slug}`), so it gets a place in its status list, a claim on its
id, a signed event and a Merkle leaf, and is revoked through the same status change as awards.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from events.application import AwardEntry, Ledger
from events.errors import AchievementNotFoundError, ConcurrentChangeError, IssuerKeyError
from issuers.awarding import Awarding
from issuers.credentials import OB_V3_CONTEXT, VC_V2_CONTEXT
from issuers.errors import ForbiddenError
from issuers.metrics import AWARDS_RECORDED
from issuers.status_list import status_entry
from keys import KeyStore
from projections.status_lists import MESSAGE, StatusIndexes
from verifier.cryptosuites import CRYPTOSUITES
from verifier.eddsa_rdfc_2022 import CRYPTOSUITE as RDFC
from verifier.jose import encode_vc_jwt
from verifier.timestamps import xsd_datetime

ENDORSEMENT_KIND = "endorsement"
ISSUER_TARGET_PREFIX = "issuer:"  # the `achievement_id` an endorsement of a whole issuer records
RECORD_ATTEMPTS = 5


class EndorsementRefusedError(ValueError):
    """An endorsement that makes no sense (e.g. of the endorser's own work): 422."""


class NotAnAccreditingBodyError(ForbiddenError):
    """An issuer the registry does not recognise as an accrediting body tried to endorse: 403."""


@dataclass(frozen=True)
class Endorsement:
    """A recorded endorsement in both securing forms, with what it endorses."""

    credential_id: str
    target: str  # an achievement id, or `issuer:{uuid}` for a whole issuer
    credential: dict[str, Any]
    jwt: str


def holder_of(slug: str) -> str:
    """The stable identifier of the passport an endorsing body's endorsements are recorded in."""
    return f"endorsements:{slug}"


def endorsement_credential(
    *,
    credential_id: str,
    endorser: dict[str, Any],
    subject_id: str,
    subject_name: str,
    comment: str,
    at: datetime,
) -> dict[str, Any]:
    """The unsigned Open Badges 3.0 `EndorsementCredential` of an endorsement."""
    return {
        "@context": [VC_V2_CONTEXT, OB_V3_CONTEXT],
        "id": f"urn:uuid:{credential_id}",
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "name": f"{endorser['name']} endorses {subject_name}",
        "issuer": endorser,
        "validFrom": xsd_datetime(at),
        "credentialSubject": {
            "id": subject_id,
            "type": ["EndorsementSubject"],
            "endorsementComment": comment,
        },
    }


class Endorsing:
    """Endorsements on behalf of accrediting bodies, signed with the endorser's current key."""

    def __init__(
        self,
        ledger: Ledger,
        key_store: KeyStore,
        awarding: Awarding,
        status_indexes: StatusIndexes,
    ) -> None:
        self._ledger = ledger
        self._keys = key_store
        self._awarding = awarding  # where status lists are published
        self._status_indexes = status_indexes

    def endorse(
        self,
        endorser_id: UUID,
        *,
        issuer_id: UUID,
        achievement_id: str | None,
        comment: str,
        at: datetime,
    ) -> Endorsement:
        """Endorse an issuer's achievement (or, without `achievement_id`, the issuer itself).

        Refused: an endorser the registry does not recognise as an accrediting body at `at`
        (403), endorsing oneself (422), an unknown issuer (404) or achievement (404).
        """
        if endorser_id == issuer_id:
            raise EndorsementRefusedError(
                "an issuer cannot endorse itself or its own achievements; an accrediting body "
                "endorses another issuer's work"
            )
        endorser = self._ledger.issuer(endorser_id)
        if not self._ledger.accredits(endorser.did, at):
            raise NotAnAccreditingBodyError(
                f"{endorser.name} is not recognised as an accrediting body, so it cannot "
                "endorse: ask the ledger operator to recognise it (passport issuer accredit "
                f"{endorser.did}, or POST /api/v1/admin/registry/entities/{endorser.did}/"
                "accrediting)"
            )
        if endorser.current_key is None:
            raise IssuerKeyError(f"issuer {endorser_id} has no current key to sign with")
        target = self._ledger.issuer(issuer_id)
        if achievement_id is None:
            subject_id, subject_name = target.did, target.name
            recorded_target = f"{ISSUER_TARGET_PREFIX}{target.id}"
        else:
            definition = target.achievements.get(achievement_id)
            if definition is None:
                raise AchievementNotFoundError(achievement_id)
            subject_id = str(definition["achievement"].get("id", f"urn:uuid:{achievement_id}"))
            subject_name = str(definition["achievement"].get("name", achievement_id))
            recorded_target = achievement_id
        credential_id = f"urn:uuid:{uuid.uuid4()}"
        list_no, index = self._status_indexes.reserve(str(endorser.id), credential_id)
        unsigned = endorsement_credential(
            credential_id=credential_id.removeprefix("urn:uuid:"),
            endorser={
                "id": endorser.did,
                "type": ["Profile"],
                "name": endorser.name,
                "url": endorser.url,
            },
            subject_id=subject_id,
            subject_name=subject_name,
            comment=comment,
            at=at,
        )
        unsigned["credentialStatus"] = status_entry(
            self._awarding.status_list_url(endorser.slug, MESSAGE, list_no),
            index,
            self._awarding.status_reference_url(),
        )
        signer = self._keys.signer(endorser.current_key.rsplit("#", 1)[1])
        # eddsa-rdfc-2022, as 1EdTech certification asks; a list of proofs, as its schema does.
        credential = CRYPTOSUITES[RDFC].create_proof(
            unsigned, signer, endorser.current_key, created=at, proof_as_array=True
        )
        jwt = encode_vc_jwt(unsigned, signer, endorser.current_key, issued_at=at)
        entry = AwardEntry(
            staff_identifier=holder_of(endorser.slug),
            name="",
            email="",
            credential_id=credential_id,
            issuer_id=endorser.id,
            achievement_id=recorded_target,
            kind=ENDORSEMENT_KIND,
            credential=credential,
            jwt=jwt,
        )
        for _ in range(RECORD_ATTEMPTS):
            try:
                self._ledger.record_awards([entry])
            except IntegrityError:  # the holder passport changed under us: try again
                continue
            AWARDS_RECORDED.inc()
            return Endorsement(credential_id, recorded_target, credential, jwt)
        raise ConcurrentChangeError(endorser_id)
