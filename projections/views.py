"""Queries over the read models: a learner's passport, CPD per NHS year, issuers and their keys."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from events.personal_data import PersonalData, open_reason
from keys import DataKey
from projections import registry
from projections.database import ReadModelDatabase
from projections.personal_data import SqlVault
from projections.schema import TABLES

EXPIRY_WARNING_DAYS = 90


class CredentialSummary(BaseModel):
    """One credential as the passport shows it."""

    id: str
    name: str
    kind: str
    issuer_id: str
    issuer_name: str
    valid_from: str
    valid_until: str | None
    credits: float | None = Field(title="CPD hours", description="The CPD hours it records.")
    status: str
    """`valid`, `expiring` (within 90 days), `expired`, `suspended` or `revoked`."""
    status_reason: str | None


class PassportView(BaseModel):
    """A learner's passport: every credential, CPD per NHS financial year, what expires soon."""

    learner_id: str
    name: str | None
    """None once the learner's personal data is erased."""
    erased: bool
    as_of: date
    credentials: list[CredentialSummary]
    cpd_credits_by_year: dict[str, float] = Field(
        title="CPD hours by NHS year",
        description='CPD hours per NHS financial year, 1 April to 31 March ("2025/26").',
    )
    expiring_soon: list[str]


class IssuerKeyView(BaseModel):
    """One of an issuer's keys and the period it could sign in."""

    id: str
    public_key_multibase: str
    valid_from: str
    retired_at: str | None


class IssuerView(BaseModel):
    """An issuer with its keys, current and retired."""

    id: str
    slug: str
    name: str
    url: str
    did: str
    keys: list[IssuerKeyView]


