"""The projection that builds passports, issuers, their keys and achievements from the log."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from projections.batch_writes import write
from projections.database import Transaction
from projections.display import display_number, display_text, optional_text
from projections.personal_data import destroy_key

Handler = Callable[[Transaction, Any, int], None]


def _iso(event: Any) -> str:
    return str(event.timestamp.isoformat())


def _issuer_registered(tx: Transaction, e: Any, _: int) -> None:
    tx.execute(
        "INSERT INTO rm_issuers (issuer_id, slug, name, url, did, registered_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            str(e.originator_id),
            display_text(e.slug),
            display_text(e.name),
            display_text(e.url),
            display_text(e.did),
            _iso(e),
        ),
    )


def _key_added(tx: Transaction, e: Any, _: int) -> None:
    tx.execute(
        "INSERT INTO rm_issuer_keys (key_id, issuer_id, public_key_multibase, valid_from) "
        "VALUES (?, ?, ?, ?)",
        (e.key_id, str(e.originator_id), e.public_key_multibase, e.at),
    )


def _key_retired(tx: Transaction, e: Any, _: int) -> None:
    tx.execute("UPDATE rm_issuer_keys SET retired_at = ? WHERE key_id = ?", (e.at, e.key_id))


def _achievement_defined(tx: Transaction, e: Any, _: int) -> None:
    tx.execute(
        "INSERT INTO rm_achievements "
        "(achievement_id, issuer_id, name, kind, refresher_months, definition) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            e.achievement_id,
            str(e.originator_id),
            display_text(e.achievement.get("name")),
            e.kind,
            e.refresher_months,
            json.dumps(e.achievement),
        ),
    )


def _achievement_updated(tx: Transaction, e: Any, _: int) -> None:
    tx.execute(
        "UPDATE rm_achievements SET name = ?, refresher_months = ?, definition = ?, "
        "version = version + 1 WHERE achievement_id = ?",
        (
            display_text(e.achievement.get("name")),
            e.refresher_months,
            json.dumps(e.achievement),
            e.achievement_id,
        ),
    )


def _achievement_retired(tx: Transaction, e: Any, _: int) -> None:
    tx.execute(
        "UPDATE rm_achievements SET retired = 1 WHERE achievement_id = ?", (e.achievement_id,)
    )


def _enrolled(tx: Transaction, e: Any, _: int) -> None:
    write(
        tx,
        "INSERT INTO rm_learners (learner_id, personal, identity_hash, enrolled_at) "
        "VALUES (?, ?, ?, ?)",
        (str(e.originator_id), e.personal, e.identity_hash, _iso(e)),
    )


def _erased(tx: Transaction, e: Any, _: int) -> None:
    """Drop the sealed data too and destroy the key, so erasure holds even after a crash."""
    learner_id = str(e.originator_id)
    tx.execute(
        "UPDATE rm_learners SET personal = '', erased_at = ? WHERE learner_id = ?",
        (_iso(e), learner_id),
    )
    tx.execute("UPDATE rm_credentials SET status_reason = NULL WHERE learner_id = ?", (learner_id,))
    destroy_key(tx, learner_id, _iso(e))


def _credential_issued(tx: Transaction, e: Any, position: int) -> None:
    credential: dict[str, Any] = e.credential
    subject = credential.get("credentialSubject", {})
    subject = subject if isinstance(subject, dict) else {}
    achievement = subject.get("achievement", {})
    achievement = achievement if isinstance(achievement, dict) else {}
    list_no, index = _status_position(credential)
    if list_no is not None:
        write(
            tx,
            "INSERT INTO rm_status_allocations (issuer_id, list_no, idx, credential_id) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (issuer_id, list_no, idx) DO NOTHING",
            (e.issuer_id, list_no, index, e.credential_id),
        )
    write(
        tx,
        "INSERT INTO rm_credentials (credential_id, learner_id, issuer_id, achievement_id, name, "
        "kind, valid_from, valid_until, credits, status, credential, jwt, position, "
        "status_list, status_index) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?) "
        # The log is append-only: should two passports ever hold one credential id (issuers
        # are refused that, but two requests can race), the first recorded stays the one read,
        # and the read models keep following the log.
        "ON CONFLICT (credential_id) DO NOTHING",
        (
            e.credential_id,
            str(e.originator_id),
            e.issuer_id,
            e.achievement_id,
            display_text(achievement.get("name", credential.get("name"))),
            e.kind,
            display_text(credential.get("validFrom")) or _iso(e),
            optional_text(credential.get("validUntil")),
            display_number(subject.get("creditsEarned")),
            json.dumps(credential),
            e.jwt,
            position,
            list_no,
            index,
        ),
    )


def _status_position(credential: dict[str, Any]) -> tuple[int | None, int | None]:
    """The (list number, index) of the credential's status entries; list URLs end in /{n}."""
    entries = credential.get("credentialStatus") or []
    for entry in entries if isinstance(entries, list) else [entries]:
        if not isinstance(entry, dict):
            continue
        url = str(entry.get("statusListCredential", ""))
        number, index = url.rsplit("/", 1)[-1], str(entry.get("statusListIndex", ""))
        if _small_count(number) and _small_count(index):
            return int(number), int(index)
    return None, None


def _small_count(text: str) -> bool:
    """ASCII digits that fit the read models' INTEGER columns."""
    return 0 < len(text) < 10 and text.isascii() and text.isdigit()


def _status_changer(status: str) -> Handler:
    def handle(tx: Transaction, e: Any, position: int) -> None:
        tx.execute(
            "UPDATE rm_credentials SET status = ?, status_reason = ?, status_changed_at = ?, "
            "status_position = ? WHERE credential_id = ? AND learner_id = ?",
            (status, e.reason, _iso(e), position, e.credential_id, str(e.originator_id)),
        )

    return handle


def _client_registered(tx: Transaction, e: Any, _: int) -> None:
    tx.execute(
        "INSERT INTO rm_clients (client_id, aggregate_id, owner, secret_hash) VALUES (?, ?, ?, ?)",
        (e.client_id, str(e.originator_id), e.owner, e.secret_hash),
    )


def _client_revoked(tx: Transaction, e: Any, _: int) -> None:
    tx.execute("UPDATE rm_clients SET revoked = 1 WHERE aggregate_id = ?", (str(e.originator_id),))


HANDLERS: dict[str, Handler] = {
    "ApiClient.Registered": _client_registered,
    "ApiClient.Revoked": _client_revoked,
    "Issuer.Registered": _issuer_registered,
    "Issuer.KeyAdded": _key_added,
    "Issuer.KeyRetired": _key_retired,
    "Issuer.AchievementDefined": _achievement_defined,
    "Issuer.AchievementUpdated": _achievement_updated,
    "Issuer.AchievementRetired": _achievement_retired,
    "Passport.Enrolled": _enrolled,
    "Passport.CredentialIssued": _credential_issued,
    "Passport.CredentialRevoked": _status_changer("revoked"),
    "Passport.CredentialSuspended": _status_changer("suspended"),
    "Passport.CredentialReinstated": _status_changer("active"),
    "Passport.Erased": _erased,
}


def apply(tx: Transaction, event: Any, position: int) -> None:
    """Apply one event of the log to the read models (events we do not model are skipped)."""
    handler = HANDLERS.get(type(event).__qualname__)
    if handler is not None:
        handler(tx, event, position)
