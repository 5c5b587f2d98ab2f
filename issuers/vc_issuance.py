"""W3C VC API issuance: a caller's credential given an id and a status entry, signed, recorded."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from events.application import AwardEntry, Ledger
from events.errors import ConcurrentChangeError, CredentialIdTakenError, IssuerKeyError
from issuers.award_preparing import AwardPreparer
from issuers.metrics import AWARDS_RECORDED
from keys import KeyStore
from projections.status_lists import StatusIndexes
from verifier import eddsa_jcs_2022
from verifier.cryptosuites import CRYPTOSUITES
from verifier.jose import encode_vc_jwt

RECORD_ATTEMPTS = 5


def issue_document(
    ledger: Ledger,
    keys: KeyStore,
    status_indexes: StatusIndexes,
    preparer: AwardPreparer,
    issuer_id: UUID,
    unsigned: dict[str, Any],
    at: datetime,
    cryptosuite: str = eddsa_jcs_2022.CRYPTOSUITE,
) -> dict[str, Any]:
    """W3C VC API issuance: add an id and status entries, sign, record, return it.

    The credential is recorded in the passport of its subject's id (a pseudonymous
    holder), or of the issuer's VC API holder when the subject has none.
    """
    issuer = ledger.issuer(issuer_id)
    if issuer.current_key is None:
        raise IssuerKeyError(f"issuer {issuer_id} has no current key to sign with")
    document = {k: v for k, v in unsigned.items() if k != "proof"}
    document.setdefault("id", f"urn:uuid:{uuid.uuid4()}")
    list_no, index = status_indexes.reserve(str(issuer.id), document["id"])
    document["credentialStatus"] = preparer.status(issuer.slug, list_no, index)
    signer = keys.signer(issuer.current_key.rsplit("#", 1)[1])
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
            recorded = ledger.record_awards([entry])
        except IntegrityError:
            # Either the id was claimed meanwhile (a racing request) or the holder's
            # passport changed under us; only the second is worth another try.
            if ledger.credential_claim(entry.credential_id) is not None:
                raise CredentialIdTakenError(entry.credential_id) from None
            continue
        if not recorded:  # a racing request with this id was recorded first
            raise CredentialIdTakenError(entry.credential_id)
        AWARDS_RECORDED.inc(recorded)
        return credential
    raise ConcurrentChangeError(issuer_id)
