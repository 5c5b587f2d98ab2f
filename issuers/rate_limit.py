"""In-process rate limits: at most so many hits per key in a sliding window.

Counts live in this process only: behind several server processes each counts for itself, so
the effective limit is the limit times the number of processes. Memory is bounded: past
`max_keys` keys, the oldest key is forgotten first.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """At most `limit` hits per key in any `window` seconds."""

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a rate limit needs limit >= 1 and a positive window")
        self.limit = limit
        self.window = window
        self._max_keys = max_keys
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, *keys: str) -> int | None:
        """Seconds to wait if any key is at its limit now, else None (records nothing)."""
        with self._lock:
            return self._wait(keys, self._clock())

    def hit(self, *keys: str) -> None:
        """Count one hit against each key."""
        with self._lock:
            self._hit(keys, self._clock())

    def take(self, *keys: str) -> int | None:
        """Count a hit unless a key is at its limit: None when allowed, else seconds to wait."""
        with self._lock:
            now = self._clock()
            wait = self._wait(keys, now)
            if wait is None:
                self._hit(keys, now)
            return wait

    def _wait(self, keys: tuple[str, ...], now: float) -> int | None:
        waits = []
        for key in keys:
            hits = self._recent(key, now)
            if hits is not None and len(hits) >= self.limit:
                waits.append(hits[0] + self.window - now)
        return max(1, math.ceil(max(waits))) if waits else None

    def _hit(self, keys: tuple[str, ...], now: float) -> None:
        for key in keys:
            hits = self._recent(key, now)
            if hits is None:
                if len(self._hits) >= self._max_keys:
                    del self._hits[next(iter(self._hits))]
                hits = self._hits[key] = deque()
            hits.append(now)

    def _recent(self, key: str, now: float) -> deque[float] | None:
        hits = self._hits.get(key)
        if hits is None:
            return None
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if not hits:
            del self._hits[key]
            return None
        return hits
