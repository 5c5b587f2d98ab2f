"""Canonical N-Quads templates: RDFC-1.0 of an expansion template, made once and then filled.

pyoxigraph's JSON-LD parser is most of what canonicalisation costs. With an expansion template
(see `verifier.eddsa_rdfc_2022`: expanded JSON-LD text with holes, each hole a value that went
into an `@value` or an `@id`) the RDF is as predictable as the expansion: a value in an
`@value` is the lexical form of one literal whose datatype or language the template fixes, and
a value in an `@id` is that IRI. So the template is turned into RDF once, by pyoxigraph, with a
distinct sentinel in each hole, and kept as N-Quads lines with slots (`QuadTemplate`). Filling
them is all RDFC-1.0 needs when the data has no blank node or one, or when every blank node has
a first-degree hash of its own (RDFC-1.0 §4.4.3 step 5 then labels them all, in hash order).

Limits: anything else goes to pyoxigraph (`oxigraph_nquads`, which is also what every document
without a template goes through): blank nodes told apart only by N-degree hashes; values that
make two quads one where there are blank nodes to hash; an `@id` value that is not plain
printable ASCII, or that pyoxigraph would not take for an IRI (its JSON-LD parser drops such a
node); a lone surrogate in a literal. A template whose sentinels do not come out whole, as one
IRI or one literal each, has no N-Quads template at all. The lines are checked once against
pyoxigraph's canonical form of the sentinel document, and of one whose literals need every
escape, before any document is canonicalised with them; `QuadTemplate.build` gives None when
they differ, or when anything at all goes wrong, and the caller then uses pyoxigraph as it
always did. tests/verifier/test_nquads_templates.py holds the result to pyoxigraph's on
pyld's expansion, with arbitrary values in real credentials.
"""

from __future__ import annotations

import hashlib
import operator
import re
import secrets
from collections.abc import Callable, Sequence
from typing import Any

import pyoxigraph

from verifier.errors import ProofError
from verifier.rdfc_limits import bound_canonicalisation

# A private-use character. The expansion templates mark their placeholders with it and refuse a
# document whose values or keys hold one; here it wraps the sentinel of each literal, so a
# constant of the RDF that holds one shows that a sentinel's value mattered.
MARK = "\ue000"


def oxigraph_nquads(expanded: str) -> str:
    """RDFC-1.0 canonical N-Quads of expanded JSON-LD text, by pyoxigraph, once the work it
    takes is known to be bounded (`CanonicalisationLimitError` otherwise)."""
    try:
        quads = list(pyoxigraph.parse(expanded, format=pyoxigraph.RdfFormat.JSON_LD))
    except (SyntaxError, ValueError) as exc:
        raise ProofError(f"the credential has no RDF form: {exc}") from exc
    bound_canonicalisation(quads)
    dataset = pyoxigraph.Dataset(quads)
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    text = pyoxigraph.serialize(dataset, format=pyoxigraph.RdfFormat.N_QUADS)
    assert isinstance(text, bytes)  # serialize returns bytes when given no output
    # Split on "\n" only: str.splitlines() would also split inside literals at U+2028 and kin.
    return "".join(sorted(line + "\n" for line in text.decode("utf-8").split("\n") if line))


# How pyoxigraph writes the characters of a literal that it does not write as they are.
_LITERAL_ESCAPES = str.maketrans(
    {
        **{code: f"\\u{code:04X}" for code in (*range(0x20), 0x7F, 0xFFFE, 0xFFFF)},
        0x08: "\\b",
        0x09: "\\t",
        0x0A: "\\n",
        0x0C: "\\f",
        0x0D: "\\r",
        0x22: '\\"',
        0x5C: "\\\\",
    }
)
_ESCAPE_PROBE = '"\\\n\r\t\b\f\x00\x01\x0b\x1f\x7f\ufffe\uffff\u2028\u00e9\U0001f600{0}'
_ESCAPED = re.compile('[\x00-\x1f"\\\\\x7f\ufffe\uffff\ud800-\udfff]')
_SURROGATE = re.compile("[\ud800-\udfff]")
# Printable ASCII but the characters an N-Quads IRIREF may not hold: written as it is.
_PLAIN_IRI = re.compile(r"[!#-;=?-\[\]_a-z~]*")


