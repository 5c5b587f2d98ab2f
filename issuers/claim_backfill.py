"""Claims for credentials recorded before claims existed: a one-time, resumable backfill.

Every credential recorded since `CredentialClaim` existed got its claim in the same write. Earlier
dev stores hold credentials without one, so a retry of such an award (same idempotency key) was
not recognised and recorded the credential a second time. Here each such credential gets its
claim, written as an event like any other (so the award path stays one keyed read per credential,
whatever the ledger's size): the log's `CredentialIssued` events are read once, in order, up to
the position they reached when the backfill began, the position reached is kept after each batch
(an interrupted backfill resumes there), and once done, opening the store costs one read.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Notification
from eventsourcing.utils import get_topic

from events.application import Ledger
from events.claim import CredentialClaim
from events.errors import EventSignatureError
from events.issuer import AchievementKind
from events.passport import Passport
from issuers.awarding import award_digest
from projections.database import ReadModelDatabase

BACKFILL = "credential-claims"
BATCH = 500
SCHEMA = """CREATE TABLE IF NOT EXISTS ledger_backfills (
    name TEXT PRIMARY KEY, position BIGINT NOT NULL, done INTEGER NOT NULL)"""
AWARD_KINDS = frozenset(k.value for k in AchievementKind)
_log = logging.getLogger(__name__)


def backfill_claims(ledger: Ledger, database: ReadModelDatabase) -> int:
    """Write the claim of every credential recorded without one; return how many were written.

    Done once per store: later calls read one row. Claims a racing writer made meanwhile are
    left as they are.
    """
    with database.transaction() as tx:
        tx.execute(SCHEMA)
        rows = tx.execute("SELECT position, done FROM ledger_backfills WHERE name = ?", (BACKFILL,))
    if rows and rows[0][1]:
        return 0
    position = int(rows[0][0]) if rows else 0
    end = ledger.recorder.max_notification_id() or 0
    topic = get_topic(Passport.CredentialIssued)
    written = 0
    while position < end:
        batch = ledger.recorder.select_notifications(position + 1, BATCH, stop=end, topics=[topic])
        if not batch:
            break
        written += _claim(ledger, batch)
        position = batch[-1].id
        _keep(database, position, done=False)
    _keep(database, end, done=True)
    if written:
        _log.warning("wrote %d claims of credentials recorded before claims existed", written)
    return written


def _claim(ledger: Ledger, notifications: Sequence[Notification]) -> int:
    """Claim the credentials of these `CredentialIssued` events that have none (each event's
    signature is checked as it is read, a tampered one is logged and skipped); a credential id
    recorded twice is claimed by the first."""
    issued: dict[str, Any] = {}
    for notification in notifications:
        try:
            event = ledger.mapper.to_domain_event(notification)
        except EventSignatureError as exc:
            # `passport audit` names it too; a tampered event must not keep the store shut.
            _log.error("no claim for notification %d: %s", notification.id, exc)
            continue
        if isinstance(event, Passport.CredentialIssued):
            issued.setdefault(event.credential_id, event)
    claimed = ledger.credential_claims(list(issued))
    missing = [(cid, e.originator_id, recorded_digest(e)) for cid, e in issued.items()]
    missing = [m for m in missing if m[0] not in claimed]
    try:
        ledger.save(*(_new_claim(*m) for m in missing))
    except IntegrityError:  # some id was claimed meanwhile: the rest one at a time
        written = 0
        for m in missing:
            try:
                ledger.save(_new_claim(*m))
            except IntegrityError:
                continue
            written += 1
        return written
    return len(missing)


def _new_claim(credential_id: str, learner_id: UUID, request: str) -> CredentialClaim:
    return CredentialClaim(credential_id=credential_id, learner_id=str(learner_id), request=request)


def recorded_digest(event: Passport.CredentialIssued) -> str:
    """The award request's digest (`issuers.awarding.request_digest`) read back from the
    credential it recorded; "" for what was not an award (VC API, endorsements) or when the
    credential does not say (the award path then asks only that the learner match)."""
    if event.kind not in AWARD_KINDS:
        return ""
    credential = event.credential
    valid_from = credential.get("validFrom")
    subject = credential.get("credentialSubject")
    proofs = credential.get("proof")
    proof = proofs[0] if isinstance(proofs, list) and proofs else proofs
    suite = proof.get("cryptosuite") if isinstance(proof, dict) else None
    if not (isinstance(valid_from, str) and isinstance(subject, dict) and isinstance(suite, str)):
        return ""
    try:
        earned_on = date.fromisoformat(valid_from[:10]).isoformat()
    except ValueError:
        return ""
    credits = subject.get("creditsEarned")
    if credits is not None and not isinstance(credits, int | float):
        return ""
    return award_digest(
        event.originator_id,
        event.achievement_id,
        earned_on,
        None if credits is None else float(credits),
        suite,
    )


def _keep(database: ReadModelDatabase, position: int, *, done: bool) -> None:
    with database.transaction() as tx:
        tx.execute(
            "INSERT INTO ledger_backfills (name, position, done) VALUES (?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET position = excluded.position, done = excluded.done",
            (BACKFILL, position, int(done)),
        )
