"""RFC 9162 §2.1 Merkle tree hashing and proof verification (as RFC 6962, SHA-256).

`verify_inclusion` follows §2.1.3.2 and `verify_consistency` §2.1.4.2, step for step. Sizes
are checked as transparency-dev/merkle does: every hash is 32 bytes, a leaf index must be below
the tree size, and a consistency proof from size 0 is refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
HASH_SIZE = 32


class MerkleProofError(ValueError):
    """A proof that does not hold; the message says how."""


def leaf_hash(entry: bytes) -> bytes:
    """MTH of one entry: SHA-256(0x00 || entry)."""
    return hashlib.sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """An interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def empty_root() -> bytes:
    """MTH of the empty tree: SHA-256 of the empty string."""
    return hashlib.sha256(b"").digest()


def _check_sizes(*hashes: bytes) -> None:
    for value in hashes:
        if len(value) != HASH_SIZE:
            raise MerkleProofError(f"hash has wrong size: expected {HASH_SIZE}, got {len(value)}")


def verify_inclusion(
    leaf: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Return if `proof` shows `leaf` at `index` in the tree of `tree_size` with `root`."""
    _check_sizes(leaf, root, *proof)
    if index >= tree_size or index < 0:
        raise MerkleProofError(f"leaf index {index} is outside a tree of size {tree_size}")
    fn, sn, r = index, tree_size - 1, leaf
    for p in proof:
        if sn == 0:
            raise MerkleProofError("inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise MerkleProofError("inclusion proof is shorter than the tree is deep")
    if r != root:
        raise MerkleProofError("calculated root does not match")


def _verify_same_tree(proof: Sequence[bytes], root1: bytes, root2: bytes) -> None:
    if proof:
        raise MerkleProofError("sizes are equal but the proof is not empty")
    if root1 != root2:
        raise MerkleProofError("sizes are equal but the roots differ")


def _roots_from_path(fn: int, sn: int, path: list[bytes]) -> tuple[bytes, bytes, int]:
    """§2.1.4.2 steps 3-6: both roots computed along the path, and what is left of sn."""
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise MerkleProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr, sr, sn


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Return if `proof` shows the tree of `size1` (root1) is a prefix of `size2` (root2)."""
    if size1 <= 0 or size1 > size2:
        raise MerkleProofError(f"no consistency proof from size {size1} to size {size2}")
    if size1 == size2:
        _verify_same_tree(proof, root1, root2)
        return
    _check_sizes(root1, root2, *proof)
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, root1)
    if not path:
        raise MerkleProofError("consistency proof is empty")
    fr, sr, sn = _roots_from_path(size1 - 1, size2 - 1, path)
    if sn != 0:
        raise MerkleProofError("consistency proof is too short")
    if fr != root1:
        raise MerkleProofError("calculated first root does not match")
    if sr != root2:
        raise MerkleProofError("calculated second root does not match")
