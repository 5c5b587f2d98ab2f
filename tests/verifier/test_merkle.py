"""RFC 9162 Merkle proofs against the published vectors and random trees."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projections.merkle_tree import (
    MemoryNodes,
    append_leaf,
    consistency_proof,
    inclusion_proof,
    root,
)
from verifier.merkle import (
    MerkleProofError,
    empty_root,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)

DATA = Path(__file__).parents[1] / "data" / "merkle"
VECTORS = DATA / "transparency-dev-merkle" / "testdata"


def _b(text: str) -> bytes:
    return base64.b64decode(text)


def _cases(kind: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (str(p.relative_to(VECTORS / kind)), json.loads(p.read_text()))
        for p in sorted((VECTORS / kind).rglob("*.json"))
    ]


@pytest.mark.parametrize(
    ("name", "case"), _cases("inclusion"), ids=lambda v: v if isinstance(v, str) else ""
)
def test_inclusion_vectors(name, case):
    """Every transparency-dev inclusion vector: happy paths verify, each corruption is refused."""

    def run() -> None:
        verify_inclusion(
            _b(case["leafHash"]),
            case["leafIdx"],
            case["treeSize"],
            [_b(p) for p in case["proof"] or []],
            _b(case["root"]),
        )

    if case["wantErr"]:
        with pytest.raises(MerkleProofError):
            run()
    else:
        run()


@pytest.mark.parametrize(
    ("name", "case"), _cases("consistency"), ids=lambda v: v if isinstance(v, str) else ""
)
def test_consistency_vectors(name, case):
    """Every transparency-dev consistency vector: happy paths verify, each corruption is refused."""

    def run() -> None:
        verify_consistency(
            case["size1"],
            case["size2"],
            [_b(p) for p in case["proof"] or []],
            _b(case["root1"]),
            _b(case["root2"]),
        )

    if case["wantErr"]:
        with pytest.raises(MerkleProofError):
            run()
    else:
        run()


def test_reference_tree_roots_are_reproduced():
    """Our incremental tree gives the RFC 6962 reference roots for sizes 0 to 8."""
    reference = json.loads((DATA / "rfc6962-reference-tree.json").read_text())
    nodes = MemoryNodes()
    assert (
        root(0, nodes.get).hex()
        == reference["root_hashes_hex_by_size"]["0"]
        == (empty_root().hex())
    )
    for size, entry in enumerate(reference["leaf_inputs_hex"], start=1):
        append_leaf(size - 1, leaf_hash(bytes.fromhex(entry)), nodes.put, nodes.get)
        assert root(size, nodes.get).hex() == reference["root_hashes_hex_by_size"][str(size)]


def test_generated_proofs_match_the_published_ones():
    """Our inclusion and consistency proofs for the reference tree equal the vectors' proofs."""
    reference = json.loads((DATA / "rfc6962-reference-tree.json").read_text())
    nodes = MemoryNodes()
    for index, entry in enumerate(reference["leaf_inputs_hex"]):
        append_leaf(index, leaf_hash(bytes.fromhex(entry)), nodes.put, nodes.get)
    for _, case in _cases("inclusion"):
        if case["desc"] == "happy path" and case["treeSize"] <= 8:
            assert [
                base64.b64encode(p).decode()
                for p in inclusion_proof(case["leafIdx"], case["treeSize"], nodes.get)
            ] == (case["proof"] or [])
    for _, case in _cases("consistency"):
        if case["desc"] == "happy path" and case["size2"] <= 8 and case["size1"] > 0:
            assert [
                base64.b64encode(p).decode()
                for p in consistency_proof(case["size1"], case["size2"], nodes.get)
            ] == (case["proof"] or [])


@settings(max_examples=40, deadline=None)
@given(size=st.integers(1, 300), data=st.data())
def test_every_proof_of_a_random_tree_verifies_and_altered_ones_fail(size, data):
    """For random trees, proofs verify; a flipped bit, a dropped node or a wrong index fails."""
    nodes = MemoryNodes()
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    for i, leaf in enumerate(leaves):
        append_leaf(i, leaf, nodes.put, nodes.get)
    index = data.draw(st.integers(0, size - 1))
    tree_size = data.draw(st.integers(index + 1, size))
    top = root(tree_size, nodes.get)
    proof = inclusion_proof(index, tree_size, nodes.get)
    verify_inclusion(leaves[index], index, tree_size, proof, top)
    if proof:
        flipped = [bytes([proof[0][0] ^ 1]) + proof[0][1:], *proof[1:]]
        with pytest.raises(MerkleProofError):
            verify_inclusion(leaves[index], index, tree_size, flipped, top)
        with pytest.raises(MerkleProofError):
            verify_inclusion(leaves[index], index, tree_size, proof[:-1], top)
    with pytest.raises(MerkleProofError):
        verify_inclusion(leaves[index], index, tree_size, [*proof, top], top)
    first = data.draw(st.integers(1, tree_size))
    old = root(first, nodes.get)
    verify_consistency(first, tree_size, consistency_proof(first, tree_size, nodes.get), old, top)
    if first < tree_size:
        with pytest.raises(MerkleProofError):
            verify_consistency(
                first,
                tree_size,
                consistency_proof(first, tree_size, nodes.get),
                leaf_hash(b"forged"),
                top,
            )


def test_a_proof_reads_only_log_n_nodes():
    """Proof generation for a tree of 4,096 leaves touches a few dozen stored nodes, not all."""
    nodes = MemoryNodes()
    for i in range(4096):
        append_leaf(i, leaf_hash(i.to_bytes(4, "big")), nodes.put, nodes.get)
    assert len(nodes.store) < 2 * 4096
    reads = []

    def counting(level: int, index: int) -> bytes:
        reads.append((level, index))
        return nodes.get(level, index)

    inclusion_proof(1234, 4000, counting)
    assert len(reads) <= 4 * 12
