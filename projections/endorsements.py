"""The endorsements read model: which endorsements each achievement and issuer holds.

An endorsement is recorded as a credential (`kind = 'endorsement'`) of the endorsing body's
holder passport; its status lives with every credential's in `rm_credentials`. This table only
indexes it by what it endorses, so a page reads the endorsements of the achievements it shows
by key, however many endorsements or credentials the ledger holds.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from projections.batch_writes import write
from projections.database import ReadModelDatabase, Transaction
from projections.display import display_text

KIND = "endorsement"
ISSUER_PREFIX = "issuer:"
SCHEMA = (
    """CREATE TABLE IF NOT EXISTS rm_endorsements (
        credential_id TEXT PRIMARY KEY, endorser_id TEXT NOT NULL, target TEXT NOT NULL,
        comment TEXT NOT NULL, endorsed_at TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS rm_endorsements_target ON rm_endorsements (target)",
)
TABLES = ("rm_endorsements",)


def apply(tx: Transaction, event: Any, _position: int) -> None:
    """Index a newly recorded endorsement by what it endorses."""
    if type(event).__qualname__ != "Passport.CredentialIssued" or event.kind != KIND:
        return
    credential = event.credential if isinstance(event.credential, dict) else {}
    subject = credential.get("credentialSubject")
    comment = subject.get("endorsementComment") if isinstance(subject, dict) else None
    write(
        tx,
        "INSERT INTO rm_endorsements (credential_id, endorser_id, target, comment, endorsed_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (credential_id) DO NOTHING",
        (
            event.credential_id,
            str(event.issuer_id),
            str(event.achievement_id),
            display_text(comment) if comment else "",
            event.timestamp.isoformat(),
        ),
    )


@dataclass(frozen=True)
class EndorsementView:
    """One endorsement as pages and exports show it."""

    credential_id: str
    endorser_id: str
    endorser_name: str
    target: str  # an achievement id, or `issuer:{uuid}`
    comment: str
    status: str
    credential: dict[str, Any]
    jwt: str

    @property
    def of_issuer(self) -> bool:
        """Whether it endorses a whole issuer rather than one achievement."""
        return self.target.startswith(ISSUER_PREFIX)


def issuer_target(issuer_id: str) -> str:
    """The target an endorsement of a whole issuer is indexed under."""
    return f"{ISSUER_PREFIX}{issuer_id}"


class Endorsements:
    """Queries of the endorsements read model, each by key."""

    def __init__(self, database: ReadModelDatabase) -> None:
        self._database = database

    def of(self, targets: Collection[str], *, active_only: bool = True) -> list[EndorsementView]:
        """The endorsements of these achievement ids and `issuer:{uuid}` targets, oldest first."""
        wanted = sorted({t for t in targets if t and "\x00" not in t})
        if not wanted:
            return []
        marks = ", ".join("?" for _ in wanted)
        query = (
            "SELECT e.credential_id, e.endorser_id, i.name, e.target, e.comment, c.status, "  # noqa: S608
            "c.credential, c.jwt FROM rm_endorsements e "
            "JOIN rm_credentials c ON c.credential_id = e.credential_id "
            "JOIN rm_issuers i ON i.issuer_id = e.endorser_id "
            "WHERE e.target IN (" + marks + ") ORDER BY e.endorsed_at, e.credential_id"
        )
        with self._database.read() as tx:
            rows = tx.execute(query, wanted)
        found = [
            EndorsementView(
                credential_id=r[0],
                endorser_id=r[1],
                endorser_name=r[2],
                target=r[3],
                comment=r[4],
                status=r[5],
                credential=json.loads(r[6]),
                jwt=r[7],
            )
            for r in rows
        ]
        return [e for e in found if e.status == "active" or not active_only]

    def for_credentials(
        self, held: Collection[tuple[str, str, str]]
    ) -> dict[str, list[EndorsementView]]:
        """For each (credential id, issuer id, achievement id) held, the active endorsements of
        its achievement and of its issuer."""
        targets = {achievement for _, _, achievement in held} | {
            issuer_target(issuer) for _, issuer, _ in held
        }
        found = self.of(targets)
        by_target: dict[str, list[EndorsementView]] = {}
        for e in found:
            by_target.setdefault(e.target, []).append(e)
        return {
            credential_id: by_target.get(achievement, []) + by_target.get(issuer_target(issuer), [])
            for credential_id, issuer, achievement in held
        }

    def for_learner(self, learner_id: str) -> dict[str, list[EndorsementView]]:
        """For each credential of a learner, the active endorsements of its achievement and
        of its issuer (two reads by key)."""
        with self._database.read() as tx:
            rows = tx.execute(
                "SELECT credential_id, issuer_id, achievement_id FROM rm_credentials "
                "WHERE learner_id = ?",
                (learner_id,),
            )
        return self.for_credentials([(str(r[0]), str(r[1]), str(r[2])) for r in rows])
