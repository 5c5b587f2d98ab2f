"""Learners' own links and the share links they give employers: capability URLs.

A learner reaches their passport through a personal link (`/me/{token}`) and gives an employer a
share link (`/s/{token}`). Each token is 256 random bits, shown once and stored only as its
SHA-256 (a token this long needs no slow hash). A share link names the credentials it shows, an
expiry and an optional note, nothing more: opening a link records nothing (no GET writes), so
the learner is not told whether or how often it was opened. The note is free text about the
learner, so it is sealed under their data key like the rest of their personal data, and erasure
forgets every link.

These tables sit beside the read models: they are not derived from the log, and are never
rebuilt from it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID, uuid4

from events.personal_data import PersonalDataVault
from projections.database import ReadModelDatabase

DEFAULT_SHARE_DAYS = 30
MAX_SHARE_DAYS = 365
NOTE_FIELD = "share-note"

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS learner_links (
        token_hash TEXT PRIMARY KEY, learner_id TEXT NOT NULL, created_at TEXT NOT NULL,
        replaced_at TEXT)""",
    "CREATE INDEX IF NOT EXISTS learner_links_learner ON learner_links (learner_id)",
    """CREATE TABLE IF NOT EXISTS share_links (
        share_id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, learner_id TEXT NOT NULL,
        credential_ids TEXT NOT NULL, show_name INTEGER NOT NULL, note TEXT,
        created_at TEXT NOT NULL, expires_at TEXT NOT NULL, revoked_at TEXT,
        open_count INTEGER NOT NULL DEFAULT 0, last_opened_at TEXT)""",
    # open_count and last_opened_at are no longer written (opening a link writes nothing); they
    # stay so that tables made earlier and now have one layout.
    "CREATE INDEX IF NOT EXISTS share_links_learner ON share_links (learner_id)",
)


