"""did:web documents fetched over HTTPS, for recognised issuers only, cached for a bounded time.

The verifier asks only for DIDs a trusted registry lists (`verifier.did_web`), so nothing in a
file it checks can make us connect anywhere. Each fetch goes to the DID's own host (W3C did:web),
over HTTPS checked against the system's certificate authorities or `PASSPORT_FETCH_CA_FILE`,
with a timeout, a size cap and no redirects; answers (failures too, for less time) are kept for
the document's `Cache-Control: max-age`, never longer than `MAX_TTL_SECONDS`.
"""

from __future__ import annotations

import json
import re
import ssl
import threading
import time
from collections.abc import Container
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from keys import MalformedKeyError, did_web_document_url
from verifier.did_web import DidDocumentFetch

MAX_DOCUMENT_BYTES = 64 * 1024
TIMEOUT_SECONDS = 5.0
DEFAULT_TTL_SECONDS = 300.0
MAX_TTL_SECONDS = 3600.0
FAILURE_TTL_SECONDS = 60.0
MAX_CACHED = 512
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d{1,10})\"?\s*(?:,|$)", re.IGNORECASE)


def ttl_of(cache_control: str | None) -> float:
    """How long to keep a document: its `max-age`, at most `MAX_TTL_SECONDS`; `no-store` or
    `no-cache` keep it for this verification only."""
    if cache_control is None:
        return DEFAULT_TTL_SECONDS
    if re.search(r"\bno-(?:store|cache)\b", cache_control, re.IGNORECASE):
        return 0.0
    found = _MAX_AGE.search(cache_control)
    return min(float(found.group(1)), MAX_TTL_SECONDS) if found else DEFAULT_TTL_SECONDS


class DidWebFetcher:
    """Fetches did:web documents (a `verifier.did_web.DidDocuments`), with a bounded cache."""

    def __init__(self, ca_file: Path | None = None, *, skip_hosts: Container[str] = ()) -> None:
        self._verify: ssl.SSLContext | bool = (
            ssl.create_default_context(cafile=str(ca_file)) if ca_file else True
        )
        self._skip_hosts = skip_hosts
        self._cache: dict[str, tuple[float, DidDocumentFetch]] = {}
        self._lock = threading.Lock()

    def __call__(self, did: str) -> DidDocumentFetch | None:
        try:
            url = did_web_document_url(did)
        except MalformedKeyError as exc:
            return DidDocumentFetch(did, problem=str(exc))
        if urlsplit(url).netloc in self._skip_hosts:
            return None
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(did)
        if cached is not None and cached[0] > now:
            return cached[1]
        fetched, ttl = self._fetch(url)
        with self._lock:
            if len(self._cache) >= MAX_CACHED:
                self._cache.clear()
            self._cache[did] = (now + ttl, fetched)
        return fetched

    def _fetch(self, url: str) -> tuple[DidDocumentFetch, float]:
        try:
            body, ttl = self._get(url)
            document = json.loads(body)
        except _RefusedError as exc:
            return DidDocumentFetch(url, problem=str(exc)), FAILURE_TTL_SECONDS
        except ValueError:
            return DidDocumentFetch(url, problem=f"{url} is not JSON"), FAILURE_TTL_SECONDS
        if not isinstance(document, dict):
            return DidDocumentFetch(url, problem=f"{url} is not a JSON object"), FAILURE_TTL_SECONDS
        return DidDocumentFetch(url, document), ttl

    def _get(self, url: str) -> tuple[bytes, float]:
        """The body and how long to keep it; `_RefusedError` says why there is none."""
        try:
            with httpx.stream(
                "GET",
                url,
                timeout=TIMEOUT_SECONDS,
                follow_redirects=False,
                verify=self._verify,
                headers={"Accept": "application/did+json, application/json"},
            ) as response:
                if response.is_redirect:
                    where = response.headers.get("location", "elsewhere")[:200]
                    raise _RefusedError(f"{url} redirects to {where}; redirects are not followed")
                if response.status_code != 200:
                    raise _RefusedError(f"{url} answered HTTP {response.status_code}")
                body = b""
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_DOCUMENT_BYTES:
                        raise _RefusedError(f"{url} is larger than {MAX_DOCUMENT_BYTES} bytes")
                return body, ttl_of(response.headers.get("cache-control"))
        except httpx.HTTPError as exc:
            raise _RefusedError(f"cannot reach {url} ({type(exc).__name__}: {exc})") from None


class _RefusedError(Exception):
    """A document that could not be had; the message says why."""
