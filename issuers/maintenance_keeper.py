"""Keeps maintained badges honest: a follower that suspends an award the day its rule is missed
("not maintained") and reinstates it when the learner catches up, each as recorded events.

It follows the log from its own position (awards, status changes, rules: the learners they
touch who hold an award a rule is in force for are looked at again, read together per batch)
and, each round, the awards whose next check is due (`upkeep_schedule`, indexed by day). One
process runs it (elected like the projection follower); the `Upkeep` aggregate records each
lapse and restoration once, whoever runs it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from events.application import Ledger
from events.errors import LedgerError
from events.maintenance import MaintenanceRule, Upkeep
from events.passport import Passport
from issuers.log_reader import LogReader, chunks, marks
from issuers.maintenance_rules import NOT_MAINTAINED, Earned, standing
from projections import maintenance
from projections.database import ReadModelDatabase
from projections.runner import ProjectionRunner

log = logging.getLogger(__name__)

TRACKING_NAME = "maintenance-keeper"
MAX_ATTEMPTS = 5
RESTORED = "maintained again"
RULE_TOPICS = (get_topic(MaintenanceRule.RuleSet), get_topic(MaintenanceRule.RuleChanged))
TOPICS = (
    get_topic(Passport.CredentialIssued),
    get_topic(Passport.CredentialRevoked),
    get_topic(Passport.CredentialSuspended),
    get_topic(Passport.CredentialReinstated),
    *RULE_TOPICS,
)


class MaintenanceKeeper:
    """Suspends awards whose maintenance rule was missed, and reinstates them on catch-up."""

    def __init__(
        self,
        ledger: Ledger,
        database: ReadModelDatabase,
        projections: ProjectionRunner,
        clock: Callable[[], datetime],
    ) -> None:
        self._ledger = ledger
        self._database = database
        self._projections = projections
        self._clock = clock
        self._log = LogReader(TRACKING_NAME, ledger.recorder, database, projections, TOPICS)

    def follow(self) -> bool:
        """One round: the learners of the next batch of events, then the awards due today."""
        did = self._follow_log()
        today = self._clock().date()
        with self._database.read() as tx:
            due = tx.execute(
                "SELECT DISTINCT learner_id FROM upkeep_schedule "
                "WHERE next_check IS NOT NULL AND next_check <= ? LIMIT 500",
                (today.isoformat(),),
            )
        self._reconcile_all([str(r[0]) for r in due])
        return did or bool(due)

    def run_until_idle(self) -> None:
        """Apply the read models, then keep up until nothing is left to do (CLI, demo, tests)."""
        self._projections.catch_up()
        while self.follow():
            self._projections.catch_up()

    def _follow_log(self) -> bool:
        batch = self._log.next_batch()
        if batch is None:
            return False
        notifications, reached = batch
        # A rule's holders are all looked at again (a removed rule clears their schedule);
        # a learner an award or status change touched only if they hold a maintained award.
        holders: dict[str, None] = {}
        touched: dict[str, None] = {}
        for notification in notifications:
            if notification.topic in RULE_TOPICS:
                rule: Any = self._ledger.mapper.to_domain_event(notification)
                holders.update(dict.fromkeys(self._holders(rule.achievement_id)))
            else:
                touched[str(notification.originator_id)] = None
        others = [learner_id for learner_id in touched if learner_id not in holders]
        self._reconcile_all([*holders, *self._maintained(others)])
        self._log.advance(reached)
        return True

    def _holders(self, achievement_id: str) -> list[str]:
        with self._database.read() as tx:
            rows = tx.execute(
                "SELECT DISTINCT learner_id FROM rm_credentials WHERE achievement_id = ?",
                (achievement_id,),
            )
        return [str(r[0]) for r in rows]

    def _maintained(self, learner_ids: list[str]) -> list[str]:
        """Those of these learners holding an award a rule is in force for (one read)."""
        found: set[str] = set()
        with self._database.read() as tx:
            for chunk in chunks(learner_ids):
                rows = tx.execute(
                    "SELECT DISTINCT c.learner_id FROM rm_credentials c "  # noqa: S608
                    "JOIN rm_maintenance_rules r ON r.achievement_id = c.achievement_id "
                    "WHERE r.rule IS NOT NULL AND c.kind <> 'vc-api' "
                    f"AND c.learner_id IN ({marks(chunk)})",
                    chunk,
                )
                found.update(str(r[0]) for r in rows)
        return [learner_id for learner_id in learner_ids if learner_id in found]

    def reconcile(self, learner_id: str) -> None:
        """Bring each of the learner's maintained awards to where its rule puts it today."""
        self._reconcile_all([learner_id])

    def _reconcile_all(self, learner_ids: list[str]) -> None:
        """Reconcile these learners: one read for them all, the ledger changes each needs,
        and one write of the schedule rows that changed (none when nothing did)."""
        if not learner_ids:
            return
        today = self._clock().date()
        held = self._read(learner_ids)
        schedule: dict[str, tuple[str, str | None]] = {}
        for learner_id in learner_ids:
            rows = held.rows.get(learner_id, [])
            for credential_id, next_check in self._standings(learner_id, rows, held, today):
                schedule[credential_id] = (learner_id, next_check)
        self._schedule(
            {
                credential_id: change
                for credential_id, change in schedule.items()
                if held.scheduled.get(credential_id) != _stored(change[1])
            }
        )

    def _read(self, learner_ids: list[str]) -> _Held:
        held = _Held({}, {}, {}, {})
        with self._database.read() as tx:
            for chunk in chunks(learner_ids):
                rows = tx.execute(
                    "SELECT learner_id, credential_id, achievement_id, valid_from, credits, "  # noqa: S608
                    "status FROM rm_credentials "
                    f"WHERE kind <> 'vc-api' AND learner_id IN ({marks(chunk)}) ORDER BY position",
                    chunk,
                )
                for row in rows:
                    held.rows.setdefault(str(row[0]), []).append(tuple(row[1:]))
            achievements = sorted({str(r[1]) for rs in held.rows.values() for r in rs})
            held.rules.update(maintenance.rules_for(tx, achievements))
            every = sorted(str(r[0]) for rs in held.rows.values() for r in rs)
            for chunk in chunks(every):
                for credential_id, lapsed_on in tx.execute(
                    "SELECT credential_id, lapsed_on FROM rm_upkeep "  # noqa: S608
                    f"WHERE credential_id IN ({marks(chunk)})",
                    chunk,
                ):
                    held.upkeep[str(credential_id)] = lapsed_on
                for credential_id, next_check in tx.execute(
                    "SELECT credential_id, next_check FROM upkeep_schedule "  # noqa: S608
                    f"WHERE credential_id IN ({marks(chunk)})",
                    chunk,
                ):
                    held.scheduled[str(credential_id)] = (
                        None if next_check is None else str(next_check)
                    )
        return held

    def _standings(
        self, learner_id: str, rows: list[tuple[Any, ...]], held: _Held, today: date
    ) -> list[tuple[str, str | None]]:
        """Lapse or restore the learner's maintained awards; each one's next day to look."""
        earned = [
            Earned(str(r[1]), date.fromisoformat(str(r[2])[:10]), float(r[3] or 0.0))
            for r in rows
            if r[4] == "active"
        ]
        schedule: list[tuple[str, str | None]] = []
        for credential_id, achievement_id, valid_from, _, status in rows:
            rule = held.rules.get(str(achievement_id))
            if rule is None or status == "revoked":
                schedule.append((str(credential_id), None))
                continue
            badge_earned = date.fromisoformat(str(valid_from)[:10])
            now = standing(rule, str(achievement_id), badge_earned, earned, today)
            lapsed = held.upkeep.get(str(credential_id)) is not None
            try:
                if now.current:
                    if lapsed:
                        self._restore(learner_id, str(credential_id), status, today)
                    schedule.append((str(credential_id), (now.due_by or today).isoformat()))
                else:
                    assert now.lapsed_on is not None
                    self._lapse(learner_id, str(credential_id), status, now.lapsed_on, now.keep_up)
                    schedule.append((str(credential_id), None))
            except LedgerError as error:  # the learner erased, a racing change: tomorrow
                log.warning("upkeep of %s not changed: %s", credential_id, error)
                schedule.append((str(credential_id), today.isoformat()))
        return schedule

    def _lapse(self, learner_id: str, credential_id: str, status: str, on: date, why: str) -> None:
        """Suspend an active award as not maintained. One the issuer suspended is left alone
        (no lapse is recorded, so catching up never lifts the issuer's suspension)."""
        if status != "active":
            return
        self._record(credential_id, learner_id, lambda u: u.lapse(on.isoformat(), why))
        # Dated the day the rule was missed, so an as-of check sees it from then even when
        # the keeper runs days later.
        self._ledger.suspend_credential(UUID(learner_id), credential_id, NOT_MAINTAINED, on)

    def _restore(self, learner_id: str, credential_id: str, status: str, today: date) -> None:
        if status == "suspended":
            self._ledger.reinstate_credential(UUID(learner_id), credential_id, RESTORED)
        self._record(credential_id, learner_id, lambda u: u.restore(today.isoformat()))

    def _record(
        self, credential_id: str, learner_id: str, change: Callable[[Upkeep], bool]
    ) -> None:
        upkeep_id = Upkeep.create_id(credential_id)
        for _ in range(MAX_ATTEMPTS):
            found: object = None
            try:
                found = self._ledger.repository.get(upkeep_id)
            except AggregateNotFoundError:  # its first change starts the record
                found = None
            upkeep = found if isinstance(found, Upkeep) else Upkeep(credential_id, learner_id)
            if not change(upkeep):
                return
            try:
                self._ledger.save(upkeep)
            except IntegrityError:
                continue
            return

    def _schedule(self, changes: dict[str, tuple[str, str | None]]) -> None:
        """Write the schedule rows that changed, in one transaction (none when none did)."""
        if not changes:
            return
        with self._database.transaction() as tx:
            for credential_id, (learner_id, next_check) in changes.items():
                if next_check is None:  # nothing to look at by date: no row is added for it
                    tx.execute(
                        "UPDATE upkeep_schedule SET next_check = NULL WHERE credential_id = ?",
                        (credential_id,),
                    )
                    continue
                tx.execute(
                    "INSERT INTO upkeep_schedule (credential_id, learner_id, next_check) "
                    "VALUES (?, ?, ?) ON CONFLICT (credential_id) "
                    "DO UPDATE SET next_check = excluded.next_check",
                    (credential_id, learner_id, _after(next_check)),
                )


@dataclass
class _Held:
    """What a round reads for its learners: their awards (by learner), the rules in force for
    them, and by credential the upkeep lapses and the schedule rows."""

    rows: dict[str, list[tuple[Any, ...]]]
    rules: dict[str, dict[str, Any]]
    upkeep: dict[str, str | None]
    scheduled: dict[str, str | None]


def _stored(next_check: str | None) -> str | None:
    """The schedule row as it would be written for this next check (None: no day to look)."""
    return None if next_check is None else _after(next_check)


def _after(day: str) -> str:
    """The day to look again: the day after the last day an award is current."""
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()
