"""Read models of programmes: their rules, which achievements and tags they draw on, their flags.

`rm_programme_modules` and `rm_programme_tags` answer "which programmes could this credential
count for" by primary key, so evaluating a learner costs the same however many programmes and
learners the ledger holds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from projections.database import Transaction
from projections.display import display_text

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS rm_programmes (
        programme_id TEXT PRIMARY KEY, issuer_id TEXT NOT NULL, achievement_id TEXT NOT NULL,
        name TEXT NOT NULL, rules TEXT NOT NULL, defined_at TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS rm_programmes_issuer ON rm_programmes (issuer_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS rm_programmes_achievement ON rm_programmes (achievement_id)",
    # The catalogue's keyset pages of programmes by name.
    "CREATE INDEX IF NOT EXISTS rm_programmes_catalogue ON rm_programmes (name, programme_id)",
    """CREATE TABLE IF NOT EXISTS rm_programme_modules (
        achievement_id TEXT NOT NULL, programme_id TEXT NOT NULL,
        PRIMARY KEY (achievement_id, programme_id))""",
    """CREATE INDEX IF NOT EXISTS rm_programme_modules_programme
        ON rm_programme_modules (programme_id)""",
    """CREATE TABLE IF NOT EXISTS rm_programme_tags (
        tag TEXT NOT NULL, programme_id TEXT NOT NULL, PRIMARY KEY (tag, programme_id))""",
    """CREATE TABLE IF NOT EXISTS rm_programme_flags (
        credential_id TEXT NOT NULL, module_credential_id TEXT NOT NULL,
        programme_id TEXT NOT NULL, learner_id TEXT NOT NULL, reason TEXT NOT NULL,
        flagged_at TEXT NOT NULL, PRIMARY KEY (credential_id, module_credential_id))""",
    "CREATE INDEX IF NOT EXISTS rm_programme_flags_programme ON rm_programme_flags (programme_id)",
    # Who holds a module of a newly defined programme (read by the awarder, never by a request).
    "CREATE INDEX IF NOT EXISTS rm_credentials_achievement ON rm_credentials (achievement_id)",
)
TABLES = ("rm_programmes", "rm_programme_modules", "rm_programme_tags", "rm_programme_flags")


@dataclass(frozen=True)
class ProgrammeRecord:
    """A programme as the read models hold it."""

    programme_id: str
    issuer_id: str
    achievement_id: str
    name: str
    rules: dict[str, Any]


def _strings(values: Any) -> list[str]:
    return [v for v in values if isinstance(v, str)] if isinstance(values, list) else []


def _defined(tx: Transaction, e: Any) -> None:
    rules: dict[str, Any] = e.rules if isinstance(e.rules, dict) else {}
    programme_id = str(e.originator_id)
    tx.execute(
        "INSERT INTO rm_programmes (programme_id, issuer_id, achievement_id, name, rules, "
        "defined_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (programme_id) DO NOTHING",
        (
            programme_id,
            e.issuer_id,
            e.achievement_id,
            display_text(e.name),
            json.dumps(rules),
            e.timestamp.isoformat(),
        ),
    )
    modules: set[str] = set()
    tags: set[str] = set()
    packages = rules.get("packages")
    for package in packages if isinstance(packages, list) else []:
        if not isinstance(package, dict):
            continue
        modules.update(_strings(package.get("core")))
        optional = package.get("optional")
        if isinstance(optional, dict):
            modules.update(_strings(optional.get("from")))
            tags.update(_strings(optional.get("tags")))
    groups = rules.get("equivalents")
    for group in groups if isinstance(groups, list) else []:
        modules.update(_strings(group))
    for achievement_id in sorted(modules):
        tx.execute(
            "INSERT INTO rm_programme_modules (achievement_id, programme_id) VALUES (?, ?) "
            "ON CONFLICT DO NOTHING",
            (achievement_id, programme_id),
        )
    for tag in sorted(tags):
        tx.execute(
            "INSERT INTO rm_programme_tags (tag, programme_id) VALUES (?, ?) "
            "ON CONFLICT DO NOTHING",
            (tag, programme_id),
        )


def _flagged(tx: Transaction, e: Any) -> None:
    tx.execute(
        "INSERT INTO rm_programme_flags (credential_id, module_credential_id, programme_id, "
        "learner_id, reason, flagged_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (
            e.credential_id,
            e.module_credential_id,
            str(e.originator_id),
            e.learner_id,
            display_text(e.reason),
            e.timestamp.isoformat(),
        ),
    )


HANDLERS: dict[str, Callable[[Transaction, Any], None]] = {
    "Programme.Defined": _defined,
    "Programme.AwardFlagged": _flagged,
}


def apply(tx: Transaction, event: Any) -> None:
    """Apply one event of the log to the programme read models (others are skipped)."""
    handler = HANDLERS.get(type(event).__qualname__)
    if handler is not None:
        handler(tx, event)


def _record(row: Sequence[Any]) -> ProgrammeRecord:
    return ProgrammeRecord(str(row[0]), str(row[1]), str(row[2]), str(row[3]), json.loads(row[4]))


COLUMNS = "programme_id, issuer_id, achievement_id, name, rules"


def issuer_programmes(tx: Transaction, issuer_id: str) -> list[ProgrammeRecord]:
    """An issuer's programmes, in the order they were defined."""
    rows = tx.execute(
        f"SELECT {COLUMNS} FROM rm_programmes WHERE issuer_id = ? ORDER BY defined_at",  # noqa: S608
        (issuer_id,),
    )
    return [_record(r) for r in rows]


