"""The Data Integrity cryptosuite `eddsa-rdfc-2022` (W3C vc-di-eddsa v1.0 §3.2), both directions.

1. Proof configuration = the proof options plus the document's `@context` (§3.2.5), canonicalised.
2. Transformation = the document without `proof`, canonicalised (§3.2.3).
3. Hashing = SHA-256(canonical proof configuration) || SHA-256(canonical document) (§3.2.4).
4. Serialization = Ed25519 signature of the hash data, base58btc multibase `proofValue` (§3.2.6).

Canonicalisation is RDF Dataset Canonicalization (RDFC-1.0) of the JSON-LD document as N-Quads.
pyld expands the JSON-LD, with contexts only from `verifier.document_loader` (bundled, pinned,
never fetched) and in "safe mode" as Data Integrity implementations run it: a term no context
defines, or a relative IRI, would be silently left out of the signed data, so it is refused
instead. pyoxigraph turns the expanded document into RDF and applies RDFC-1.0; pyld's own N-Quads
writer does not escape control characters the way RDFC-1.0's canonical N-Quads requires.

Credentials of one shape are expanded once (expansion templates: see the comment above
`_Skeleton`), and turned into RDF once by pyoxigraph (N-Quads templates: see
`verifier.nquads_templates`, which also holds `oxigraph_nquads`, the path without templates).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime
from json.encoder import encode_basestring_ascii
from typing import Any

from frozendict import frozendict
from pyld.context_resolver import ContextResolver  # type: ignore[import-untyped]
from pyld.jsonld import JsonLdProcessor  # type: ignore[import-untyped]

from keys import PublicKey, SigningKey
from verifier.data_integrity import (
    check_signature,
    checked_proof,
    proof_options,
    secured,
    single_proof,
    under_proof_context,
    unsecured,
)
from verifier.document_loader import document_loader, load_context, pinned_contexts
from verifier.errors import ProofError, UnknownContextError
from verifier.nquads_templates import MARK, QuadTemplate, oxigraph_nquads
from verifier.rdf_direction import i18n_datatypes

CRYPTOSUITE = "eddsa-rdfc-2022"
RESOLVED_CONTEXT_CACHE_SIZE = 128
PROCESSED_CONTEXT_CACHE_SIZE = 512
TEMPLATE_CACHE_SIZE = 512
PASSED_CACHE_SIZE = 4096
TEMPLATE_MAX_CHARS = 200_000
_ABSOLUTE_IRI = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:|_:)")


class _LRU:
    """A bounded, locked mapping: keys come from untrusted documents, and the web app verifies in
    several threads."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
            return self._entries.get(key)

    def __setitem__(self, key: Any, value: Any) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


# pyld's resolver cache: a context URL, or an inline context, to its resolved context.
_RESOLVED_CONTEXTS = _LRU(RESOLVED_CONTEXT_CACHE_SIZE)
# (active context, local context, flags) to the processed active context; see `_Processor`.
_PROCESSED_CONTEXTS = _LRU(PROCESSED_CONTEXT_CACHE_SIZE)
# Document skeleton to its expansion template; see `_expanded_json`.
_TEMPLATES = _LRU(TEMPLATE_CACHE_SIZE)
# Fingerprints of documents `check_json_ld` passed (the verdict depends on the content alone).
_PASSED_JSON_LD = _LRU(PASSED_CACHE_SIZE)
_NO_TEMPLATE = object()
_UNBUILT = object()  # a template's N-Quads template, before the first document needs it
_KEY_ENCODER = json.JSONEncoder(allow_nan=False)  # json.dumps(..., allow_nan=False), made once


