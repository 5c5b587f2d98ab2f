"""JSON-LD expansion with the pinned contexts only, refusing every term or IRI it would drop."""

from __future__ import annotations

import json
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from frozendict import frozendict
from pyld.context_resolver import ContextResolver  # type: ignore[import-untyped]
from pyld.jsonld import JsonLdProcessor  # type: ignore[import-untyped]

from verifier.document_loader import document_loader
from verifier.errors import ProofError, UnknownContextError
from verifier.rdf_direction import i18n_datatypes

RESOLVED_CONTEXT_CACHE_SIZE = 128
PROCESSED_CONTEXT_CACHE_SIZE = 512
_ABSOLUTE_IRI = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:|_:)")


class LRU:
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
_RESOLVED_CONTEXTS = LRU(RESOLVED_CONTEXT_CACHE_SIZE)
# (active context, local context, flags) to the processed active context; see `_Processor`.
_PROCESSED_CONTEXTS = LRU(PROCESSED_CONTEXT_CACHE_SIZE)


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


def expand(document: Mapping[str, Any], *, i18n: bool = True) -> list[Any]:
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


def refuse_relative_iris(node: Any) -> None:
    """Refuse relative `@id` and `@type` IRIs, which RDF conversion would silently drop."""
    if isinstance(node, list):
        for item in node:
            refuse_relative_iris(item)
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
        refuse_relative_iris(value)


def _require_absolute(iri: object, role: str) -> None:
    if not isinstance(iri, str) or not _ABSOLUTE_IRI.match(iri):
        raise ProofError(f"the {role} {iri!r} is not an absolute IRI, so it would not be signed")
