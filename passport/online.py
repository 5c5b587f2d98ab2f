"""Status lists fetched over HTTP, but only from this ledger's own configured base URL.

`passport verify --online` uses them: a credential may name any URL, but only URLs under
`PASSPORT_BASE_URL/status/` are ever requested, with a timeout, no redirects and a size cap,
so an untrusted file cannot make us reach anywhere else.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import httpx

MAX_LIST_BYTES = 2 * 1024 * 1024
TIMEOUT_SECONDS = 10.0


class FetchedStatusLists(Mapping[str, Mapping[str, Any]]):
    """Our ledger's published status lists, fetched when a credential points at one."""

    def __init__(self, base_url: str) -> None:
        self._prefix = f"{base_url.rstrip('/')}/status/"
        self._fetched: dict[str, Mapping[str, Any] | None] = {}

    @property
    def source(self) -> str:
        """Where these lists came from, for the reason a person reads."""
        return f"the issuer's status list fetched from {self._prefix}"

    def __getitem__(self, url: str) -> Mapping[str, Any]:
        if not url.startswith(self._prefix) or "/../" in url:
            raise KeyError(url)
        if url not in self._fetched:
            self._fetched[url] = self._fetch(url)
        found = self._fetched[url]
        if found is None:
            raise KeyError(url)
        return found

    @staticmethod
    def _fetch(url: str) -> Mapping[str, Any] | None:
        try:
            with httpx.stream("GET", url, timeout=TIMEOUT_SECONDS, follow_redirects=False) as r:
                if r.status_code != 200:
                    return None
                body = b""
                for chunk in r.iter_bytes():
                    body += chunk
                    if len(body) > MAX_LIST_BYTES:
                        return None
        except httpx.HTTPError:
            return None
        try:
            document = json.loads(body)
        except ValueError:
            return None
        return document if isinstance(document, dict) else None

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0