class _Processor(JsonLdProcessor):  # type: ignore[misc]
    """pyld, with processed contexts shared across calls.

    pyld caches a processed context under the id of the active context it was applied to, but a
    type-scoped context (which does not propagate) is applied to a fresh copy with a fresh id
    every time, so the Open Badges contexts were reprocessed on every node of every call. Here
    the result is kept under the id of the frozen (immutable) active context and the JSON of the
    local context; the base and the loader are the same in every call of this module.
    """

    def _process_context(
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: Any,
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> Any:
        key = None
        if isinstance(active_ctx, frozendict) and "_uuid" in active_ctx:
            try:
                local = json.dumps(local_ctx, sort_keys=True)
            except (TypeError, ValueError):
                local = None
            if local is not None:
                key = (active_ctx["_uuid"], local, override_protected, propagate, validate_scoped)
                processed = _PROCESSED_CONTEXTS.get(key)
                if processed is not None:
                    return processed
        processed = super()._process_context(
            active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
        )
        if key is not None and isinstance(processed, frozendict):
            _PROCESSED_CONTEXTS[key] = processed
        return processed


def _refuse_dropped(term: str | None) -> None:
    raise ProofError(
        f"the term {term!r} is not defined by the credential's contexts, so it would not be signed"
    )


def _ours(exc: BaseException) -> UnknownContextError | ProofError | None:
    """Our own error inside the chain of exceptions pyld wraps around what its callbacks raise."""
    seen: BaseException | None = exc
    for _ in range(32):  # pyld nests a few levels deep; a cycle must not loop forever
        if seen is None or isinstance(seen, UnknownContextError | ProofError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _refuse_imports(node: Any, in_context: bool = False) -> None:
    """Refuse `@import` in a credential's contexts.

    pyld merges an inline context into the cached document of the context it imports, so one
    credential could change how every later credential using that context is read.
    """
    if isinstance(node, list):
        for item in node:
            _refuse_imports(item, in_context)
    elif isinstance(node, dict):
        if in_context and "@import" in node:
            raise ProofError("@import in a credential's @context is not supported")
        for key, value in node.items():
            _refuse_imports(value, in_context or key == "@context")


def _expand(document: Mapping[str, Any], *, i18n: bool = True) -> list[Any]:
    """JSON-LD expansion with the pinned contexts only, refusing any term it would drop."""
    _refuse_imports(document)
    options = {
        "base": None,  # no document base: a relative IRI stays relative and is refused below
        "documentLoader": document_loader,
        "contextResolver": ContextResolver(_RESOLVED_CONTEXTS, document_loader),
    }
    try:
        expanded: list[Any] = _Processor(on_property_dropped=_refuse_dropped).expand(
            dict(document), options
        )
    except RecursionError:
        raise ProofError("the credential is nested too deeply to canonicalise") from None
    except Exception as exc:
        # pyld wraps our errors in its own and, on some malformed contexts, raises bare
        # KeyError or TypeError: every failure of an untrusted document becomes one of ours.
        ours = _ours(exc)
        if ours is not None:
            raise ours from exc
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ProofError(f"the credential is not valid JSON-LD: {first_line}") from exc
    _write_integers(expanded)
    if i18n:
        i18n_datatypes(expanded)
    return expanded


_XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
_XSD_DOUBLE = "http://www.w3.org/2001/XMLSchema#double"


def _write_integers(node: Any) -> None:
    """Give integral numbers below 1e21 their integer lexical form, as JSON-LD 1.1 API §8.6
    (object to RDF) requires: pyoxigraph 0.5.13 writes those from 1e20 up as doubles, which
    no other implementation does, so their signatures would not match ours."""
    if isinstance(node, list):
        for item in node:
            _write_integers(item)
    elif isinstance(node, dict):
        value = node.get("@value")
        if (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and node.get("@type") != _XSD_DOUBLE
            and abs(value) < 1e21  # first: a huge int has no float to test
            and math.isfinite(value)
            and float(value).is_integer()
        ):
            node["@value"] = str(int(value))
            node.setdefault("@type", _XSD_INTEGER)
            return
        for item in node.values():
            _write_integers(item)


def _refuse_relative_iris(node: Any) -> None:
    """Refuse relative `@id` and `@type` IRIs, which RDF conversion would silently drop."""
    if isinstance(node, list):
        for item in node:
            _refuse_relative_iris(item)
        return
    if not isinstance(node, dict):
        return
    if "@value" in node:  # a literal: only its datatype is an IRI
        datatype = node.get("@type")
        if isinstance(datatype, str) and datatype != "@json":
            _require_absolute(datatype, "@type")
        return
    for key, value in node.items():
        if key in ("@id", "@type"):
            for iri in value if isinstance(value, list) else [value]:
                _require_absolute(iri, key)
        elif not key.startswith("@"):
            _require_absolute(key, "property")
        _refuse_relative_iris(value)


def _require_absolute(iri: object, role: str) -> None:
    if not isinstance(iri, str) or not _ABSOLUTE_IRI.match(iri):
        raise ProofError(f"the {role} {iri!r} is not an absolute IRI, so it would not be signed")


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
        expanded = _expand(skeleton.tree)
    except ProofError as exc:
        raise _NotTemplatableError from exc  # pyld decides on the document itself
    seen: list[int] = []
    roles = [""] * len(skeleton.placeholders)
    _check_placeholders(expanded, None, skeleton.placeholders, seen, roles)
    if sorted(seen) != list(range(len(skeleton.placeholders))):
        raise _NotTemplatableError
    _refuse_relative_iris(expanded)  # placeholders are in no position this looks at
    pieces = _HOLE.split(json.dumps(expanded))
    holes = [int(hole) for hole in pieces[1::2]]
    if sorted(holes) != list(range(len(skeleton.placeholders))):
        raise _NotTemplatableError
    return _Template(pieces[0::2], holes, roles)


def _templated(document: Mapping[str, Any]) -> tuple[_Template, list[str]] | None:
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


def _expanded_json(document: Mapping[str, Any]) -> str:
    """The JSON text of the document's expansion, through a template when one applies."""
    templated = _templated(document)
    if templated is not None:
        template, values = templated
        return template.fill(values)
    return _pyld_expanded_json(document)


def _pyld_expanded_json(document: Mapping[str, Any]) -> str:
    expanded = _expand(document)
    _refuse_relative_iris(expanded)
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
    if _templated(document) is None:
        _pyld_expanded_json(document)
    if fingerprint is not None:
        _PASSED_JSON_LD[fingerprint] = True


def canonical_nquads(document: Mapping[str, Any]) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document: sorted lines, each ending in a newline."""
    templated = _templated(document)
    if templated is not None:
        template, values = templated
        return template.canonical_nquads(values)
    return oxigraph_nquads(_pyld_expanded_json(document))


def hash_data(document: Mapping[str, Any], proof_config: Mapping[str, Any]) -> bytes:
    """The 64 bytes that are signed: SHA-256 of the proof configuration, then of the document."""
    return (
        hashlib.sha256(canonical_nquads(proof_config).encode("utf-8")).digest()
        + hashlib.sha256(canonical_nquads(document).encode("utf-8")).digest()
    )


def _directional_nquads(document: Mapping[str, Any]) -> str:
    """Canonical N-Quads with `@direction` as RDF 1.2 directional language strings: how this
    verifier canonicalised before it followed vc.js (`rdf_direction`), so credentials it signed
    then still verify. Both forms carry the same language and direction."""
    expanded = _expand(document, i18n=False)
    _refuse_relative_iris(expanded)
    return oxigraph_nquads(json.dumps(expanded))


def _has_direction(node: Any) -> bool:
    if isinstance(node, list):
        return any(_has_direction(item) for item in node)
    if isinstance(node, dict):
        return "@direction" in node or any(_has_direction(v) for v in node.values())
    return False


def _proof_config(options: Mapping[str, Any], document: Mapping[str, Any]) -> dict[str, Any]:
    """§3.2.5: the proof options with the document's `@context`, what the signature covers."""
    config = {k: v for k, v in options.items() if k != "proofValue"}
    if "@context" in document:
        context = document["@context"]
        if type(context) is list and all(type(item) is str for item in context):
            config["@context"] = list(context)  # the usual list of URLs: as deep as a copy goes
        else:
            config["@context"] = copy.deepcopy(context)
    return config


def create_proof(
    unsecured_document: dict[str, Any],
    key: SigningKey,
    verification_method: str,
    created: datetime,
    proof_purpose: str = "assertionMethod",
    *,
    proof_as_array: bool = False,
    extra_options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the document secured with an `eddsa-rdfc-2022` proof (the input is not changed).

    `extra_options` adds proof options such as a presentation's `challenge` and `domain`.
    """
    document = unsecured(unsecured_document)
    options = proof_options(CRYPTOSUITE, verification_method, created, proof_purpose, extra_options)
    signature = key.sign(hash_data(document, _proof_config(options, document)))
    return secured(document, options, signature, proof_as_array)


def verify_proof(
    secured_document: dict[str, Any],
    public_key: PublicKey,
    expected_purpose: str = "assertionMethod",
) -> None:
    """Return if the `eddsa-rdfc-2022` proof holds for `public_key`, else raise `ProofError`.

    A context outside the bundled, pinned set raises `UnknownContextError`: the proof could not
    be checked, and nothing was fetched to try.
    """
    verify_proof_over(
        unsecured(secured_document), single_proof(secured_document), public_key, expected_purpose
    )


def verify_proof_over(
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    public_key: PublicKey,
    expected_purpose: str = "assertionMethod",
) -> None:
    """Return if `proof` holds over `document` (the unsecured document, with the proofs a
    chained proof names as its `proof`, Data Integrity §4.3), else raise `ProofError`."""
    options, proof_value = checked_proof(proof, CRYPTOSUITE, expected_purpose)
    covered = under_proof_context(document, options)
    config = _proof_config(options, covered)
    try:
        check_signature(public_key, proof_value, hash_data(covered, config))
    except ProofError:
        if not _has_direction(covered):
            raise
        earlier = (
            hashlib.sha256(canonical_nquads(config).encode("utf-8")).digest()
            + hashlib.sha256(_directional_nquads(covered).encode("utf-8")).digest()
        )
        check_signature(public_key, proof_value, earlier)
