"""The Merkle log: every stored event, in log order, is a leaf (RFC 9162), kept incrementally.

A leaf's entry is the RFC 8785 canonical JSON of the event's aggregate id, version, topic and
signed envelope, so the entry visibly holds the event (and a credential, for an award). Leaf
indexes are a dense counter of our own: notification ids have gaps on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence

from eventsourcing.persistence import StoredEvent

from keys.canonical import canonical_json
from projections.database import ReadModelDatabase, Transaction
from projections.merkle_tree import (
    GetNode,
    append_to_frontier,
    consistency_proof,
    inclusion_proof,
    root,
)
from verifier.merkle import leaf_hash


def log_entry(event: StoredEvent) -> bytes:
    """The exact bytes hashed as the event's leaf."""
    return canonical_json(
        {
            "aggregateId": str(event.originator_id),
            "version": event.originator_version,
            "topic": event.topic,
            "event": json.loads(event.state),
        }
    )


def _tree_state(tx: Transaction) -> tuple[int, list[bytes]]:
    """The tree's size and frontier, kept in one row written with each append."""
    rows = tx.execute("SELECT size, frontier FROM rm_merkle_state WHERE id = 1")
    if not rows:
        return 0, []
    return int(rows[0][0]), [bytes.fromhex(h) for h in str(rows[0][1]).split()]


def _tree_size(tx: Transaction) -> int:
    return _tree_state(tx)[0]


def _node_reader(tx: Transaction) -> GetNode:
    def get(level: int, index: int) -> bytes:
        rows = tx.execute(
            "SELECT hash FROM rm_merkle_nodes WHERE level = ? AND idx = ?", (level, index)
        )
        return bytes.fromhex(rows[0][0])

    return get


def _read_nodes(
    tx: Transaction, wanted: Collection[tuple[int, int]]
) -> dict[tuple[int, int], bytes]:
    """The stored nodes at these (level, index) places, in one statement: per level, its
    indexes (each level's part is one primary-key range of the index)."""
    by_level: dict[int, list[int]] = {}
    for level, index in wanted:
        by_level.setdefault(level, []).append(index)
    if not by_level:
        return {}
    clauses, params = [], []
    for level, indexes in sorted(by_level.items()):
        clauses.append(f"(level = ? AND idx IN ({', '.join('?' * len(indexes))}))")
        params += [level, *indexes]
    rows = tx.execute(
        f"SELECT level, idx, hash FROM rm_merkle_nodes WHERE {' OR '.join(clauses)}",  # noqa: S608
        params,
    )
    return {(int(r[0]), int(r[1])): bytes.fromhex(str(r[2])) for r in rows}


def append(tx: Transaction, event: StoredEvent, notification_id: int) -> int:
    """Add the event as the next leaf; return its leaf index (one event: `append_all`)."""
    return append_all(tx, [(event, notification_id)])[0]


def append_all(tx: Transaction, events: Sequence[tuple[StoredEvent, int]]) -> list[int]:
    """Add the events, in order, as the next leaves; return their leaf indexes.

    The tree's state row is read once and written once per call, and the nodes and leaves go in
    one bulk insert each: a batch costs a few round trips, not several per event. (Writing the one
    state row per event also left PostgreSQL a chain of row versions to walk on every read
    until the transaction ended, which made a long rebuild quadratic.)
    """
    if not events:
        return []
    size, frontier = _tree_state(tx)
    nodes: list[tuple[int, int, str]] = []
    leaves: list[tuple[int, int, str, int]] = []

    def put(level: int, position: int, value: bytes) -> None:
        nodes.append((level, position, value.hex()))

    first = size
    for event, notification_id in events:
        append_to_frontier(size, leaf_hash(log_entry(event)), frontier, put)
        leaves.append((size, notification_id, str(event.originator_id), event.originator_version))
        size += 1
    tx.insert_rows("rm_merkle_nodes (level, idx, hash)", nodes)
    tx.insert_rows("rm_merkle_leaves (leaf_index, notification_id, aggregate_id, version)", leaves)
    tx.execute(
        "INSERT INTO rm_merkle_state (id, size, frontier) VALUES (1, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET size = excluded.size, frontier = excluded.frontier",
        (size, " ".join(h.hex() for h in frontier)),
    )
    return list(range(first, size))


