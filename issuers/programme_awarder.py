"""The ledger's own awarding of programmes: a follower of the log with its own tracked position.

Each round reads the passport events recorded since its position (only as far as the read
models have applied them, since it evaluates learners from the read models), and reconciles
each learner they touch who holds a programme's module, award or tag (found, and read, with one
query per batch, so a cohort of other awards costs it next to nothing): a programme whose
rules the learner's active credentials now satisfy is awarded, and a programme credential
whose evidence names a revoked module is flagged for its issuer (never revoked by the
ledger). A programme's definition reconciles the learners who already hold one of its named
modules.

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
from issuers.log_reader import LogReader, chunks, marks
from issuers.programme_rules import Held, Satisfied, evaluate, evidence
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
CHUNK = 100  # awards per atomic write
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
        # A new programme's module holders are all evaluated; a learner an award or status
        # change touched only if they hold something a programme draws on or awards.
        holders: dict[str, None] = {}
        touched: dict[str, None] = {}
        for notification in notifications:
            if notification.topic == DEFINED_TOPIC:
                holders.update(dict.fromkeys(self._holders(str(notification.originator_id))))
            else:
                touched[str(notification.originator_id)] = None
        others = [learner_id for learner_id in touched if learner_id not in holders]
        self._award_all(self._due_all([*holders, *self._concerned(others)]))
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
        self._award_all(self._due_all([learner_id]))

    def _concerned(self, learner_ids: list[str]) -> list[str]:
        """Those of these learners holding a module or an award of some programme, or an active
        credential tagged as one draws on: the rest have nothing to evaluate (one read)."""
        found: set[str] = set()
        with self._database.read() as tx:
            # Two index-driven reads: what the learners hold, then which of those achievements
            # some programme draws on or awards (a join lets the planner scan the catalogue).
            held: dict[str, set[str]] = {}
            for chunk in chunks(learner_ids):
                rows = tx.execute(
                    "SELECT DISTINCT achievement_id, learner_id FROM rm_credentials "  # noqa: S608
                    f"WHERE learner_id IN ({marks(chunk)})",
                    chunk,
                )
                for achievement_id, learner_id in rows:
                    held.setdefault(str(achievement_id), set()).add(str(learner_id))
            for chunk in chunks(sorted(held)):
                rows = tx.execute(
                    "SELECT achievement_id FROM rm_programme_modules "  # noqa: S608
                    f"WHERE achievement_id IN ({marks(chunk)}) UNION "
                    "SELECT achievement_id FROM rm_programmes "
                    f"WHERE achievement_id IN ({marks(chunk)})",
                    [*chunk, *chunk],
                )
                for (achievement_id,) in rows:
                    found.update(held[str(achievement_id)])
            tags = {str(r[0]) for r in tx.execute("SELECT DISTINCT tag FROM rm_programme_tags")}
            rest = [learner_id for learner_id in learner_ids if learner_id not in found]
            for chunk in chunks(rest) if tags else []:
                rows = tx.execute(
                    "SELECT learner_id, credential FROM rm_credentials "  # noqa: S608
                    f"WHERE learner_id IN ({marks(chunk)}) AND status = 'active' "
                    "AND kind <> 'vc-api'",
                    chunk,
                )
                found.update(str(r[0]) for r in rows if _tags(json.loads(r[1])) & tags)
        return [learner_id for learner_id in learner_ids if learner_id in found]

    def _due_all(self, learner_ids: list[str]) -> list[tuple[str, AwardRequest]]:
        """Flag these learners' awards that relied on a revoked module; the awards now due to
        them, by issuer (not yet made). One read for them all."""
        if not learner_ids:
            return []
        evaluated: list[tuple[str, list[programmes.ProgrammeRecord], list[Held], set[str]]] = []
        to_flag: list[tuple[str, programmes.ProgrammeRecord, dict[str, Any], dict[str, Any]]] = []
        drawing: dict[
            tuple[tuple[str, ...], tuple[str, ...]], list[programmes.ProgrammeRecord]
        ] = {}
        awarding: dict[tuple[str, ...], list[programmes.ProgrammeRecord]] = {}
        with self._database.read() as tx:
            held_by = _credentials(tx, learner_ids)
            # Tags are inside each credential's JSON: parsed only when some programme uses them.
            tagged = bool(tx.execute("SELECT 1 FROM rm_programme_tags LIMIT 1"))
            for learner_id in learner_ids:
                rows = held_by.get(learner_id, [])
                held = [
                    _held(r, tagged)
                    for r in rows
                    if r["status"] == "active" and r["kind"] != "vc-api"
                ]
                holding = {r["achievement_id"] for r in rows}
                # A cohort's learners mostly hold the same achievements: each set read once.
                drawn = (
                    tuple(sorted({h.achievement_id for h in held})),
                    tuple(sorted({t for h in held for t in h.tags})),
                )
                if drawn not in drawing:
                    drawing[drawn] = programmes.drawing_on(tx, *drawn)
                evaluated.append((learner_id, drawing[drawn], held, holding))
                owned = tuple(sorted(holding))
                if owned not in awarding:
                    awarding[owned] = programmes.by_achievements(tx, owned)
                awarded = awarding[owned]
                statuses = {r["credential_id"]: r for r in rows}
                to_flag.extend(
                    (learner_id, p, r, statuses[module])
                    for p in awarded
                    for r in rows
                    if r["achievement_id"] == p.achievement_id
                    for module in _evidence_ids(json.loads(r["credential"]))
                    if module in statuses
                    and statuses[module]["status"] == "revoked"
                    and not programmes.flagged(tx, r["credential_id"], module)
                )
        due = []
        for learner_id, candidates, held, holding in evaluated:
            for programme in candidates:
                if programme.achievement_id in holding:
                    continue
                satisfied = evaluate(programme.rules, held)
                request = (
                    None if satisfied is None else self._request(programme, learner_id, satisfied)
                )
                if request is not None:
                    due.append((programme.issuer_id, request))
        for learner_id, programme, award, module in to_flag:
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
        return due

    def _request(
        self, programme: programmes.ProgrammeRecord, learner_id: str, satisfied: Satisfied
    ) -> AwardRequest | None:
        """The award of the programme to the learner (None once they are erased)."""
        try:
            personal = self._ledger.learner(UUID(learner_id)).personal
        except LearnerNotFoundError:
            return None
        if personal is None:  # erased: nothing new is issued to them
            return None
        return AwardRequest(
            achievement_id=programme.achievement_id,
            learner=Learner(personal.staff_identifier, personal.name, personal.email),
            earned_on=satisfied.earned_on,
            credits_earned=None,
            idempotency_key=idempotency_key(programme.programme_id, learner_id),
            evidence=tuple(evidence(satisfied)),
        )

    def _award_all(self, due: list[tuple[str, AwardRequest]]) -> None:
        """Make the awards, in atomic chunks per issuer; a chunk refused as a whole (an award
        made before from other modules, an erased learner) is made one award at a time."""
        by_issuer: dict[str, list[AwardRequest]] = {}
        for issuer_id, request in due:
            by_issuer.setdefault(issuer_id, []).append(request)
        for issuer_id, requests in by_issuer.items():
            for start in range(0, len(requests), CHUNK):
                chunk = requests[start : start + CHUNK]
                try:
                    self._awarding.award_many(UUID(issuer_id), chunk, at=self._clock())
                except (IdempotencyKeyReusedError, *NOT_AWARDABLE):
                    for request in chunk:
                        self._award_one(issuer_id, request)

    def _award_one(self, issuer_id: str, request: AwardRequest) -> None:
        try:
            self._awarding.award_many(UUID(issuer_id), [request], at=self._clock())
        except IdempotencyKeyReusedError:
            return  # awarded before from another evaluation (other modules, another day)
        except NOT_AWARDABLE as error:
            log.warning("%s not awarded: %s", request.idempotency_key, error)

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


def _credentials(tx: Transaction, learner_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Each of these learners' credentials, in the order they were recorded."""
    names = ("credential_id", "achievement_id", "name", "kind", "valid_from", "credits", "status")
    found: dict[str, list[dict[str, Any]]] = {}
    for chunk in chunks(learner_ids):
        rows = tx.execute(
            "SELECT learner_id, credential_id, achievement_id, name, kind, valid_from, "  # noqa: S608
            f"credits, status, credential FROM rm_credentials WHERE learner_id IN ({marks(chunk)}) "
            "ORDER BY position",
            chunk,
        )
        for row in rows:
            found.setdefault(str(row[0]), []).append(
                {**dict(zip(names, row[1:8], strict=True)), "credential": str(row[8])}
            )
    return found


def _tags(credential: dict[str, Any]) -> frozenset[str]:
    """The tags of a credential's achievement."""
    subject = credential.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    tags = achievement.get("tag") if isinstance(achievement, dict) else None
    return (
        frozenset(t for t in tags if isinstance(t, str)) if isinstance(tags, list) else frozenset()
    )


def _held(row: dict[str, Any], tagged: bool) -> Held:
    """The credential as the rules see it (its tags read only when a programme draws on tags)."""
    return Held(
        credential_id=str(row["credential_id"]),
        achievement_id=str(row["achievement_id"]),
        name=str(row["name"]),
        earned_on=date.fromisoformat(str(row["valid_from"])[:10]),
        credits=float(row["credits"] or 0.0),
        tags=_tags(json.loads(row["credential"])) if tagged else frozenset(),
    )


def _evidence_ids(credential: dict[str, Any]) -> Sequence[str]:
    entries = credential.get("evidence")
    if not isinstance(entries, list):
        return []
    return [e["id"] for e in entries if isinstance(e, dict) and isinstance(e.get("id"), str)]