def _is_iri(value: str) -> bool:
    """pyoxigraph's own test, which its JSON-LD parser applies to every `@id`."""
    try:
        pyoxigraph.NamedNode(value)
    except ValueError:
        return False
    return True


class _Text:
    """Text with numbered slots, filled from a list of strings; items are text or slot numbers."""

    def __init__(self, items: list[str | int]) -> None:
        texts = [""]
        self.slots: list[int] = []
        for item in items:
            if isinstance(item, int):
                self.slots.append(item)
                texts.append("")
            else:
                texts[-1] += item
        self._parts = [text for piece in texts for text in (piece, "")][:-1]
        self._pick = operator.itemgetter(*self.slots) if len(self.slots) > 1 else None

    def fill(self, terms: list[str]) -> str:
        parts = self._parts.copy()
        if self._pick is not None:
            parts[1::2] = self._pick(terms)
        elif self.slots:
            parts[1] = terms[self.slots[0]]
        return "".join(parts)


def _hole_fits(term: pyoxigraph.NamedNode | pyoxigraph.Literal, text: str, role: str) -> bool:
    """A sentinel came out whole, as an IRI from an `@id` or a literal from an `@value`."""
    if isinstance(term, pyoxigraph.NamedNode):
        return role == "@id" and text == f"<{term.value}>"
    return role == "@value" and text.startswith(f'"{term.value}"')


def _same_suffixes(quad: pyoxigraph.Quad, holes: dict[str, int], suffixes: dict[int, str]) -> bool:
    """Record what follows each sentinel literal (datatype, language); one hole, one suffix."""
    term = quad.object
    if not isinstance(term, pyoxigraph.Literal) or term.value not in holes:
        return True
    hole = holes[term.value]
    suffix = str(term)[len(term.value) + 2 :]
    return suffixes.setdefault(hole, suffix) == suffix


_Line = tuple[str | int, ...]  # an N-Quads line: its terms' text, or the slots of values and blanks


