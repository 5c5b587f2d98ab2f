"""Work the server repeats while it runs (signing checkpoints, sending messages)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Periodic:
    """Runs `work` every `interval` seconds on a background thread until stopped."""

    def __init__(self, name: str, interval: float, work: Callable[[], object]) -> None:
        self._name = name
        self._interval = interval
        self._work = work
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        """Begin (nothing happens if the interval is 0)."""
        if self._interval > 0:
            self._thread.start()

    def stop(self) -> None:
        """Stop, and wait for a round in progress to finish."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._work()
            except Exception:  # the next round tries again; the server keeps serving
                log.exception("%s failed; trying again in %s s", self._name, self._interval)