def programme(tx: Transaction, programme_id: str) -> ProgrammeRecord | None:
    """One programme, if defined."""
    rows = tx.execute(
        f"SELECT {COLUMNS} FROM rm_programmes WHERE programme_id = ?",  # noqa: S608
        (programme_id,),
    )
    return _record(rows[0]) if rows else None


def drawing_on(
    tx: Transaction, achievement_ids: Sequence[str], tags: Sequence[str]
) -> list[ProgrammeRecord]:
    """The programmes that name any of these achievements, or draw on any of these tags."""
    found: dict[str, ProgrammeRecord] = {}
    for table, column, values in (
        ("rm_programme_modules", "achievement_id", sorted(set(achievement_ids))),
        ("rm_programme_tags", "tag", sorted(set(tags))),
    ):
        for start in range(0, len(values), 200):
            chunk = values[start : start + 200]
            rows = tx.execute(
                f"SELECT {', '.join('p.' + c for c in COLUMNS.split(', '))} "  # noqa: S608
                f"FROM {table} m JOIN rm_programmes p ON p.programme_id = m.programme_id "
                f"WHERE m.{column} IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
            found.update({str(r[0]): _record(r) for r in rows})
    return [found[k] for k in sorted(found)]


def modules_of(tx: Transaction, programme_id: str) -> set[str]:
    """The achievements a programme names."""
    rows = tx.execute(
        "SELECT achievement_id FROM rm_programme_modules WHERE programme_id = ?", (programme_id,)
    )
    return {str(r[0]) for r in rows}


def by_achievements(tx: Transaction, achievement_ids: Sequence[str]) -> list[ProgrammeRecord]:
    """The programmes awarding any of these achievements."""
    values = sorted(set(achievement_ids))
    if not values:
        return []
    rows = tx.execute(
        f"SELECT {COLUMNS} FROM rm_programmes "  # noqa: S608
        f"WHERE achievement_id IN ({', '.join('?' * len(values))})",
        values,
    )
    return [_record(r) for r in rows]


def flags(tx: Transaction, programme_id: str) -> list[dict[str, str]]:
    """The flagged awards of a programme, oldest first."""
    rows = tx.execute(
        "SELECT credential_id, module_credential_id, reason, flagged_at FROM rm_programme_flags "
        "WHERE programme_id = ? ORDER BY flagged_at, credential_id",
        (programme_id,),
    )
    return [
        {
            "credentialId": str(r[0]),
            "moduleCredentialId": str(r[1]),
            "reason": str(r[2]),
            "flaggedAt": str(r[3]),
        }
        for r in rows
    ]


def flagged(tx: Transaction, credential_id: str, module_credential_id: str) -> bool:
    """Whether this module was already flagged for this programme award."""
    rows = tx.execute(
        "SELECT 1 FROM rm_programme_flags WHERE credential_id = ? AND module_credential_id = ?",
        (credential_id, module_credential_id),
    )
    return bool(rows)