def nhs_financial_year(day: date) -> str:
    """The NHS financial year (1 April to 31 March) a day falls in, e.g. `2025/26`."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def _day(iso: str) -> date:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).date()


def effective_status(stored: str, valid_until: str | None, today: date) -> str:
    """What a person should see: revocation and suspension first, then expiry."""
    if stored != "active":
        return stored
    if valid_until is not None:
        until = _day(valid_until)
        if until <= today:
            return "expired"
        if until <= today + timedelta(days=EXPIRY_WARNING_DAYS):
            return "expiring"
    return "valid"


class Views:
    """Read-only queries; they cost the same however long the log is."""

    def __init__(self, database: ReadModelDatabase, vault: SqlVault) -> None:
        self._database = database
        self._vault = vault

    def passport(self, learner_id: str, today: date) -> PassportView | None:
        """The learner's passport as of `today`, or None if no such learner."""
        with self._database.read() as tx:
            learner = tx.execute(
                "SELECT personal, erased_at FROM rm_learners WHERE learner_id = ?", (learner_id,)
            )
            if not learner:
                return None
            rows = tx.execute(
                "SELECT c.credential_id, c.name, c.kind, c.issuer_id, i.name, c.valid_from, "
                "c.valid_until, c.credits, c.status, c.status_reason FROM rm_credentials c "
                "JOIN rm_issuers i ON i.issuer_id = c.issuer_id "
                "WHERE c.learner_id = ? ORDER BY c.valid_from, c.credential_id",
                (learner_id,),
            )
        key = self._vault.open_keys([learner_id]).get(learner_id)
        personal = PersonalData.open(key, learner[0][0])
        credentials = [
            CredentialSummary(
                id=r[0],
                name=r[1],
                kind=r[2],
                issuer_id=r[3],
                issuer_name=r[4],
                valid_from=r[5],
                valid_until=r[6],
                credits=r[7],
                status=effective_status(r[8], r[6], today),
                status_reason=open_reason(key, r[9]),
            )
            for r in rows
        ]
        cpd: dict[str, float] = {}
        for c in credentials:
            if c.credits is not None and c.status not in ("revoked", "suspended"):
                year = nhs_financial_year(_day(c.valid_from))
                cpd[year] = cpd.get(year, 0.0) + c.credits
        expiring = sorted(
            (c for c in credentials if c.status == "expiring"), key=lambda c: c.valid_until or ""
        )
        return PassportView(
            learner_id=learner_id,
            name=personal.name if personal else None,
            erased=learner[0][1] is not None,
            as_of=today,
            credentials=credentials,
            cpd_credits_by_year=dict(sorted(cpd.items())),
            expiring_soon=[c.id for c in expiring],
        )

    def credentials_of(self, learner_id: str) -> list[tuple[dict[str, Any], str, str, str | None]]:
        """Each credential of a learner: (signed credential, JWT, stored status, reason)."""
        with self._database.read() as tx:
            rows = tx.execute(
                "SELECT credential, jwt, status, status_reason FROM rm_credentials "
                "WHERE learner_id = ? ORDER BY valid_from, credential_id",
                (learner_id,),
            )
        key = self._vault.open_keys([learner_id]).get(learner_id)
        return [(json.loads(r[0]), r[1], r[2], open_reason(key, r[3])) for r in rows]

    def credential(self, credential_id: str) -> dict[str, Any] | None:
        """One credential's record: learner, issuer, the signed forms and its stored status."""
        if "\x00" in credential_id:  # no id holds one, and PostgreSQL refuses it as a parameter
            return None
        with self._database.read() as tx:
            rows = tx.execute(
                "SELECT learner_id, issuer_id, credential, jwt, status, status_reason "
                "FROM rm_credentials WHERE credential_id = ?",
                (credential_id,),
            )
        if not rows:
            return None
        r = rows[0]
        return {
            "learner_id": r[0],
            "issuer_id": r[1],
            "credential": json.loads(r[2]),
            "jwt": r[3],
            "status": r[4],
            "reason": self._reason(r[0], r[5]),
        }

    def recorded_forms(self, credential_id: str) -> tuple[dict[str, Any], str] | None:
        """The signed credential and its JWT as the ledger recorded them, or None."""
        with self._database.read() as tx:
            rows = tx.execute(
                "SELECT credential, jwt FROM rm_credentials WHERE credential_id = ?",
                (credential_id,),
            )
        return (json.loads(rows[0][0]), str(rows[0][1])) if rows else None

    def recorded_status(self, credential_id: str) -> tuple[str, str | None] | None:
        """A credential's stored status and reason, or None if the ledger does not hold it."""
        if "\x00" in credential_id:  # as in `credential`
            return None
        with self._database.read() as tx:
            rows = tx.execute(
                "SELECT status, status_reason, learner_id FROM rm_credentials "
                "WHERE credential_id = ?",
                (credential_id,),
            )
        return (rows[0][0], self._reason(rows[0][2], rows[0][1])) if rows else None

    def _reason(self, learner_id: str, sealed: str | None) -> str | None:
        """A status change's reason in plain text (sealed under the learner's key)."""
        if not sealed:
            return None
        return open_reason(self._vault.open_keys([learner_id]).get(learner_id), sealed)

    def issuers(self) -> list[IssuerView]:
        """Every registered issuer with its key history."""
        with self._database.read() as tx:
            issuers = tx.execute(
                "SELECT issuer_id, slug, name, url, did FROM rm_issuers ORDER BY slug"
            )
            keys = tx.execute(
                "SELECT issuer_id, key_id, public_key_multibase, valid_from, retired_at "
                "FROM rm_issuer_keys ORDER BY valid_from, key_id"
            )
        return [
            IssuerView(
                id=i[0],
                slug=i[1],
                name=i[2],
                url=i[3],
                did=i[4],
                keys=[
                    IssuerKeyView(
                        id=k[1], public_key_multibase=k[2], valid_from=k[3], retired_at=k[4]
                    )
                    for k in keys
                    if k[0] == i[0]
                ],
            )
            for i in issuers
        ]

    def registry(self) -> tuple[int, list[dict[str, Any]]]:
        """The registry's change count and its recognised entities (`projections.registry`)."""
        with self._database.read() as tx:
            return registry.changes(tx), registry.entities(tx)

    def registry_changes(self) -> int:
        """How many events have changed what the registry says (one row read, once a request)."""
        memo = self._database.memo()
        if memo is not None and "registry changes" in memo:
            return int(memo["registry changes"])
        with self._database.read() as tx:
            changes = registry.changes(tx)
        if memo is not None:
            memo["registry changes"] = changes
        return changes

    def client(self, client_id: str) -> tuple[str, str, bool] | None:
        """An API client's owner, secret hash and whether it is revoked; None if unknown."""
        with self._database.read() as tx:
            rows = tx.execute(
                "SELECT owner, secret_hash, revoked FROM rm_clients WHERE client_id = ?",
                (client_id,),
            )
        return (rows[0][0], rows[0][1], bool(rows[0][2])) if rows else None

    def data_keys(self, learner_ids: Collection[str]) -> dict[str, DataKey]:
        """The data keys still held for these learners (none once erased), to open what was
        sealed for them (such as a review's text)."""
        return self._vault.open_keys(list(learner_ids)) if learner_ids else {}

    def learners_exist(self, learner_id: str) -> bool:
        """Whether a learner with this id is enrolled."""
        with self._database.read() as tx:
            rows = tx.execute("SELECT 1 FROM rm_learners WHERE learner_id = ?", (learner_id,))
        return bool(rows)

    def any_erased(self, learner_ids: Collection[UUID]) -> bool:
        """Whether any of these learners' personal data was erased (primary-key reads)."""
        marks = ", ".join("?" for _ in learner_ids)
        with self._database.read() as tx:
            rows = tx.execute(
                f"SELECT 1 FROM rm_learners WHERE learner_id IN ({marks}) "  # noqa: S608
                "AND erased_at IS NOT NULL",
                tuple(str(i) for i in learner_ids),
            )
        return bool(rows)

    def erased_among(self, learner_ids: Collection[UUID]) -> set[UUID]:
        """Which of these learners' personal data was erased (primary-key reads, in chunks)."""
        wanted = [str(i) for i in dict.fromkeys(learner_ids)]
        found: set[UUID] = set()
        with self._database.read() as tx:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                rows = tx.execute(
                    "SELECT learner_id FROM rm_learners WHERE "  # noqa: S608
                    f"learner_id IN ({', '.join('?' * len(chunk))}) AND erased_at IS NOT NULL",
                    chunk,
                )
                found.update(UUID(str(r[0])) for r in rows)
        return found

    def learners(self) -> list[tuple[str, str | None]]:
        """Every enrolled learner: (id, name), the name None once erased."""
        with self._database.read() as tx:
            rows = tx.execute("SELECT learner_id, personal FROM rm_learners ORDER BY enrolled_at")
        keys = self._vault.open_keys([r[0] for r in rows])
        named = ((r[0], PersonalData.open(keys.get(r[0]), r[1])) for r in rows)
        return [(learner_id, p.name if p else None) for learner_id, p in named]

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every read-model row, for comparing a rebuild with the live models."""
        with self._database.read() as tx:
            return {t: sorted(tx.execute(f"SELECT * FROM {t}")) for t in TABLES}  # noqa: S608
