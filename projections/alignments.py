"""Which current achievements show which alignment (`targetFramework`, `targetCode`), by key.

`rm_achievement_alignments` answers "what in the catalogue would fill this gap" for the
learner's "What to learn next" from its primary key, whatever the number of achievements.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from projections.database import Transaction

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS rm_achievement_alignments (
        target_code TEXT NOT NULL, target_framework TEXT NOT NULL, achievement_id TEXT NOT NULL,
        PRIMARY KEY (target_code, target_framework, achievement_id))""",
    """CREATE INDEX IF NOT EXISTS rm_achievement_alignments_achievement
        ON rm_achievement_alignments (achievement_id)""",
)
TABLES = ("rm_achievement_alignments",)
SHOWN = 5  # achievements offered per gap


@dataclass(frozen=True)
class Offered:
    """A current achievement that shows an alignment."""

    achievement_id: str
    name: str
    issuer_name: str
    tags: tuple[str, ...] = ()


def _pairs(achievement: Any) -> set[tuple[str, str]]:
    found = achievement.get("alignment") if isinstance(achievement, dict) else None
    return {
        (str(a["targetFramework"]), str(a["targetCode"]))
        for a in (found if isinstance(found, list) else [])
        if isinstance(a, dict) and a.get("targetFramework") and a.get("targetCode")
    }


def _tags(definition: Any) -> tuple[str, ...]:
    try:
        found = json.loads(str(definition)).get("tag")
    except (ValueError, AttributeError):
        return ()
    return tuple(t for t in found if isinstance(t, str)) if isinstance(found, list) else ()


def _forget(tx: Transaction, achievement_id: str) -> None:
    tx.execute("DELETE FROM rm_achievement_alignments WHERE achievement_id = ?", (achievement_id,))


def _defined(tx: Transaction, e: Any) -> None:
    _forget(tx, e.achievement_id)
    for framework, code in sorted(_pairs(e.achievement)):
        tx.execute(
            "INSERT INTO rm_achievement_alignments (target_code, target_framework, "
            "achievement_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            (code, framework, e.achievement_id),
        )


def _retired(tx: Transaction, e: Any) -> None:
    _forget(tx, e.achievement_id)


HANDLERS: dict[str, Callable[[Transaction, Any], None]] = {
    "Issuer.AchievementDefined": _defined,
    "Issuer.AchievementUpdated": _defined,
    "Issuer.AchievementRetired": _retired,
}


def apply(tx: Transaction, event: Any) -> None:
    """Apply one event of the log to the alignment index (others are skipped)."""
    handler = HANDLERS.get(type(event).__qualname__)
    if handler is not None:
        handler(tx, event)


def showing(tx: Transaction, pairs: Sequence[tuple[str, str]]) -> list[Offered]:
    """Up to `SHOWN` current achievements showing any of these (framework, code) pairs, by name."""
    found: dict[str, Offered] = {}
    for framework, code in pairs:
        rows = tx.execute(
            "SELECT a.achievement_id, a.name, i.name, a.definition "
            "FROM rm_achievement_alignments x "
            "JOIN rm_achievements a ON a.achievement_id = x.achievement_id "
            "JOIN rm_issuers i ON i.issuer_id = a.issuer_id "
            "WHERE x.target_code = ? AND x.target_framework = ? AND a.retired = 0 "
            "ORDER BY a.name, a.achievement_id LIMIT ?",
            (code, framework, SHOWN),
        )
        found.update(
            {str(r[0]): Offered(str(r[0]), str(r[1]), str(r[2]), _tags(r[3])) for r in rows}
        )
    return sorted(found.values(), key=lambda o: (o.name, o.achievement_id))[:SHOWN]
