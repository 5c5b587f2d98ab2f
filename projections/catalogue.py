"""The public catalogue's reads: academies' current achievements, a page at a time, by key.

The catalogue reads `rm_achievements` (and `rm_programmes`) in name order from an index, a page
after a keyset cursor, so a page costs the same however many exist; ratings come from the
running summaries (`projections.reviews`) and accreditation from `projections.endorsements`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from projections.database import ReadModelDatabase

SCHEMA = (
    "CREATE INDEX IF NOT EXISTS rm_achievements_catalogue "
    "ON rm_achievements (retired, name, achievement_id)",
)
PAGE_SIZE = 25


@dataclass(frozen=True)
class CatalogueEntry:
    """One achievement as the catalogue lists it."""

    achievement_id: str
    issuer_id: str
    issuer_name: str
    name: str
    kind: str
    refresher_months: int | None
    definition: dict[str, Any]

    @property
    def description(self) -> str:
        """What the achievement is."""
        return str(self.definition.get("description") or "")

    @property
    def cpd_hours(self) -> float | None:
        """The CPD hours it is worth (`creditsAvailable`), if any."""
        value = self.definition.get("creditsAvailable")
        return float(value) if isinstance(value, int | float) else None

    @property
    def alignment(self) -> list[dict[str, str]]:
        """The frameworks it is aligned to (name, framework, URL)."""
        found = self.definition.get("alignment")
        return [
            {k: str(a[k]) for k in ("targetName", "targetFramework", "targetUrl") if a.get(k)}
            for a in (found if isinstance(found, list) else [])
            if isinstance(a, dict)
        ]


@dataclass(frozen=True)
class ProgrammeListing:
    """One programme as the catalogue lists it: its rules and its academy."""

    programme_id: str
    achievement_id: str
    issuer_name: str
    name: str
    rules: dict[str, Any]


class Catalogue:
    """Pages of the catalogue."""

    def __init__(self, database: ReadModelDatabase) -> None:
        self._database = database

    def page(self, after: tuple[str, str] | None = None) -> tuple[list[CatalogueEntry], bool]:
        """Up to `PAGE_SIZE` current achievements by name after the cursor (name, id), and
        whether more follow."""
        name, last = after or ("", "")
        with self._database.read() as tx:
            rows = tx.execute(
                "SELECT a.achievement_id, a.issuer_id, i.name, a.name, a.kind, "
                "a.refresher_months, a.definition FROM rm_achievements a "
                "JOIN rm_issuers i ON i.issuer_id = a.issuer_id "
                "WHERE a.retired = 0 AND (a.name, a.achievement_id) > (?, ?) "
                "ORDER BY a.name, a.achievement_id LIMIT ?",
                (name, last, PAGE_SIZE + 1),
            )
        entries = [
            CatalogueEntry(
                achievement_id=str(r[0]),
                issuer_id=str(r[1]),
                issuer_name=str(r[2]),
                name=str(r[3]),
                kind=str(r[4]),
                refresher_months=r[5],
                definition=_parsed(r[6]),
            )
            for r in rows
        ]
        return entries[:PAGE_SIZE], len(entries) > PAGE_SIZE

    def programmes(
        self, after: tuple[str, str] | None = None
    ) -> tuple[list[ProgrammeListing], bool]:
        """Up to `PAGE_SIZE` programmes by name after the cursor (name, id), and whether more
        follow."""
        name, last = after or ("", "")
        with self._database.read() as tx:
            rows = tx.execute(
                "SELECT p.programme_id, p.achievement_id, i.name, p.name, p.rules "
                "FROM rm_programmes p JOIN rm_issuers i ON i.issuer_id = p.issuer_id "
                "WHERE (p.name, p.programme_id) > (?, ?) "
                "ORDER BY p.name, p.programme_id LIMIT ?",
                (name, last, PAGE_SIZE + 1),
            )
        found = [
            ProgrammeListing(str(r[0]), str(r[1]), str(r[2]), str(r[3]), _parsed(r[4]))
            for r in rows
        ]
        return found[:PAGE_SIZE], len(found) > PAGE_SIZE

    def names(self, achievement_ids: Sequence[str]) -> dict[str, str]:
        """The names of these achievements, by id (looked up by key)."""
        return self._names("rm_achievements", "achievement_id", achievement_ids)

    def issuer_names(self, issuer_ids: Sequence[str]) -> dict[str, str]:
        """The names of these issuers, by id (looked up by key)."""
        return self._names("rm_issuers", "issuer_id", issuer_ids)

    def _names(self, table: str, key: str, ids: Sequence[str]) -> dict[str, str]:
        values = sorted(set(ids))
        if not values:
            return {}
        with self._database.read() as tx:
            rows = tx.execute(
                f"SELECT {key}, name FROM {table} "  # noqa: S608
                f"WHERE {key} IN ({', '.join('?' * len(values))})",
                values,
            )
        return {str(r[0]): str(r[1]) for r in rows}


def _parsed(text: Any) -> dict[str, Any]:
    try:
        found = json.loads(str(text))
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}