class QuadTemplate:
    """The quads of a template's documents as N-Quads lines with slots: slots 0 to n-1 take the
    terms of the n values, slots n and on the labels of the blank nodes."""

    def __init__(
        self,
        lines: dict[_Line, frozenset[int]],
        roles: list[str],
        literal_suffixes: dict[int, str],
        blank_count: int,
    ) -> None:
        self.count = len(lines)
        self.text = QuadTemplate._text(list(lines))
        self.literals = [
            (hole, literal_suffixes.get(hole, ""))
            for hole, role in enumerate(roles)
            if role == "@value"
        ]
        self.iris = [hole for hole, role in enumerate(roles) if role == "@id"]
        self.size = len(roles)
        self.blanks = blank_count
        # Each blank node: the quads that mention it, and the labels RDFC-1.0 hashes them with.
        self.mentions = [
            QuadTemplate._text([line for line, blanks in lines.items() if blank in blanks])
            for blank in range(blank_count)
        ]
        self.references = [
            ["_:a" if other == blank else "_:z" for other in range(blank_count)]
            for blank in range(blank_count)
        ]

    @staticmethod
    def _text(lines: list[_Line]) -> _Text:
        """The lines as one text, "\\n" between them (none can hold one: N-Quads escapes it)."""
        items: list[str | int] = []
        for number, line in enumerate(lines):
            for position, term in enumerate(line):
                items.append(term)
                items.append(" " if position < len(line) - 1 else " .")
            if number < len(lines) - 1:
                items.append("\n")
        return _Text(items)

    @classmethod
    def build(cls, fill: Callable[[list[str]], str], roles: Sequence[str]) -> QuadTemplate | None:
        """The quads of an expansion template from pyoxigraph, checked; None when they cannot be
        templated. `fill` gives the template's expanded JSON-LD text with these values in its
        holes, and `roles[i]` is where value `i` went in the expansion: "@value" or "@id"."""
        try:
            return cls._build(fill, list(roles))
        except Exception:  # whatever went wrong, pyoxigraph canonicalises, as it always did
            return None

    @classmethod
    def _build(cls, fill: Callable[[list[str]], str], roles: list[str]) -> QuadTemplate | None:
        nonce = secrets.token_hex(8)
        sentinels = [
            f"urn:x-{nonce}:{hole}" if role == "@id" else f"{MARK}{hole}{MARK}"
            for hole, role in enumerate(roles)
        ]
        quads = pyoxigraph.parse(fill(sentinels), format=pyoxigraph.RdfFormat.JSON_LD)
        holes = {sentinel: hole for hole, sentinel in enumerate(sentinels)}
        blanks: dict[str, int] = {}
        suffixes: dict[int, str] = {}
        lines: dict[_Line, frozenset[int]] = {}

        def term_of(term: Any, mentioned: set[int]) -> str | int | None:
            if isinstance(term, pyoxigraph.BlankNode):
                blank = blanks.setdefault(term.value, len(blanks))
                mentioned.add(blank)
                return len(sentinels) + blank
            if not isinstance(term, pyoxigraph.NamedNode | pyoxigraph.Literal):
                return None  # a quoted triple: not from JSON-LD
            text = str(term)
            hole = holes.get(term.value)
            if hole is None:
                # A constant; with a sentinel in it, the sentinel's value mattered.
                return text if nonce not in text and MARK not in text else None
            return hole if _hole_fits(term, text, roles[hole]) else None

        for quad in quads:
            mentioned: set[int] = set()
            terms = [term_of(quad.subject, mentioned), term_of(quad.predicate, mentioned)]
            terms.append(term_of(quad.object, mentioned))
            if not isinstance(quad.graph_name, pyoxigraph.DefaultGraph):
                terms.append(term_of(quad.graph_name, mentioned))
            if None in terms or not _same_suffixes(quad, holes, suffixes):
                return None
            lines[tuple(t for t in terms if t is not None)] = frozenset(mentioned)
        built = cls(lines, roles, suffixes, len(blanks))
        probes = [
            sentinel + _ESCAPE_PROBE if role == "@value" else sentinel
            for sentinel, role in zip(sentinels, roles, strict=True)
        ]
        for values in (sentinels, probes):
            if built.canonical_nquads(values) != oxigraph_nquads(fill(values)):
                return None
        return built

    def canonical_nquads(self, values: list[str]) -> str | None:
        """The canonical N-Quads with these values, or None when pyoxigraph must make them."""
        terms = self._terms(values)
        if terms is None:
            return None
        if not self.count:
            return ""
        if self.blanks <= 1:
            lines = self.text.fill([*terms, "_:c14n0"]).split("\n")
            return "".join(sorted({line + "\n" for line in lines}))
        labels = self._canonical_labels(terms)
        if labels is None:
            return None
        lines = self.text.fill(terms + labels).split("\n")
        unique = {line + "\n" for line in lines}
        if len(unique) < len(lines):
            # The values made two quads one, which the hashes counted twice: rare, and left
            # to pyoxigraph. (Labels are one-to-one, so without repeated lines there were none.)
            return None
        return "".join(sorted(unique))

    def _terms(self, values: list[str]) -> list[str] | None:
        """The N-Quads term of each value, or None for a value pyoxigraph must judge."""
        terms = [""] * self.size
        for hole, suffix in self.literals:
            value = values[hole]
            if _ESCAPED.search(value) is not None:
                if _SURROGATE.search(value) is not None:
                    return None
                value = value.translate(_LITERAL_ESCAPES)
            terms[hole] = f'"{value}"{suffix}'
        for hole in self.iris:
            value = values[hole]
            if _PLAIN_IRI.fullmatch(value) is None or not _is_iri(value):
                return None
            terms[hole] = f"<{value}>"
        return terms

    def _canonical_labels(self, terms: list[str]) -> list[str] | None:
        """RDFC-1.0 labels when every blank node has a first-degree hash of its own (§4.6)."""
        hashes = []
        for mentions, references in zip(self.mentions, self.references, strict=True):
            lines = mentions.fill(terms + references).split("\n")
            nquads = "".join(sorted(line + "\n" for line in lines))
            hashes.append(hashlib.sha256(nquads.encode("utf-8")).hexdigest())
        if len(set(hashes)) < len(hashes):
            return None
        labels = [""] * self.blanks
        for rank, blank in enumerate(sorted(range(self.blanks), key=hashes.__getitem__)):
            labels[blank] = f"_:c14n{rank}"
        return labels
