"""Read models of maintenance rules and of each award's upkeep, and the keeper's schedule.

`upkeep_schedule` is the keeper's own (never cleared by a rebuild, recomputed from the read
models): the next day each maintained award must be looked at again, indexed, so a round reads
only the awards due, whatever the size of the ledger.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from projections.database import Transaction

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS rm_maintenance_rules (
        achievement_id TEXT PRIMARY KEY, issuer_id TEXT NOT NULL, rule TEXT)""",
    """CREATE TABLE IF NOT EXISTS rm_upkeep (
        credential_id TEXT PRIMARY KEY, learner_id TEXT NOT NULL, lapsed_on TEXT,
        reason TEXT, changed_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS upkeep_schedule (
        credential_id TEXT PRIMARY KEY, learner_id TEXT NOT NULL, next_check TEXT)""",
    "CREATE INDEX IF NOT EXISTS upkeep_schedule_due ON upkeep_schedule (next_check)",
)
TABLES = ("rm_maintenance_rules", "rm_upkeep")


def _rule_set(tx: Transaction, e: Any) -> None:
    tx.execute(
        "INSERT INTO rm_maintenance_rules (achievement_id, issuer_id, rule) VALUES (?, ?, ?) "
        "ON CONFLICT (achievement_id) DO UPDATE SET rule = excluded.rule",
        (e.achievement_id, e.issuer_id, json.dumps(e.rule)),
    )


def _rule_changed(tx: Transaction, e: Any) -> None:
    tx.execute(
        "UPDATE rm_maintenance_rules SET rule = ? WHERE achievement_id = ?",
        (None if e.rule is None else json.dumps(e.rule), e.achievement_id),
    )


def _upkeep_started(tx: Transaction, e: Any) -> None:
    tx.execute(
        "INSERT INTO rm_upkeep (credential_id, learner_id, lapsed_on, reason, changed_at) "
        "VALUES (?, ?, NULL, NULL, ?) ON CONFLICT (credential_id) DO NOTHING",
        (e.credential_id, e.learner_id, e.timestamp.isoformat()),
    )


def _upkeep_changed(lapsed: bool) -> Callable[[Transaction, Any], None]:
    def handle(tx: Transaction, e: Any) -> None:
        tx.execute(
            "UPDATE rm_upkeep SET lapsed_on = ?, reason = ?, changed_at = ? "
            "WHERE credential_id = ?",
            (
                e.on if lapsed else None,
                e.reason if lapsed else None,
                e.timestamp.isoformat(),
                e.credential_id,
            ),
        )

    return handle


HANDLERS: dict[str, Callable[[Transaction, Any], None]] = {
    "MaintenanceRule.RuleSet": _rule_set,
    "MaintenanceRule.RuleChanged": _rule_changed,
    "Upkeep.Started": _upkeep_started,
    "Upkeep.Lapsed": _upkeep_changed(lapsed=True),
    "Upkeep.Restored": _upkeep_changed(lapsed=False),
}


def apply(tx: Transaction, event: Any) -> None:
    """Apply one event of the log to the maintenance read models (others are skipped)."""
    handler = HANDLERS.get(type(event).__qualname__)
    if handler is not None:
        handler(tx, event)


def rules_for(tx: Transaction, achievement_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The rules in force for these achievements (those without one are absent)."""
    values = sorted(set(achievement_ids))
    if not values:
        return {}
    rows = tx.execute(
        "SELECT achievement_id, rule FROM rm_maintenance_rules "  # noqa: S608
        f"WHERE rule IS NOT NULL AND achievement_id IN ({', '.join('?' * len(values))})",
        values,
    )
    return {str(r[0]): json.loads(r[1]) for r in rows}


def rule_of(tx: Transaction, achievement_id: str) -> dict[str, Any] | None:
    """The rule in force for one achievement, if any."""
    return rules_for(tx, [achievement_id]).get(achievement_id)
