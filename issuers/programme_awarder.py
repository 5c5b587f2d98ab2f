"""The ledger's own awarding of programmes: a follower of the log with its own tracked position.

Each round reads the passport events recorded since its position (only as far as the read
models have applied them, since it evaluates learners from the read models), and reconciles
each learner they touch: a programme whose rules the learner's active credentials now satisfy
is awarded, and a programme credential whose evidence names a revoked module is flagged for
its issuer (never revoked by the ledger). A programme's definition reconciles the learners who
already hold one of its named modules.

Exactly once: the award's idempotency key is derived from (programme, learner), so every
evaluation, by any process, after any rebuild, gets the same credential id, and the ledger
records a credential id once (its claim). One process runs this at a time (elected like the
projection follower), but two at once still award once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from events.application import Ledger
from events.errors import (
    AchievementNotFoundError,
    AchievementRetiredError,
    IdempotencyKeyReusedError,
    IssuerKeyError,
    LearnerErasedError,
    LearnerNotFoundError,
)
from events.passport import Passport
from events.programme import Programme
from issuers.awarding import Awarding, AwardRequest, Learner
from issuers.log_reader import LogReader
from issuers.programme_rules import Held, evaluate, evidence
from issuers.programmes import flag_award
from projections import programmes
from projections.database import ReadModelDatabase, Transaction
from projections.runner import ProjectionRunner

log = logging.getLogger(__name__)

TRACKING_NAME = "programme-awarder"
TOPICS = tuple(
    get_topic(cls)
    for cls in (
        Passport.CredentialIssued,
        Passport.CredentialRevoked,
        Passport.CredentialReinstated,
        Programme.Defined,
    )
)
DEFINED_TOPIC = get_topic(Programme.Defined)
NOT_AWARDABLE = (
    AchievementNotFoundError,
    AchievementRetiredError,
    IssuerKeyError,
    LearnerErasedError,
    LearnerNotFoundError,
)


def idempotency_key(programme_id: str, learner_id: str) -> str:
    """The one award of a programme to a learner, whoever evaluates it, however often."""
    return f"programme:{programme_id}:learner:{learner_id}"


class ProgrammeAwarder:
    """Awards programmes whose rules learners meet, and flags awards whose modules were revoked."""

    def __init__(
        self,
        ledger: Ledger,
        awarding: Awarding,
        database: ReadModelDatabase,
        projections: ProjectionRunner,
        clock: Callable[[], datetime],
    ) -> None:
        self._ledger = ledger
        self._awarding = awarding
        self._database = database
        self._projections = projections
        self._clock = clock
        self._log = LogReader(TRACKING_NAME, ledger.recorder, database, projections, TOPICS)

    def follow(self) -> bool:
        """One round: reconcile the learners of the next batch of events; whether there was one."""
        batch = self._log.next_batch()
        if batch is None:
            return False
        notifications, reached = batch
        learners: dict[str, None] = {}
        for notification in notifications:
            if notification.topic == DEFINED_TOPIC:
                learners.update(dict.fromkeys(self._holders(str(notification.originator_id))))
            else:
                learners[str(notification.originator_id)] = None
        for learner_id in learners:
            self.reconcile(learner_id)
        self._log.advance(reached)
        return True

    def run_until_idle(self) -> None:
        """Apply the read models, then award until the log is followed to its head (CLI, demo)."""
        self._projections.catch_up()
        while self.follow():
            self._projections.catch_up()

    def position(self) -> int:
        """The log position this follower has reconciled up to."""
        return self._log.position()

    def reconcile(self, learner_id: str) -> None:
        """Award what the learner now satisfies; flag awards that relied on a revoked module."""
        with self._database.read() as tx:
            rows = _credentials(tx, learner_id)
            held = [_held(r) for r in rows if r["status"] == "active" and r["kind"] != "vc-api"]
            holding = {r["achievement_id"] for r in rows}
            candidates = programmes.drawing_on(
                tx,
                [h.achievement_id for h in held],
                sorted({t for h in held for t in h.tags}),
            )
            awarded = programmes.by_achievements(tx, sorted(holding))
            statuses = {r["credential_id"]: r for r in rows}
            to_flag = [
                (p, r, statuses[module])
                for p in awarded
                for r in rows
                if r["achievement_id"] == p.achievement_id
                for module in _evidence_ids(r["credential"])
                if module in statuses
                and statuses[module]["status"] == "revoked"
                and not programmes.flagged(tx, r["credential_id"], module)
            ]
        for programme in candidates:
            if programme.achievement_id in holding:
                continue
            satisfied = evaluate(programme.rules, held)
            if satisfied is not None:
                self._award(programme, learner_id, satisfied.earned_on, evidence(satisfied))
        for programme, award, module in to_flag:
            flag_award(
                self._ledger,
                UUID(programme.programme_id),
                award["credential_id"],
                learner_id,
                module["credential_id"],
                f"module credential {module['credential_id']} ({module['name']}) that this "
                "programme award relied on was revoked: review the award, and revoke it or "
                "keep it",
            )

    def _award(
        self,
        programme: programmes.ProgrammeRecord,
        learner_id: str,
        earned_on: date,
        entries: list[dict[str, Any]],
    ) -> None:
        try:
            personal = self._ledger.learner(UUID(learner_id)).personal
            if personal is None:  # erased: nothing new is issued to them
                return
            request = AwardRequest(
                achievement_id=programme.achievement_id,
                learner=Learner(personal.staff_identifier, personal.name, personal.email),
                earned_on=earned_on,
                credits_earned=None,
                idempotency_key=idempotency_key(programme.programme_id, learner_id),
                evidence=tuple(entries),
            )
            self._awarding.award_many(UUID(programme.issuer_id), [request], at=self._clock())
        except IdempotencyKeyReusedError:
            return  # awarded before from another evaluation (other modules, another day)
        except NOT_AWARDABLE as error:
            log.warning("programme %s not awarded: %s", programme.programme_id, error)

    def _holders(self, programme_id: str) -> list[str]:
        """The learners holding a module a newly defined programme names (background only)."""
        with self._database.read() as tx:
            record = programmes.programme(tx, programme_id)
            if record is None:
                return []
            modules = sorted(programmes.modules_of(tx, programme_id))
            found: dict[str, None] = {}
            for start in range(0, len(modules), 200):
                chunk = modules[start : start + 200]
                marks = ", ".join("?" * len(chunk))
                rows = tx.execute(
                    "SELECT DISTINCT learner_id FROM rm_credentials "  # noqa: S608
                    f"WHERE status = 'active' AND achievement_id IN ({marks})",
                    chunk,
                )
                found.update(dict.fromkeys(str(r[0]) for r in rows))
        return list(found)


def _credentials(tx: Transaction, learner_id: str) -> list[dict[str, Any]]:
    rows = tx.execute(
        "SELECT credential_id, achievement_id, name, kind, valid_from, credits, status, credential "
        "FROM rm_credentials WHERE learner_id = ? ORDER BY position",
        (learner_id,),
    )
    names = ("credential_id", "achievement_id", "name", "kind", "valid_from", "credits", "status")
    return [
        {**dict(zip(names, row[:7], strict=True)), "credential": json.loads(row[7])} for row in rows
    ]


def _held(row: dict[str, Any]) -> Held:
    subject = row["credential"].get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    tags = achievement.get("tag") if isinstance(achievement, dict) else None
    return Held(
        credential_id=str(row["credential_id"]),
        achievement_id=str(row["achievement_id"]),
        name=str(row["name"]),
        earned_on=date.fromisoformat(str(row["valid_from"])[:10]),
        credits=float(row["credits"] or 0.0),
        tags=frozenset(t for t in tags if isinstance(t, str))
        if isinstance(tags, list)
        else frozenset(),
    )


def _evidence_ids(credential: dict[str, Any]) -> Sequence[str]:
    entries = credential.get("evidence")
    if not isinstance(entries, list):
        return []
    return [e["id"] for e in entries if isinstance(e, dict) and isinstance(e.get("id"), str)]