def new_token() -> str:
    """An unguessable token: 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What is stored of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


class ShareState(StrEnum):
    """Whether a share link still opens."""

    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class ShareLink:
    """A share link as its learner sees it (the token itself is never stored)."""

    id: str
    learner_id: str
    credential_ids: tuple[str, ...] | None  # None: every credential, present and future
    show_name: bool
    note: str | None
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None

    def state(self, now: datetime) -> ShareState:
        """Active, expired or revoked at `now`."""
        if self.revoked_at is not None:
            return ShareState.REVOKED
        return ShareState.EXPIRED if now >= self.expires_at else ShareState.ACTIVE


class Sharing:
    """Learner links and share links in the read-model database."""

    def __init__(
        self, database: ReadModelDatabase, vault: PersonalDataVault, *, create: bool = True
    ) -> None:
        self._database = database
        self._vault = vault
        if create:
            with database.transaction() as tx:
                for statement in SCHEMA:
                    tx.execute(statement)

    # The learner's own link

    def issue_learner_link(self, learner_id: str, now: datetime) -> str:
        """A new personal link token for the learner; every earlier one stops working."""
        token = new_token()
        with self._database.transaction() as tx:
            tx.execute(
                "UPDATE learner_links SET replaced_at = ? "
                "WHERE learner_id = ? AND replaced_at IS NULL",
                (now.isoformat(), learner_id),
            )
            tx.execute(
                "INSERT INTO learner_links (token_hash, learner_id, created_at) VALUES (?, ?, ?)",
                (token_hash(token), learner_id, now.isoformat()),
            )
        return token

    def learner_for(self, token: str) -> str | None:
        """The learner whose current personal link this is, or None."""
        with self._database.read() as tx:
            rows = tx.execute(
                "SELECT learner_id FROM learner_links WHERE token_hash = ? AND replaced_at IS NULL",
                (token_hash(token),),
            )
        return str(rows[0][0]) if rows else None

    # Share links

    def create_share(
        self,
        learner_id: str,
        now: datetime,
        *,
        credential_ids: tuple[str, ...] | None,
        days: int = DEFAULT_SHARE_DAYS,
        note: str | None = None,
        show_name: bool = True,
    ) -> tuple[str, ShareLink]:
        """A new share link: (its token, shown once; the link)."""
        if not 1 <= days <= MAX_SHARE_DAYS:
            raise ValueError(f"a share link lasts 1 to {MAX_SHARE_DAYS} days")
        sealed = None
        if note:
            key = self._vault.keys_for([UUID(learner_id)], create=False).get(UUID(learner_id))
            if key is None:
                raise ValueError("this learner's record was erased")
            sealed = key.seal(NOTE_FIELD, note)
        token, share_id = new_token(), str(uuid4())
        expires = now + timedelta(days=days)
        with self._database.transaction() as tx:
            tx.execute(
                "INSERT INTO share_links (share_id, token_hash, learner_id, credential_ids, "
                "show_name, note, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    share_id,
                    token_hash(token),
                    learner_id,
                    json.dumps(list(credential_ids)) if credential_ids is not None else "*",
                    int(show_name),
                    sealed,
                    now.isoformat(),
                    expires.isoformat(),
                ),
            )
        link = self._link_by("share_id", share_id)
        assert link is not None
        return token, link

    def shares_of(self, learner_id: str) -> list[ShareLink]:
        """The learner's share links, newest first."""
        with self._database.read() as tx:
            rows = tx.execute(
                f"SELECT {_COLUMNS} FROM share_links WHERE learner_id = ? "  # noqa: S608
                "ORDER BY created_at DESC, share_id",
                (learner_id,),
            )
        return self._links(rows)

    def revoke_share(self, learner_id: str, share_id: str, now: datetime) -> bool:
        """Revoke one of the learner's links; False if they have no such link."""
        with self._database.transaction() as tx:
            rows = tx.execute(
                "SELECT 1 FROM share_links WHERE share_id = ? AND learner_id = ?",
                (share_id, learner_id),
            )
            if rows:
                tx.execute(
                    "UPDATE share_links SET revoked_at = COALESCE(revoked_at, ?) "
                    "WHERE share_id = ?",
                    (now.isoformat(), share_id),
                )
        return bool(rows)

    def share_for(self, token: str) -> ShareLink | None:
        """The share link this token opens (in whatever state), or None."""
        return self._link_by("token_hash", token_hash(token))

    def forget(self, learner_id: str) -> None:
        """Delete every link of the learner (erasure)."""
        with self._database.transaction() as tx:
            tx.execute("DELETE FROM share_links WHERE learner_id = ?", (learner_id,))
            tx.execute("DELETE FROM learner_links WHERE learner_id = ?", (learner_id,))

    def _link_by(self, column: str, value: str) -> ShareLink | None:
        with self._database.read() as tx:
            rows = tx.execute(
                f"SELECT {_COLUMNS} FROM share_links WHERE {column} = ?",  # noqa: S608
                (value,),
            )
        links = self._links(rows)
        return links[0] if links else None

    def _links(self, rows: list[tuple[object, ...]]) -> list[ShareLink]:
        learners = {UUID(str(r[1])) for r in rows}
        keys = self._vault.keys_for(learners, create=False) if learners else {}
        links = []
        for r in rows:
            key = keys.get(UUID(str(r[1])))
            note = key.open(NOTE_FIELD, str(r[4])) if key is not None and r[4] else None
            links.append(
                ShareLink(
                    id=str(r[0]),
                    learner_id=str(r[1]),
                    credential_ids=None if r[2] == "*" else tuple(json.loads(str(r[2]))),
                    show_name=bool(r[3]),
                    note=note,
                    created_at=_moment(r[5]),
                    expires_at=_moment(r[6]),
                    revoked_at=_moment(r[7]) if r[7] else None,
                )
            )
        return links


_COLUMNS = (
    "share_id, learner_id, credential_ids, show_name, note, created_at, expires_at, revoked_at"
)


def _moment(value: object) -> datetime:
    return datetime.fromisoformat(str(value))
