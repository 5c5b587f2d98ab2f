"""A JSON-LD document loader that serves only the bundled, pinned contexts and fetches nothing.

An untrusted credential names its contexts; if a loader followed those URLs, anyone could make
the verifier open network connections (and change a credential's meaning by changing what a URL
serves). So every URL outside `verifier/contexts/index.json` is refused with
`UnknownContextError`, and every bundled file is checked against its pinned SHA-256 when first read.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from verifier.errors import PinnedContextError, UnknownContextError

CONTEXTS_PACKAGE = "verifier.contexts"
INDEX_FILE = "index.json"


@dataclass(frozen=True)
class PinnedContext:
    """One bundled context: the URL it answers for, its file and the file's SHA-256 (hex)."""

    url: str
    file: str
    sha256: str


@functools.cache
def pinned_contexts() -> Mapping[str, PinnedContext]:
    """The bundled contexts by URL, as `index.json` lists them."""
    entries = json.loads(_read(INDEX_FILE))
    return {e["url"]: PinnedContext(e["url"], e["file"], e["sha256"]) for e in entries}


def _read(file: str) -> bytes:
    try:
        return resources.files(CONTEXTS_PACKAGE).joinpath(file).read_bytes()
    except OSError as exc:
        raise PinnedContextError(f"bundled context file {file!r} cannot be read: {exc}") from exc


@functools.cache
def _parsed(url: str) -> Mapping[str, Any]:
    """The context document of a pinned URL, read, hash-checked and parsed once per process."""
    pinned = pinned_contexts()[url]
    data = _read(pinned.file)
    digest = hashlib.sha256(data).hexdigest()
    if digest != pinned.sha256:
        raise PinnedContextError(
            f"bundled context {pinned.file!r} has SHA-256 {digest}, expected {pinned.sha256}"
        )
    parsed: Mapping[str, Any] = json.loads(data)
    return parsed


def load_context(url: str) -> dict[str, Any]:
    """The parsed context document for `url` (a fresh copy), or `UnknownContextError`."""
    if url not in pinned_contexts():
        raise UnknownContextError(url)
    return copy.deepcopy(dict(_parsed(url)))


def document_loader(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A pyld `documentLoader`: the RemoteDocument of a pinned context; nothing else, no network.

    The `static` tag lets pyld keep the processed context in its resolver cache across calls.
    """
    del options  # pyld passes request headers; a pinned context needs none
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": load_context(url),
        "contentType": "application/ld+json",
        "tag": "static",
    }
