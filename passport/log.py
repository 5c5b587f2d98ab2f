"""The ledger's transparency log: signed checkpoints (C2SP) of the Merkle tree, and proofs.

Anyone may have a credential's leaf hash with its inclusion proof: the hash commits to the
entry (it covers the ledger's signature, which no one can guess), so it reveals nothing. The
entry itself names the learner's passport and holds the credential, so it goes only to whoever
shows they hold that credential (`holds_credential`), and into the learner's own exports.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import weakref
from collections import OrderedDict
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from eventsourcing.persistence import Notification

from keys import PublicKey
from passport.services import LEDGER_ROLE, Services
from projections.merkle_log import MerkleLog, log_entry
from projections.merkle_tree import append_to_frontier, frontier_root
from verifier.canonical import canonical_json
from verifier.merkle import leaf_hash
from verifier.signed_note import Checkpoint, note_verifier_key, sign_note


def origin(services: Services) -> str:
    """The log's name in checkpoints: the ledger's host and path, then `/log`."""
    parts = urlsplit(services.settings.base_url)
    return f"{parts.netloc}{parts.path.rstrip('/')}/log"


def verifier_keys(services: Services) -> list[str]:
    """Note verifier keys of every ledger key, oldest first (rotation keeps old ones)."""
    name = origin(services)
    return [
        note_verifier_key(name, PublicKey.from_multibase(kid))
        for kid in services.key_store.role_keys(LEDGER_ROLE)
    ]


class NotYetCheckpointedError(Exception):
    """The entry is in the log but in no signed checkpoint yet: ask again shortly."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(
            "the entry is recorded but not yet covered by a signed checkpoint of the log; the "
            f"server signs one within {retry_after:g} seconds of the log growing: ask again then"
        )
        self.retry_after = retry_after


def publish_checkpoint(services: Services, at: datetime) -> tuple[int, str]:
    """Apply what was recorded, then sign and keep a checkpoint of the tree (once per size);
    return (size, note). For the CLI; the server's elected signer uses `sign_if_grown`."""
    services.projections.catch_up()
    return _sign(services, MerkleLog(services.read_models).size(), at)


def sign_if_grown(services: Services, at: datetime) -> bool:
    """Sign a checkpoint of the tree as the read models have it, if it grew since the newest
    checkpoint; whether one was signed. Applies nothing (the follower does)."""
    size = MerkleLog(services.read_models).size()
    newest = newest_checkpoint(services)
    if size == 0 or (newest is not None and newest[0] >= size):
        return False
    _sign(services, size, at)
    return True


def _sign(services: Services, size: int, at: datetime) -> tuple[int, str]:
    tree = MerkleLog(services.read_models)
    with services.read_models.transaction() as tx:
        rows = tx.execute("SELECT note FROM log_checkpoints WHERE size = ?", (size,))
    if rows:
        return size, str(rows[0][0])
    root_hash = tree.root(size)
    key = services.key_store.signer(services.key_store.current_for_role(LEDGER_ROLE))
    note = sign_note(Checkpoint(origin(services), size, root_hash).text(), origin(services), key)
    with services.read_models.transaction() as tx:
        tx.execute(
            "INSERT INTO log_checkpoints (size, root, note, published_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (size) DO NOTHING",
            (size, root_hash.hex(), note, at.isoformat()),
        )
        kept = tx.execute("SELECT note FROM log_checkpoints WHERE size = ?", (size,))
    return size, str(kept[0][0])


def newest_checkpoint(services: Services) -> tuple[int, str] | None:
    """The newest signed checkpoint's (size, note), or None before the first (reads only)."""
    with services.read_models.read() as tx:
        rows = tx.execute("SELECT size, note FROM log_checkpoints ORDER BY size DESC LIMIT 1")
    return (int(rows[0][0]), str(rows[0][1])) if rows else None


def latest_checkpoint(services: Services) -> str | None:
    """The newest signed checkpoint's note, or None before the first is signed (reads only)."""
    newest = newest_checkpoint(services)
    return newest[1] if newest else None


