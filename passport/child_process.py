"""What the processes `passport` starts for itself (a writer, the background jobs) share: they die
with the thread that started them."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal

PR_SET_PDEATHSIG = 1  # prctl(2)


def die_with(parent: int | None, signal_: signal.Signals = signal.SIGKILL) -> None:
    """Have Linux send this process `signal_` (by default kill it) when the thread that started it
    ends or its process dies, `kill -9` included, so that no child outlives the command or server
    that started it (elsewhere, the child ends when it next reads from its closed pipe).
    `parent`: the process that started it, if not the one that forked it (a fork server)."""
    with contextlib.suppress(OSError, AttributeError):
        # The C library is loaded already: its symbols are the process's own.
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal_)
    if parent is not None and os.getppid() != parent:  # it died before that took effect
        os._exit(1)
