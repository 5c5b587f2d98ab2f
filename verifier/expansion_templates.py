"""Expansion templates: credentials of one shape are expanded by JSON-LD once (see below)."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from json.encoder import encode_basestring_ascii
from typing import Any

from verifier.document_loader import load_context, pinned_contexts
from verifier.errors import ProofError
from verifier.json_ld_expansion import LRU, expand, refuse_relative_iris
from verifier.nquads_templates import MARK, QuadTemplate, oxigraph_nquads

TEMPLATE_CACHE_SIZE = 512
PASSED_CACHE_SIZE = 4096
TEMPLATE_MAX_CHARS = 200_000
# Document skeleton to its expansion template; see `expanded_json`.
_TEMPLATES = LRU(TEMPLATE_CACHE_SIZE)
# Fingerprints of documents `check_json_ld` passed (the verdict depends on the content alone).
_PASSED_JSON_LD = LRU(PASSED_CACHE_SIZE)
_NO_TEMPLATE = object()
_UNBUILT = object()  # a template's N-Quads template, before the first document needs it
_KEY_ENCODER = json.JSONEncoder(allow_nan=False)  # json.dumps(..., allow_nan=False), made once


# Expansion templates.
#
# Credentials from one issuer share their shape and differ in their values, and most values
# are opaque to JSON-LD expansion: a string that becomes an `@value` is copied unchanged, and
# one that becomes an `@id` through document-relative IRI expansion depends only on its
# `scheme:` (a prefix term may stand for it) and on being an absolute IRI at all. So the
# document is expanded once as a skeleton, with such strings replaced by numbered
# placeholders, and the expansion is kept as JSON text with holes. A placeholder keeps its
# string's scheme (and `//`), so it takes the same branch of pyld's IRI expansion. The
# template is kept only if every placeholder came out exactly once, unchanged, as an `@value`
# or an `@id`: anywhere else (a type, a vocabulary-relative IRI, inside a JSON literal) its
# value could have mattered, and the document goes through pyld itself.
# A placeholder's number is between two `MARK`s, a private-use character that the document
# may not hold (the N-Quads templates rely on that too).

# A string's scheme (and `//`) when pyld takes the string for an absolute IRI. pyld's own test,
# r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$", is this one's `[^\s]*$` once the scheme has ended at
# the first ':' (pyld's class also allows ',', which no scheme kept here has).
_SCHEME_OF_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*:(?://)?)[^\s]*$")
_HOLE = re.compile(r'"[A-Za-z0-9+.:/-]*\\ue000(\d+)\\ue000"')
_STRUCTURAL_KEYS = frozenset({"type", "@type"})


class _NotTemplatableError(Exception):
    """The document has something the template path does not handle; pyld expands it."""


@functools.cache
def _pinned_terms() -> frozenset[str]:
    """Every key of every bundled context: a superset of the terms a pinned context defines."""
    terms: set[str] = set()
    for url in pinned_contexts():
        _collect_keys(load_context(url), terms)
    return frozenset(terms)


def _collect_keys(node: Any, keys: set[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _collect_keys(item, keys)
    elif isinstance(node, dict):
        keys.update(node)
        for value in node.values():
            _collect_keys(value, keys)


class _Skeleton:
    """The document with its opaque-looking strings replaced by placeholders."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.values: list[str] = []
        self.placeholders: list[str] = []
        self.context_terms: set[str] = set()
        self._pinned = _pinned_terms()
        self.tree = self._walk(document, None)

    def _walk(self, node: Any, key: str | None) -> Any:
        # Runs on every verification: strings, the most common values, are handled in line.
        if isinstance(node, str):
            return self._string(node, key)
        if isinstance(node, list):
            return [
                self._string(item, key) if isinstance(item, str) else self._walk(item, key)
                for item in node
            ]
        # `type(...) is dict` first: the ABC check of `Mapping` is slow, and JSON gives dicts.
        if type(node) is dict or (
            not isinstance(node, bool | int | float | None) and isinstance(node, Mapping)
        ):
            tree = {}
            for k, v in node.items():
                if not isinstance(k, str) or MARK in k:
                    raise _NotTemplatableError
                if k == "@context":
                    _collect_keys(v, self.context_terms)
                    tree[k] = v
                elif isinstance(v, str):
                    tree[k] = self._string(v, k)
                else:
                    tree[k] = self._walk(v, k)
            return tree
        return node

    def _string(self, node: str, key: str | None) -> str:
        if MARK in node:
            raise _NotTemplatableError
        if (
            key is None
            or key in _STRUCTURAL_KEYS
            or (key[:1] == "@" and key not in ("@value", "@id"))
            or node[:1] == "@"
            or node in self._pinned  # a vocabulary-relative IRI would look the term up
        ):
            return node
        scheme = _SCHEME_OF_ABSOLUTE_IRI.match(node)
        if scheme is not None:
            kept = scheme.group(1)
        elif ":" in node:
            return node  # a compact or relative IRI: its expansion reads all of it
        else:
            kept = ""
        placeholder = f"{kept}{MARK}{len(self.values)}{MARK}"
        self.values.append(node)
        self.placeholders.append(placeholder)
        return placeholder

    def check_terms(self) -> None:
        """A placeholder must not stand for a term: expansion would have looked the term up."""
        if not self.context_terms.isdisjoint(self.values):
            raise _NotTemplatableError