def checkpoints(services: Services) -> list[tuple[int, bytes, str]]:
    """Every checkpoint published: (size, root, note), smallest first."""
    with services.read_models.read() as tx:
        rows = tx.execute("SELECT size, root, note FROM log_checkpoints ORDER BY size")
    return [(int(r[0]), bytes.fromhex(r[1]), str(r[2])) for r in rows]


def credential_digest(credential: dict[str, Any] | str) -> str:
    """What a holder shows to prove they hold a credential: the hex SHA-256 of its RFC 8785
    canonical JSON, or of a `vc+jwt`'s compact text."""
    text = credential if isinstance(credential, str) else canonical_json(credential).decode()
    return hashlib.sha256(text.encode()).hexdigest()


def holds_credential(services: Services, credential_id: str, digest: str) -> bool:
    """Whether `digest` is that of the credential recorded under this id (either form)."""
    services.refresh()
    with services.read_models.read() as tx:
        rows = tx.execute(
            "SELECT credential, jwt FROM rm_credentials WHERE credential_id = ?", (credential_id,)
        )
    if not rows:
        return False
    recorded = (credential_digest(json.loads(rows[0][0])), credential_digest(str(rows[0][1])))
    offered = digest.strip().lower()
    return any(hmac.compare_digest(offered, d) for d in recorded)


def inclusion_for_credential(
    services: Services,
    credential_id: str,
    tree_size: int | None = None,
    *,
    latest_status: bool = False,
    with_entry: bool = False,
) -> dict[str, object] | None:
    """What anyone needs to check, without our code, that the credential's issuing event (or
    the latest change of its status) is in the log: the leaf hash, its index, the inclusion
    path, a signed checkpoint and its key; `with_entry`, the leaf's entry too (only for whoever
    holds the credential). None if there is no such event. Proved against the newest signed
    checkpoint (or `tree_size`'s); NotYetCheckpointedError if none covers the leaf yet. Writes
    nothing: checkpoints are signed by the server's elected signer or the CLI."""
    services.refresh()
    tree = MerkleLog(services.read_models)
    located = tree.leaf_of_credential(credential_id, latest_status=latest_status)
    if located is None:
        return None
    leaf_index, notification_id = located
    newest = newest_checkpoint(services)
    if newest is None or newest[0] <= leaf_index:
        raise NotYetCheckpointedError(services.settings.checkpoint_interval or 60.0)
    size, note = newest
    if tree_size is not None:
        if not leaf_index < tree_size <= size:
            raise ValueError(f"tree_size must be between {leaf_index + 1} and {size}")
        size, note = tree_size, _note_for(services, tree_size)
    proof: dict[str, object] = {
        "leafIndex": leaf_index,
        "treeSize": size,
        "leafHash": base64.b64encode(tree.leaf(leaf_index)).decode(),
    }
    if with_entry:
        event = services.ledger.recorder.select_notifications(notification_id, 1)[0]
        proof["entry"] = base64.b64encode(log_entry(event)).decode()
    return proof | {
        "inclusionPath": [base64.b64encode(h).decode() for h in tree.inclusion(leaf_index, size)],
        "checkpoint": note,
        "noteVerifierKeys": verifier_keys(services),
    }


def inclusions_for_credentials(
    services: Services, credential_ids: Collection[str], checkpoint: tuple[int, str]
) -> dict[str, dict[str, object]]:
    """`inclusion_for_credential(…, with_entry=True)` of each credential's issuing event, against
    one signed checkpoint (size, note), without `noteVerifierKeys`: for a passport file, in a
    fixed number of reads (the entries of leaves read before are remembered: they never change).
    Credentials recorded after the checkpoint, or unknown, are left out."""
    services.refresh()
    size, note = checkpoint
    found = MerkleLog(services.read_models).credential_proofs(credential_ids, size)
    entries = _ENTRIES.of(services)
    proofs: dict[str, dict[str, object]] = {}
    for credential_id, (leaf_index, notification_id, leaf, path) in found.items():
        entry = entries.get(notification_id)
        if entry is None:
            event = services.ledger.recorder.select_notifications(notification_id, 1)[0]
            entry = base64.b64encode(log_entry(event)).decode()
            entries.put(notification_id, entry)
        proofs[credential_id] = {
            "leafIndex": leaf_index,
            "treeSize": size,
            "leafHash": base64.b64encode(leaf).decode(),
            "entry": entry,
            "inclusionPath": [base64.b64encode(h).decode() for h in path],
            "checkpoint": note,
        }
    return proofs