class MerkleLog:
    """Reads of the tree: size, roots and proofs, each O(log n) stored nodes."""

    def __init__(self, database: ReadModelDatabase) -> None:
        self._database = database

    def size(self) -> int:
        """How many leaves the tree has (one row read, never a count)."""
        with self._database.read() as tx:
            return _tree_size(tx)

    def root(self, size: int) -> bytes:
        """The root hash of the first `size` leaves (one read)."""
        return root(size, self._nodes_for(lambda get: root(size, get)))

    def inclusion(self, leaf_index: int, size: int) -> list[bytes]:
        """The inclusion path of a leaf in the tree of `size` (one read)."""
        return inclusion_proof(
            leaf_index, size, self._nodes_for(lambda get: inclusion_proof(leaf_index, size, get))
        )

    def consistency(self, first: int, second: int) -> list[bytes]:
        """The consistency proof between two sizes (one read)."""
        return consistency_proof(
            first, second, self._nodes_for(lambda get: consistency_proof(first, second, get))
        )

    def _nodes_for(self, walk: Callable[[GetNode], object]) -> GetNode:
        """The stored nodes a proof or root reads, fetched in one statement: which nodes it
        reads depends only on the indexes and sizes, never on the hashes, so a first pass with
        stand-in hashes learns them. Latency then stays flat as the tree deepens, instead of one
        round trip per level."""
        wanted: set[tuple[int, int]] = set()

        def note(level: int, index: int) -> bytes:
            wanted.add((level, index))
            return bytes(32)

        walk(note)
        with self._database.read() as tx:
            nodes = _read_nodes(tx, wanted)

        def get(level: int, index: int) -> bytes:
            return nodes[(level, index)]

        return get

    def leaf(self, index: int) -> bytes:
        """The stored hash of one leaf."""
        with self._database.read() as tx:
            return _node_reader(tx)(0, index)

    def leaves(self, start: int, end: int) -> dict[int, bytes]:
        """The stored hashes of leaves [start, end), by index (one range of the primary key)."""
        with self._database.read() as tx:
            rows = tx.execute(
                "SELECT idx, hash FROM rm_merkle_nodes WHERE level = 0 AND idx >= ? AND idx < ?",
                (start, end),
            )
        return {int(r[0]): bytes.fromhex(str(r[1])) for r in rows}

    def credential_proofs(
        self, credential_ids: Collection[str], size: int
    ) -> dict[str, tuple[int, int, bytes, list[bytes]]]:
        """For each credential whose issuing event is a leaf of the tree of `size`: (leaf index,
        notification id, leaf hash, inclusion path). Two reads, whatever the number of
        credentials (a passport's paths share their upper nodes), not O(log n) reads each."""
        if not credential_ids:
            return {}
        wanted: set[tuple[int, int]] = set()

        def note(level: int, index: int) -> bytes:
            wanted.add((level, index))
            return bytes(32)  # a stand-in: this pass only learns which nodes a path reads

        with self._database.read() as tx:
            rows = tx.execute(
                "SELECT c.credential_id, l.leaf_index, l.notification_id FROM rm_credentials c "  # noqa: S608
                "JOIN rm_merkle_leaves l ON l.notification_id = c.position "
                f"WHERE c.credential_id IN ({', '.join('?' * len(credential_ids))})",
                list(credential_ids),
            )
            leaves = {str(r[0]): (int(r[1]), int(r[2])) for r in rows if int(r[1]) < size}
            for index, _ in leaves.values():
                wanted.add((0, index))
                inclusion_proof(index, size, note)
            nodes = _read_nodes(tx, wanted)

        def get(level: int, index: int) -> bytes:
            return nodes[(level, index)]

        return {
            credential: (index, notification, get(0, index), inclusion_proof(index, size, get))
            for credential, (index, notification) in leaves.items()
        }

    def leaf_of_credential(
        self, credential_id: str, *, latest_status: bool = False
    ) -> tuple[int, int] | None:
        """(leaf index, notification id) of the event that issued a credential, or of the
        latest change of its status (None if it never changed)."""
        column = "status_position" if latest_status else "position"
        with self._database.read() as tx:
            rows = tx.execute(
                "SELECT l.leaf_index, l.notification_id FROM rm_credentials c "  # noqa: S608
                f"JOIN rm_merkle_leaves l ON l.notification_id = c.{column} "
                "WHERE c.credential_id = ?",
                (credential_id,),
            )
        return (int(rows[0][0]), int(rows[0][1])) if rows else None