class _Template:
    """Expanded JSON text split at its placeholders: text, hole, text, hole, ..., text.

    `roles[i]` is where value `i` went in the expansion, "@value" or "@id".
    """

    def __init__(self, texts: list[str], holes: list[int], roles: list[str]) -> None:
        self.texts = texts
        self.holes = holes
        self.roles = roles
        self._parts: list[str] = [text for piece in texts for text in (piece, "")][:-1]
        self._quads: object = _UNBUILT  # a QuadTemplate, or None when there is none

    def fill(self, values: list[str]) -> str:
        parts = self._parts.copy()
        # `json.dumps` of a string, without its dispatch: the same text.
        parts[1::2] = [encode_basestring_ascii(values[hole]) for hole in self.holes]
        return "".join(parts)

    def canonical_nquads(self, values: list[str]) -> str:
        """RDFC-1.0 canonical N-Quads of the filled template, as `oxigraph_nquads` gives them."""
        quads = self._quads
        if quads is _UNBUILT:
            quads = self._quads = QuadTemplate.build(self.fill, self.roles)
        if isinstance(quads, QuadTemplate):
            text = quads.canonical_nquads(values)
            if text is not None:
                return text
        return oxigraph_nquads(self.fill(values))


def _check_placeholders(
    node: Any, key: str | None, placeholders: list[str], seen: list[int], roles: list[str]
) -> None:
    """Raise `_NotTemplatableError` unless every placeholder is a whole `@value` or `@id`."""
    if isinstance(node, str):
        if MARK not in node:
            return
        index = node.rsplit(MARK, 2)[-2] if node.count(MARK) == 2 else ""
        if not index.isdigit() or int(index) >= len(placeholders):
            raise _NotTemplatableError
        if placeholders[int(index)] != node:
            raise _NotTemplatableError
        iri = not node.startswith(MARK)
        if key != "@value" and not (key == "@id" and iri):
            raise _NotTemplatableError
        seen.append(int(index))
        roles[int(index)] = key
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, str) and MARK in item:
                raise _NotTemplatableError  # a placeholder among types, or an IRI in a list
            _check_placeholders(item, key, placeholders, seen, roles)
    elif isinstance(node, dict):
        for k, value in node.items():
            if MARK in k:
                raise _NotTemplatableError
            _check_placeholders(value, k, placeholders, seen, roles)


def _template(skeleton: _Skeleton) -> _Template:
    """Expand the skeleton and cut the expansion into a template, or `_NotTemplatableError`."""
    try:
        expanded = expand(skeleton.tree)
    except ProofError as exc:
        raise _NotTemplatableError from exc  # pyld decides on the document itself
    seen: list[int] = []
    roles = [""] * len(skeleton.placeholders)
    _check_placeholders(expanded, None, skeleton.placeholders, seen, roles)
    if sorted(seen) != list(range(len(skeleton.placeholders))):
        raise _NotTemplatableError
    refuse_relative_iris(expanded)  # placeholders are in no position this looks at
    pieces = _HOLE.split(json.dumps(expanded))
    holes = [int(hole) for hole in pieces[1::2]]
    if sorted(holes) != list(range(len(skeleton.placeholders))):
        raise _NotTemplatableError
    return _Template(pieces[0::2], holes, roles)


def templated(document: Mapping[str, Any]) -> tuple[_Template, list[str]] | None:
    """The document's expansion template and the values that fill it, when a template applies."""
    try:
        skeleton = _Skeleton(document)
        key = _KEY_ENCODER.encode(skeleton.tree)
    except (_NotTemplatableError, TypeError, ValueError, RecursionError):
        return None
    if len(key) > TEMPLATE_MAX_CHARS:
        return None
    template = _TEMPLATES.get(key)
    if template is None:
        try:
            skeleton.check_terms()
            template = _template(skeleton)
        except _NotTemplatableError:
            template = _NO_TEMPLATE
        _TEMPLATES[key] = template
    if isinstance(template, _Template):
        return template, skeleton.values
    return None


def expanded_json(document: Mapping[str, Any]) -> str:
    """The JSON text of the document's expansion, through a template when one applies."""
    found = templated(document)
    if found is not None:
        template, values = found
        return template.fill(values)
    return pyld_expanded_json(document)


def pyld_expanded_json(document: Mapping[str, Any]) -> str:
    expanded = expand(document)
    refuse_relative_iris(expanded)
    return json.dumps(expanded)


def check_json_ld(document: Mapping[str, Any], fingerprint: bytes | None = None) -> None:
    """Return if the document reads as JSON-LD with the bundled contexts and loses nothing in
    expansion, else raise `ProofError` (an undefined term, a protected term redefined, a type or
    IRI that is not absolute) or `UnknownContextError`. A document of a shape already expanded
    is not expanded again: its expansion template stands for the check. `fingerprint`, a hash
    of the document's exact content that the caller has at hand, remembers documents that
    passed, so the same credential verified again is not walked again."""
    if fingerprint is not None and _PASSED_JSON_LD.get(fingerprint):
        return
    if templated(document) is None:
        pyld_expanded_json(document)
    if fingerprint is not None:
        _PASSED_JSON_LD[fingerprint] = True
