"""Messages to learners: each newly enrolled learner is sent their personal link by email.

Enrolment is recorded on the log; this follows the read models. `welcome_new_learners` queues
one welcome per learner, with a fresh personal link, sealed under the learner's data key (the
message holds their email and a secret link, so it is personal data at rest too); `deliver`
hands queued messages to an SMTP server and records each one sent, or why it was not. Erasing a
learner deletes their messages with their links.
"""

from __future__ import annotations

import json
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from uuid import UUID, uuid4

from events.personal_data import PersonalData, PersonalDataVault
from passport.mail import MailRelay
from passport.sharing import Sharing
from projections.database import ReadModelDatabase, Row

WELCOME = "welcome"
MESSAGE_FIELD = "outbox-message"
MAX_ATTEMPTS = 5

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS outbox (
        message_id TEXT PRIMARY KEY, learner_id TEXT NOT NULL, kind TEXT NOT NULL,
        body TEXT, created_at TEXT NOT NULL, sent_at TEXT, attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT, UNIQUE (learner_id, kind))""",
    "CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (created_at) "
    "WHERE sent_at IS NULL AND body IS NOT NULL",
    """CREATE TABLE IF NOT EXISTS outbox_cursor (
        kind TEXT PRIMARY KEY, enrolled_at TEXT NOT NULL)""",
)
# Learners are looked for from the last one welcomed on, less this margin: enrolment times come
# from the writers' clocks, so a learner may be projected after one enrolled a moment later.
CURSOR_MARGIN = timedelta(minutes=10)
BATCH = 50
SEND_BATCH = 500

WELCOME_TEXT = """Hello {name},

Your training records are now kept in Staff Passport: every course, badge and CPD hour an
NHS academy awards you, in one place you can take from one employer to the next.

Your passport: {link}

