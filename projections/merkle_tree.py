"""The log's Merkle tree, grown one leaf at a time, with proofs read from stored nodes.

Only perfect subtrees are stored: node (level, index) is the hash of leaves
[index * 2**level, (index + 1) * 2**level). Appending stores O(log n) nodes; a root or a proof
(RFC 6962 §2.1.1 PATH and §2.1.2 SUBPROOF) reads O(log n) of them.
"""

from __future__ import annotations

from collections.abc import Callable

from verifier.merkle import empty_root, node_hash

GetNode = Callable[[int, int], bytes]
PutNode = Callable[[int, int, bytes], None]


def _largest_power_of_two_below(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def append_leaf(index: int, leaf: bytes, put: PutNode, get: GetNode) -> None:
    """Store leaf `index` and every perfect subtree it completes."""
    put(0, index, leaf)
    level, position, value = 0, index, leaf
    while position & 1:
        value = node_hash(get(level, position - 1), value)
        level, position = level + 1, position >> 1
        put(level, position, value)


def append_to_frontier(index: int, leaf: bytes, frontier: list[bytes], put: PutNode) -> None:
    """Store leaf `index` and every perfect subtree it completes, reading nothing: `frontier`
    (the roots of the perfect subtrees the first `index` leaves split into, largest first) is
    updated in place to cover `index + 1` leaves."""
    put(0, index, leaf)
    level, position, value = 0, index, leaf
    while position & 1:
        value = node_hash(frontier.pop(), value)
        level, position = level + 1, position >> 1
        put(level, position, value)
    frontier.append(value)


def frontier_root(frontier: list[bytes]) -> bytes:
    """The root hash of the tree whose perfect subtrees are `frontier` (largest first)."""
    if not frontier:
        return empty_root()
    value = frontier[-1]
    for left in reversed(frontier[:-1]):
        value = node_hash(left, value)
    return value


def _subtree(start: int, end: int, get: GetNode) -> bytes:
    """MTH of leaves [start, end)."""
    size = end - start
    if size & (size - 1) == 0 and start % size == 0:
        level = size.bit_length() - 1
        return get(level, start >> level)
    k = _largest_power_of_two_below(size)
    return node_hash(_subtree(start, start + k, get), _subtree(start + k, end, get))


def root(tree_size: int, get: GetNode) -> bytes:
    """The root hash of the first `tree_size` leaves."""
    return empty_root() if tree_size == 0 else _subtree(0, tree_size, get)


def inclusion_proof(index: int, tree_size: int, get: GetNode) -> list[bytes]:
    """PATH(index, D[0:tree_size]) (RFC 6962 §2.1.1), leaf side first."""
    if not 0 <= index < tree_size:
        raise ValueError(f"leaf {index} is not in a tree of size {tree_size}")

    def path(m: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n == 1:
            return []
        k = _largest_power_of_two_below(n)
        if m < k:
            return [*path(m, start, start + k), _subtree(start + k, end, get)]
        return [*path(m - k, start + k, end), _subtree(start, start + k, get)]

    return path(index, 0, tree_size)


def consistency_proof(size1: int, size2: int, get: GetNode) -> list[bytes]:
    """PROOF(size1, D[0:size2]) (RFC 6962 §2.1.2)."""
    if not 0 < size1 <= size2:
        raise ValueError(f"no consistency proof from size {size1} to {size2}")

    def subproof(m: int, start: int, end: int, whole: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if whole else [_subtree(start, end, get)]
        k = _largest_power_of_two_below(n)
        if m <= k:
            return [*subproof(m, start, start + k, whole), _subtree(start + k, end, get)]
        return [*subproof(m - k, start + k, end, False), _subtree(start, start + k, get)]

    return subproof(size1, 0, size2, True)


class MemoryNodes:
    """Nodes in a dict: for tests and for recomputing a tree during an audit."""

    def __init__(self) -> None:
        self.store: dict[tuple[int, int], bytes] = {}

    def get(self, level: int, index: int) -> bytes:
        """One stored node."""
        return self.store[(level, index)]

    def put(self, level: int, index: int, value: bytes) -> None:
        """Store one node."""
        self.store[(level, index)] = value
