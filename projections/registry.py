"""The projection of the issuer registry: recognised entities, and a count of its changes.

Every issuer registered on the ledger is recognised from its registration, for anything it
issues, with its key history (`rm_issuer_keys`); the operator's `RegistryEntry` events add
entities from elsewhere and align, suspend, reinstate or derecognise any of them. Each event
that changes what the registry says adds one to `rm_registry_state.changes`, from which the
published version is derived (so a rebuild gives the same versions).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from events.registry import RegistryEntry
from projections.database import Transaction
from verifier.timestamps import xsd_datetime

Handler = Callable[[Transaction, Any], None]
SCHEMA = (
    """CREATE TABLE IF NOT EXISTS rm_registry_entries (
        entry_id TEXT PRIMARY KEY, did TEXT NOT NULL, name TEXT NOT NULL, url TEXT,
        role TEXT NOT NULL, recognised_from TEXT NOT NULL, derecognised_at TEXT,
        suspensions TEXT NOT NULL, alignments TEXT NOT NULL, keys TEXT,
        accredited_by TEXT NOT NULL, accrediting TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS rm_registry_state (
        id INTEGER PRIMARY KEY, changes BIGINT NOT NULL)""",
)
TABLES = ("rm_registry_entries", "rm_registry_state")


def _changed(tx: Transaction) -> None:
    if tx.execute("SELECT changes FROM rm_registry_state WHERE id = 1"):
        tx.execute("UPDATE rm_registry_state SET changes = changes + 1 WHERE id = 1")
    else:
        tx.execute("INSERT INTO rm_registry_state (id, changes) VALUES (1, 1)")


def _insert(tx: Transaction, did: str, values: tuple[Any, ...], alignments: list[Any]) -> None:
    """(Re)write an entry: `values` are name, url, role, recognised from, keys, accredited by."""
    entry_id = str(RegistryEntry.create_id(did))
    tx.execute("DELETE FROM rm_registry_entries WHERE entry_id = ?", (entry_id,))
    tx.execute(
        "INSERT INTO rm_registry_entries (entry_id, did, name, url, role, recognised_from, "
        "keys, accredited_by, derecognised_at, suspensions, alignments, accrediting) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, '[]', ?, '[]')",
        (entry_id, did, *values, json.dumps(alignments)),
    )


def _issuer_registered(tx: Transaction, e: Any) -> None:
    at = xsd_datetime(e.timestamp)  # to the second, as proofs' `created` is written
    # Registered on this ledger: recognised from then, for anything it issues, until told.
    _insert(tx, e.did, (e.name, e.url, "issuer", at, None, "[]"), [{"from": at}])


def _key_added(tx: Transaction, e: Any) -> None:
    """An issuer registered here with a key valid from before the registration was recorded
    (registration takes its time as input) is recognised from that key's start."""
    rows = tx.execute(
        "SELECT r.entry_id, r.recognised_from, r.alignments FROM rm_registry_entries r "
        "JOIN rm_issuers i ON i.did = r.did WHERE i.issuer_id = ? AND r.keys IS NULL",
        (str(e.originator_id),),
    )
    if not rows or not e.at < rows[0][1]:
        return
    entry_id, since, alignments = rows[0]
    moved = [{**a, "from": e.at} if a.get("from") == since else a for a in json.loads(alignments)]
    tx.execute(
        "UPDATE rm_registry_entries SET recognised_from = ?, alignments = ? WHERE entry_id = ?",
        (e.at, json.dumps(moved), entry_id),
    )


def _recognised(tx: Transaction, e: Any) -> None:
    existing = tx.execute(
        "SELECT alignments, keys FROM rm_registry_entries WHERE entry_id = ?",
        (str(e.originator_id),),
    )
    # An issuer registered on this ledger keeps its alignments and its ledger key history.
    alignments = json.loads(existing[0][0]) if existing else []
    keys = None if existing and existing[0][1] is None and not e.keys else json.dumps(e.keys)
    values = (e.name, e.url, e.role, e.at, keys, json.dumps(e.accredited_by))
    _insert(tx, e.did, values, alignments)


def _update_list(
    tx: Transaction, entry_id: str, column: str, change: Callable[[list[Any]], None]
) -> None:
    query = f"SELECT {column} FROM rm_registry_entries WHERE entry_id = ?"  # noqa: S608 - ours
    rows = tx.execute(query, (entry_id,))
    if not rows:
        return
    items = json.loads(rows[0][0])
    change(items)
    tx.execute(
        f"UPDATE rm_registry_entries SET {column} = ? WHERE entry_id = ?",  # noqa: S608
        (json.dumps(items), entry_id),
    )


def _aligned(tx: Transaction, e: Any) -> None:
    alignment = {
        "achievementType": e.achievement_type,
        "subject": e.subject,
        "from": e.start,
        "until": e.until,
    }
    _update_list(tx, str(e.originator_id), "alignments", lambda items: items.append(alignment))


def _accrediting(tx: Transaction, e: Any) -> None:
    period = {"from": e.start, "until": e.until}
    _update_list(tx, str(e.originator_id), "accrediting", lambda items: items.append(period))


def _suspended(tx: Transaction, e: Any) -> None:
    _update_list(
        tx,
        str(e.originator_id),
        "suspensions",
        lambda items: items.append({"from": e.at, "until": e.until}),
    )


def _reinstated(tx: Transaction, e: Any) -> None:
    def close(items: list[Any]) -> None:
        for item in items:
            if item["until"] is None:
                item["until"] = e.at

    _update_list(tx, str(e.originator_id), "suspensions", close)


def _derecognised(tx: Transaction, e: Any) -> None:
    tx.execute(
        "UPDATE rm_registry_entries SET derecognised_at = ? WHERE entry_id = ?",
        (e.at, str(e.originator_id)),
    )


HANDLERS: dict[str, Handler] = {
    "Issuer.Registered": _issuer_registered,
    "Issuer.KeyAdded": _key_added,
    "Issuer.KeyRetired": lambda tx, e: None,
    "RegistryEntry.IssuerRecognised": _recognised,
    "RegistryEntry.IssuerAligned": _aligned,
    "RegistryEntry.AccreditingRecognised": _accrediting,
    "RegistryEntry.IssuerSuspended": _suspended,
    "RegistryEntry.IssuerReinstated": _reinstated,
    "RegistryEntry.IssuerDerecognised": _derecognised,
}


def apply(tx: Transaction, event: Any) -> None:
    """Apply one event to the registry's read model (other events are skipped)."""
    handler = HANDLERS.get(type(event).__qualname__)
    if handler is not None:
        handler(tx, event)
        _changed(tx)


def changes(tx: Transaction) -> int:
    """How many events have changed what the registry says."""
    rows = tx.execute("SELECT changes FROM rm_registry_state WHERE id = 1")
    return int(rows[0][0]) if rows else 0


def entities(tx: Transaction) -> list[dict[str, Any]]:
    """Every recognised entity in the registry's JSON form, by DID; a ledger issuer's keys are
    its key history on the ledger."""
    rows = tx.execute(
        "SELECT did, name, url, role, recognised_from, derecognised_at, suspensions, alignments, "
        "keys, accredited_by, accrediting FROM rm_registry_entries ORDER BY did"
    )
    ledger_keys = tx.execute(
        "SELECT i.did, k.key_id, k.public_key_multibase, k.valid_from, k.retired_at "
        "FROM rm_issuer_keys k JOIN rm_issuers i ON i.issuer_id = k.issuer_id "
        "ORDER BY k.valid_from, k.key_id"
    )
    found = []
    for row in rows:
        did, name, url, role, since, until, suspensions, alignments, keys, accredited = row[:10]
        entity: dict[str, Any] = {
            "id": did,
            "type": ["RecognizedEntity"],
            "name": name,
            "role": role,
            "recognisedFrom": since,
            "suspensions": json.loads(suspensions),
            "alignments": json.loads(alignments),
            "accreditedBy": json.loads(accredited),
        }
        if json.loads(row[10]):  # periods as a recognised accrediting body, when it has any
            entity["accrediting"] = json.loads(row[10])
        if url:
            entity["url"] = url
        if until:
            entity["derecognisedAt"] = until
        entity["keys"] = (
            json.loads(keys)
            if keys is not None
            else [
                {"id": k[1], "publicKeyMultibase": k[2], "validFrom": k[3], "retiredAt": k[4]}
                for k in ledger_keys
                if k[0] == did
            ]
        )
        found.append(entity)
    return found
