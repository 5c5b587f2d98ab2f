"""The Merkle tree's size and frontier: kept with each append, never counted, always right."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from passport.log import first_divergence, publish_checkpoint
from projections import database
from projections.merkle_log import MerkleLog
from projections.merkle_tree import MemoryNodes, append_to_frontier, frontier_root, root
from verifier.merkle import leaf_hash, node_hash, verify_consistency, verify_inclusion

REFERENCE = Path(__file__).parents[1] / "data" / "merkle" / "rfc6962-reference-tree.json"


def test_the_frontier_gives_the_rfc6962_reference_roots():
    """Appending through the frontier reproduces the reference roots for sizes 0 to 8."""
    reference = json.loads(REFERENCE.read_text())
    nodes, frontier = MemoryNodes(), list[bytes]()
    assert frontier_root(frontier).hex() == reference["root_hashes_hex_by_size"]["0"]
    for size, entry in enumerate(reference["leaf_inputs_hex"], start=1):
        append_to_frontier(size - 1, leaf_hash(bytes.fromhex(entry)), frontier, nodes.put)
        expected = reference["root_hashes_hex_by_size"][str(size)]
        assert frontier_root(frontier).hex() == expected
        assert root(size, nodes.get).hex() == expected


@settings(max_examples=30, deadline=None)
@given(size=st.integers(1, 600))
def test_nodes_stored_through_the_frontier_answer_every_root(size):
    """The stored perfect subtrees give the same root as the frontier at every size."""
    nodes, frontier = MemoryNodes(), list[bytes]()
    for index in range(size):
        append_to_frontier(index, leaf_hash(index.to_bytes(4, "big")), frontier, nodes.put)
        assert root(index + 1, nodes.get) == frontier_root(frontier)
    assert len(frontier) == bin(size).count("1")


def test_the_stored_size_follows_the_log_through_catch_up_and_rebuild(services):
    """The tree's size is the number of events in the log, after catch-up and after a rebuild,
    and its root still matches the audit's recomputation."""
    for n in range(7):
        services.ledger.register_issuer(f"academy-{n}", "Academy", "https://a.example", "did:x")
    services.projections.catch_up()
    events = len(services.ledger.recorder.select_notifications(1, 1000))
    tree = MerkleLog(services.read_models)
    assert tree.size() == events
    size, _ = publish_checkpoint(services, datetime.now(UTC))
    assert size == events
    services.projections.rebuild()
    assert tree.size() == events
    assert first_divergence(services) is None


def _mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 §2.1's Merkle Tree Hash, straight from its definition (leaf hashes given)."""
    if len(leaves) == 1:
        return leaves[0]
    split = 1 << ((len(leaves) - 1).bit_length() - 1)  # the largest power of two below n
    return node_hash(_mth(leaves[:split]), _mth(leaves[split:]))


def test_proofs_verify_and_read_their_nodes_in_one_statement(services, monkeypatch):
    """At every size of a 37-leaf tree, the root matches RFC 6962's definition, every inclusion
    and consistency proof verifies by RFC 9162's algorithms, and each root or proof reads the
    stored tree with one statement, however deep the tree (not one round trip per level)."""
    for n in range(37):
        services.ledger.register_issuer(f"academy-{n}", "Academy", "https://a.example", "did:x")
    services.projections.catch_up()
    tree = MerkleLog(services.read_models)
    size = tree.size()
    leaves = [tree.leaf(i) for i in range(size)]
    statements: list[str] = []
    for cls in (database._SQLiteTransaction, database._PostgresTransaction):

        def execute(
            self: Any, sql: str, params: Sequence[Any] = (), _one: Any = cls.execute
        ) -> Any:
            statements.append(sql)
            return _one(self, sql, params)

        monkeypatch.setattr(cls, "execute", execute)
    for n in range(1, size + 1):
        statements.clear()
        expected = _mth(leaves[:n])
        assert tree.root(n) == expected
        assert len(statements) == 1, statements
        for index in range(n):
            statements.clear()
            verify_inclusion(leaves[index], index, n, tree.inclusion(index, n), expected)
            assert len(statements) <= 1, statements  # none when the path is empty (n = 1)
        for first in range(1, n):
            statements.clear()
            proof = tree.consistency(first, n)
            assert len(statements) <= 1, statements
            verify_consistency(first, n, proof, _mth(leaves[:first]), expected)
