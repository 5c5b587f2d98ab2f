"""Keeps maintained badges honest: a follower that suspends an award the day its rule is missed
("not maintained") and reinstates it when the learner catches up, each as recorded events.

It follows the log from its own position (awards, status changes, rules: the learners they
touch are looked at again) and, each round, the awards whose next check is due
(`upkeep_schedule`, indexed by day). One process runs it (elected like the projection
follower); the `Upkeep` aggregate records each lapse and restoration once, whoever runs it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
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
from issuers.log_reader import LogReader
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
        for (learner_id,) in due:
            self.reconcile(str(learner_id))
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
        learners: dict[str, None] = {}
        for notification in notifications:
            if notification.topic in RULE_TOPICS:
                rule: Any = self._ledger.mapper.to_domain_event(notification)
                learners.update(dict.fromkeys(self._holders(rule.achievement_id)))
            else:
                learners[str(notification.originator_id)] = None
        for learner_id in learners:
            self.reconcile(learner_id)
        self._log.advance(reached)
        return True

    def _holders(self, achievement_id: str) -> list[str]:
        with self._database.read() as tx:
            rows = tx.execute(
                "SELECT DISTINCT learner_id FROM rm_credentials WHERE achievement_id = ?",
                (achievement_id,),
            )
        return [str(r[0]) for r in rows]

    def reconcile(self, learner_id: str) -> None:
        """Bring each of the learner's maintained awards to where its rule puts it today."""
        today = self._clock().date()
        with self._database.read() as tx:
            rows = tx.execute(
                "SELECT credential_id, achievement_id, valid_from, credits, status "
                "FROM rm_credentials WHERE learner_id = ? AND kind <> 'vc-api'",
                (learner_id,),
            )
            rules = maintenance.rules_for(tx, [str(r[1]) for r in rows])
            upkeep = maintenance.upkeep_of(tx, learner_id)
        earned = [
            Earned(str(r[1]), date.fromisoformat(str(r[2])[:10]), float(r[3] or 0.0))
            for r in rows
            if r[4] == "active"
        ]
        schedule: list[tuple[str, str | None]] = []
        for credential_id, achievement_id, valid_from, _, status in rows:
            rule = rules.get(str(achievement_id))
            if rule is None or status == "revoked":
                schedule.append((str(credential_id), None))
                continue
            badge_earned = date.fromisoformat(str(valid_from)[:10])
            now = standing(rule, str(achievement_id), badge_earned, earned, today)
            lapsed = upkeep.get(str(credential_id)) is not None
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
        self._schedule(learner_id, schedule)

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

    def _schedule(self, learner_id: str, schedule: list[tuple[str, str | None]]) -> None:
        if not schedule:
            return
        with self._database.transaction() as tx:
            for credential_id, next_check in schedule:
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


def _after(day: str) -> str:
    """The day to look again: the day after the last day an award is current."""
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()
