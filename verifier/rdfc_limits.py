"""Bounds on RDF canonicalisation work, checked before pyoxigraph runs RDFC-1.0 on a dataset.

RDFC-1.0 (W3C RDF Dataset Canonicalization §4.4; its "dataset poisoning" consideration, which
vc-di-eddsa makes a MUST to detect and refuse by default) tells apart blank
nodes that their own quads do not (equal first-degree hashes) by hashing paths through the
graph, trying every permutation of related nodes: exponential in the number of such nodes. A
2 kB credential of nine blank nodes linked to each other took pyoxigraph minutes, holding the
GIL (so the whole server stopped), and pyoxigraph offers no limit. So the work RDFC-1.0 would
do is counted here first, as Digital Bazaar's rdf-canonize (behind vc.js) bounds it by
default (`maxWorkFactor` 1): at most as many Hash N-Degree Quads calls as there are blank nodes
without a first-degree hash of their own; and, which rdf-canonize leaves unbounded, a cap on
the steps those calls take (quads read, permutations tried, labels copied). A dataset over
either limit, or with more blank nodes than any credential needs, is refused with
`CanonicalisationLimitError` before pyoxigraph sees it.

Real credentials pass untouched: their blank nodes are told apart by their own content, and
only their first-degree hashes are computed here; the deeper count runs only when two blank
nodes share one. tests/verifier/test_rdfc_limits.py holds the decisions to rdf-canonize's.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator, Sequence

import pyoxigraph

from verifier.errors import CanonicalisationLimitError

MAX_BLANK_NODES = 10_000
MAX_STEPS = 200_000

# A quad's terms: N-Quads text for IRIs and literals, an int for a blank node, None for the
# default graph.
_Term = str | int | None
_Quad = tuple[_Term, str, _Term, _Term]


def _term(term: object, blanks: dict[str, int]) -> _Term:
    if isinstance(term, pyoxigraph.BlankNode):
        return blanks.setdefault(term.value, len(blanks))
    if isinstance(term, pyoxigraph.DefaultGraph):
        return None
    return str(term)


def _arrangements(items: list[int]) -> Iterator[tuple[int, ...]]:
    """Each distinct order of the items, once: a node related through several quads is listed
    once per quad, and its copies swapping places changes nothing (rdf-canonize's permuter
    never swaps equal items either)."""
    current = sorted(items)
    while True:
        yield tuple(current)
        pivot = len(current) - 2  # the next order in lexicographic order, or the end
        while pivot >= 0 and current[pivot] >= current[pivot + 1]:
            pivot -= 1
        if pivot < 0:
            return
        swap = len(current) - 1
        while current[swap] <= current[pivot]:
            swap -= 1
        current[pivot], current[swap] = current[swap], current[pivot]
        current[pivot + 1 :] = reversed(current[pivot + 1 :])


class _Issuer:
    """RDFC-1.0 §4.5 identifier issuer: labels in the order blank nodes are first met."""

    def __init__(self, prefix: str, issued: dict[int, str] | None = None) -> None:
        self.prefix = prefix
        self.issued: dict[int, str] = dict(issued or {})

    def issue(self, node: int) -> str:
        label = self.issued.get(node)
        if label is None:
            label = self.issued[node] = f"_:{self.prefix}{len(self.issued)}"
        return label

    def copy(self) -> _Issuer:
        return _Issuer(self.prefix, self.issued)


class _Work:
    """The Hash N-Degree Quads (§4.8) RDFC-1.0 would run, counted, without writing output."""

    def __init__(self, quads: list[_Quad], blank_count: int) -> None:
        self.mentions: list[list[_Quad]] = [[] for _ in range(blank_count)]
        for quad in quads:
            for node in {t for t in (quad[0], quad[2], quad[3]) if isinstance(t, int)}:
                self.mentions[node].append(quad)
        self.first = [self._first_degree(node) for node in range(blank_count)]
        self.canonical = _Issuer("c14n")
        self.calls_left = 0
        self.steps_left = MAX_STEPS

    def _spend(self, steps: int) -> None:
        self.steps_left -= steps
        if self.steps_left < 0:
            raise CanonicalisationLimitError()

    def _first_degree(self, node: int) -> str:
        """§4.6: the hash of the node's quads, itself written `_:a` and other blank nodes `_:z`."""
        lines = []
        for quad in self.mentions[node]:
            terms = [
                ("_:a" if t == node else "_:z") if isinstance(t, int) else t
                for t in quad
                if t is not None
            ]
            lines.append(" ".join(terms) + " .\n")
        return hashlib.sha256("".join(sorted(lines)).encode("utf-8")).hexdigest()

    def _related_hash(self, related: int, quad: _Quad, issuer: _Issuer, position: str) -> str:
        """§4.7 Hash Related Blank Node."""
        label = self.canonical.issued.get(related) or issuer.issued.get(related)
        text = position + (quad[1] if position != "g" else "") + (label or self.first[related])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def hash_n_degree(self, node: int, issuer: _Issuer) -> tuple[str, _Issuer]:
        """§4.8 Hash N-Degree Quads, refusing the dataset once it spends the work allowed."""
        if self.calls_left <= 0:
            raise CanonicalisationLimitError()
        self.calls_left -= 1
        self._spend(len(self.mentions[node]))
        related_by_hash: defaultdict[str, list[int]] = defaultdict(list)
        for quad in self.mentions[node]:
            for term, position in ((quad[0], "s"), (quad[2], "o"), (quad[3], "g")):
                if isinstance(term, int) and term != node:
                    related_by_hash[self._related_hash(term, quad, issuer, position)].append(term)
        data = hashlib.sha256()
        for related_hash in sorted(related_by_hash):
            data.update(related_hash.encode("utf-8"))
            chosen_path, chosen_issuer = "", issuer
            for permutation in _arrangements(related_by_hash[related_hash]):
                self._spend(len(issuer.issued) + len(permutation))
                found = self._path(permutation, issuer, chosen_path)
                if found is not None and (not chosen_path or found[0] < chosen_path):
                    chosen_path, chosen_issuer = found
            data.update(chosen_path.encode("utf-8"))
            issuer = chosen_issuer
        return data.hexdigest(), issuer

    def _path(
        self, permutation: Sequence[int], issuer: _Issuer, chosen: str
    ) -> tuple[str, _Issuer] | None:
        """§4.8 step 5.4: one permutation's path, or None when it is already worse than chosen."""
        copy = issuer.copy()
        path = ""
        recursion = []
        for related in permutation:
            label = self.canonical.issued.get(related)
            if label is None:
                if related not in copy.issued:
                    recursion.append(related)
                label = copy.issue(related)
            path += label
            if chosen and path > chosen:
                return None
        for related in recursion:
            result_hash, result_issuer = self.hash_n_degree(related, copy)
            path += copy.issue(related) + f"<{result_hash}>"
            copy = result_issuer
            if chosen and path > chosen:
                return None
        return path, copy

    def label_all(self) -> None:
        """§4.4 steps 5 and 6: label unique nodes, then tell the others apart, within the limits."""
        groups: defaultdict[str, list[int]] = defaultdict(list)
        for node, first in enumerate(self.first):
            groups[first].append(node)
        shared = []
        for first in sorted(groups):
            if len(groups[first]) == 1:
                self.canonical.issue(groups[first][0])
            else:
                shared.append(groups[first])
        self.calls_left = sum(len(group) for group in shared)  # rdf-canonize's maxWorkFactor 1
        for group in shared:
            results = []
            for node in group:
                if node in self.canonical.issued:
                    continue
                temporary = _Issuer("b")
                temporary.issue(node)
                results.append(self.hash_n_degree(node, temporary))
            for _, result_issuer in sorted(results, key=lambda result: result[0]):
                for labelled in result_issuer.issued:
                    self.canonical.issue(labelled)


def bound_canonicalisation(quads: Sequence[pyoxigraph.Quad]) -> None:
    """Return if RDFC-1.0 of these quads stays within the work allowed, else raise
    `CanonicalisationLimitError`. Cheap when every blank node has content of its own."""
    blanks: dict[str, int] = {}
    # A set, as the dataset is: a quad repeated (JSON-LD writes one per repeated value) must not
    # make blank nodes that the dataset holds alike look different here.
    rows: dict[_Quad, None] = {}
    for quad in quads:
        subject, graph = _term(quad.subject, blanks), _term(quad.graph_name, blanks)
        row = (subject, str(quad.predicate), _term(quad.object, blanks), graph)
        if any(isinstance(t, int) for t in (row[0], row[2], row[3])):
            rows[row] = None
    if len(blanks) > MAX_BLANK_NODES:
        raise CanonicalisationLimitError(
            f"the document has {len(blanks)} blank nodes, more than the {MAX_BLANK_NODES} "
            "RDF canonicalisation is allowed to label"
        )
    if len(blanks) < 2:
        return
    work = _Work(list(rows), len(blanks))
    if len(set(work.first)) < len(work.first):
        work.label_all()