class _EntryCache:
    """Leaf entries (base64) by notification id, the most recently used kept: a stored event
    never changes, so neither does its entry. One cache per event store."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[int, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, notification_id: int) -> str | None:
        with self._lock:
            entry = self._entries.get(notification_id)
            if entry is not None:
                self._entries.move_to_end(notification_id)
            return entry

    def put(self, notification_id: int, entry: str) -> None:
        with self._lock:
            self._entries[notification_id] = entry
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


class _EntryCaches:
    def __init__(self) -> None:
        self._by_store: weakref.WeakKeyDictionary[object, _EntryCache] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def of(self, services: Services) -> _EntryCache:
        with self._lock:
            recorder = services.ledger.recorder
            if recorder not in self._by_store:
                self._by_store[recorder] = _EntryCache(ENTRY_CACHE_SIZE)
            return self._by_store[recorder]


ENTRY_CACHE_SIZE = 4096  # entries are a few kB: about 16 MB at most per process
_ENTRIES = _EntryCaches()


def _note_for(services: Services, size: int) -> str:
    with services.read_models.read() as tx:
        rows = tx.execute("SELECT note FROM log_checkpoints WHERE size = ?", (size,))
    if not rows:
        raise ValueError(f"no checkpoint was published at size {size}")
    return str(rows[0][0])


class TreeReplay:
    """Recomputes the tree from the events fed to it in log order, comparing each leaf with the
    tree's stored leaf and each published checkpoint's root with the recomputed one. Holds only
    the tree's frontier (O(log n) hashes) and reads stored leaves a page at a time."""

    def __init__(self, services: Services) -> None:
        self._published = {size: root_hash for size, root_hash, _ in checkpoints(services)}
        self._stored = MerkleLog(services.read_models)
        self._stored_size = self._stored.size()
        self._frontier: list[bytes] = []
        self.size = 0
        self.divergence: str | None = None

    @property
    def checkpoints(self) -> int:
        """How many published checkpoints the replay compares with."""
        return len(self._published)

    def feed(self, events: Sequence[Notification]) -> None:
        """The next events of the log, in order; stops looking after the first difference."""
        if self.divergence is not None or not events:
            return
        stored = self._stored.leaves(self.size, min(self.size + len(events), self._stored_size))
        for event in events:
            leaf = leaf_hash(log_entry(event))
            if self.size < self._stored_size and stored.get(self.size) != leaf:
                self.divergence = (
                    f"log position {event.id} (aggregate {event.originator_id}, version "
                    f"{event.originator_version}) no longer hashes to leaf {self.size} of the tree"
                )
                return
            append_to_frontier(self.size, leaf, self._frontier, _keep_nothing)
            self.size += 1
            published = self._published.get(self.size)
            if published is not None and frontier_root(self._frontier) != published:
                self.divergence = (
                    f"the log no longer matches the checkpoint published at size {self.size}"
                )
                return

    def finish(self) -> str | None:
        """The first difference found, or a checkpoint beyond the log's end; None when all
        agree."""
        if self.divergence is not None:
            return self.divergence
        missing = [s for s in self._published if s > self.size]
        if missing:
            return f"the log is shorter ({self.size}) than a published checkpoint ({min(missing)})"
        return None


def _keep_nothing(level: int, index: int, value: bytes) -> None:
    """The replay keeps the frontier only, not the tree's nodes."""


def first_divergence(services: Services) -> str | None:
    """Replay the whole log against the stored tree and the published checkpoints (see
    `TreeReplay`): the first difference described, None when all agree."""
    replay = TreeReplay(services)
    position = 0
    while True:
        batch = services.ledger.recorder.select_notifications(
            position, 1000, inclusive_of_start=False
        )
        replay.feed(batch)
        if len(batch) < 1000:
            return replay.finish()
        position = batch[-1].id