Keep this link to yourself: anyone with it can see and share your passport. You can replace it
from the page at any time, and create links to share chosen credentials with an employer.
"""


@dataclass(frozen=True)
class Delivery:
    """What one delivery round did."""

    queued: int
    sent: int
    failed: int
    without_address: int


class Outbox:
    """Queued messages to learners, beside the read models."""

    def __init__(
        self,
        database: ReadModelDatabase,
        vault: PersonalDataVault,
        sharing: Sharing,
        base_url: str,
        *,
        create: bool = True,
    ) -> None:
        self._database = database
        self._vault = vault
        self._sharing = sharing
        self._base_url = base_url.rstrip("/")
        if create:
            with database.transaction() as tx:
                for statement in SCHEMA:
                    tx.execute(statement)

    def welcome_new_learners(self, now: datetime) -> tuple[int, int]:
        """Queue a welcome with a new personal link for each learner who has none queued.

        Returns (queued, learners without an email address, who are recorded as such).
        """
        with self._database.read() as tx:
            cursor = tx.execute("SELECT enrolled_at FROM outbox_cursor WHERE kind = ?", (WELCOME,))
        since = ""
        if cursor:
            since = (datetime.fromisoformat(str(cursor[0][0])) - CURSOR_MARGIN).isoformat()
        queued = unaddressed = 0
        while rows := self._unwelcomed(since):
            more = self._welcome(rows, now)
            queued, unaddressed = queued + more[0], unaddressed + more[1]
            since = str(rows[-1][2])
            with self._database.transaction() as tx:
                tx.execute(
                    "INSERT INTO outbox_cursor (kind, enrolled_at) VALUES (?, ?) "
                    "ON CONFLICT (kind) DO UPDATE SET enrolled_at = excluded.enrolled_at",
                    (WELCOME, since),
                )
            if len(rows) < BATCH:
                break
        return queued, unaddressed

    def _unwelcomed(self, since: str) -> list[Row]:
        """The next learners enrolled from `since` on with no welcome queued: a range of the
        enrolment index, never every learner. (A learner enrolled at the very instant a full
        batch ends waits for the next round, which starts again `CURSOR_MARGIN` earlier.)"""
        with self._database.read() as tx:
            return tx.execute(
                "SELECT l.learner_id, l.personal, l.enrolled_at FROM rm_learners l "
                "WHERE l.enrolled_at > ? AND l.erased_at IS NULL "
                "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.learner_id = l.learner_id "
                "AND o.kind = ?) ORDER BY l.enrolled_at LIMIT ?",
                (since, WELCOME, BATCH),
            )

    def _welcome(self, rows: list[Row], now: datetime) -> tuple[int, int]:
        """Queue a welcome to each of these learners; (queued, without an email address)."""
        queued = unaddressed = 0
        for learner_id, sealed, _ in rows:
            # One key at a time: a primary-key read, where a long `IN` list can make the
            # planner read the whole key table.
            owner = UUID(str(learner_id))
            key = self._vault.keys_for([owner], create=False).get(owner)
            personal = PersonalData.open(key, str(sealed)) if key else None
            if key is None or personal is None:
                continue
            body = None
            if personal.email:
                token = self._sharing.issue_learner_link(str(learner_id), now)
                message = {
                    "to": personal.email,
                    "subject": "Your Staff Passport",
                    "text": WELCOME_TEXT.format(
                        name=personal.name or "there", link=f"{self._base_url}/me/{token}"
                    ),
                }
                body = key.seal(MESSAGE_FIELD, json.dumps(message))
            with self._database.transaction() as tx:
                tx.execute(
                    "INSERT INTO outbox (message_id, learner_id, kind, body, created_at, "
                    "last_error) VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (learner_id, kind) DO NOTHING",
                    (
                        str(uuid4()),
                        str(learner_id),
                        WELCOME,
                        body,
                        now.isoformat(),
                        None if body else "no email address to send to",
                    ),
                )
            queued += body is not None
            unaddressed += body is None
        return queued, unaddressed

    def deliver(self, relay: MailRelay, sender: str, now: datetime) -> Delivery:
        """Queue welcomes, then send every queued message through the SMTP relay (over
        verified TLS: `MailRelayError` if it cannot be reached so, and nothing is sent)."""
        queued, unaddressed = self.welcome_new_learners(now)
        pending = self.pending()
        if not pending:
            return Delivery(queued, 0, 0, unaddressed)
        keys = self._vault.keys_for({UUID(str(r[1])) for r in pending}, create=False)
        sent = failed = 0
        with relay.connect() as smtp:
            for message_id, learner_id, body in pending:
                key = keys.get(UUID(str(learner_id)))
                if key is None:
                    continue
                content = json.loads(key.open(MESSAGE_FIELD, str(body)))
                email = EmailMessage()
                email["From"], email["To"] = sender, content["to"]
                email["Subject"] = content["subject"]
                email.set_content(content["text"])
                try:
                    smtp.send_message(email)
                except (smtplib.SMTPException, OSError) as exc:
                    self._record(str(message_id), None, relay.scrub(f"{type(exc).__name__}: {exc}"))
                    failed += 1
                    continue
                self._record(str(message_id), now, None)
                sent += 1
        return Delivery(queued, sent, failed, unaddressed)

    def pending(self) -> list[Row]:
        """The oldest messages waiting to be sent (at most `SEND_BATCH` a round): (message id,
        learner id, sealed body), read from the index of unsent messages."""
        with self._database.transaction() as tx:
            return tx.execute(
                "SELECT message_id, learner_id, body FROM outbox WHERE sent_at IS NULL "
                "AND body IS NOT NULL AND attempts < ? ORDER BY created_at LIMIT ?",
                (MAX_ATTEMPTS, SEND_BATCH),
            )

    def forget(self, learner_id: str) -> None:
        """Delete the learner's messages (erasure)."""
        with self._database.transaction() as tx:
            tx.execute("DELETE FROM outbox WHERE learner_id = ?", (learner_id,))

    def _record(self, message_id: str, sent_at: datetime | None, error: str | None) -> None:
        """Count an attempt; once sent, the message (and the link in it) is not kept."""
        with self._database.transaction() as tx:
            if sent_at is None:
                tx.execute(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = ? "
                    "WHERE message_id = ?",
                    (error, message_id),
                )
            else:
                tx.execute(
                    "UPDATE outbox SET attempts = attempts + 1, sent_at = ?, last_error = NULL, "
                    "body = NULL WHERE message_id = ?",
                    (sent_at.isoformat(), message_id),
                )
