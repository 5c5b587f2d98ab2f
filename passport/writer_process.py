"""A process of its own recording prepared chunks of awards (`issuers.award_pipeline`'s
`ChunkWriter`), on the same store and keys, for `passport import` and large cohorts on
PostgreSQL. It dies with the thread that started it, so no write outlives an import or a server
killed mid-chunk; a writer that dies makes the run stop with `WriterError`, whole chunks
recorded.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import pickle
import signal
import threading
from collections.abc import Iterator
from multiprocessing.connection import Connection
from uuid import UUID

from issuers.award_pipeline import ChunkWriter
from issuers.award_requests import Prepared
from issuers.jobs import WriterFor
from passport.settings import Settings

# Rows of a cohort job from which it gets a writer process: a smaller job ends before a process
# would have started and opened the store (about a second).
COHORT_WRITER_FROM = 1000


class WriterError(RuntimeError):
    """The writer process failed to record a chunk (its reason is the message)."""


PR_SET_PDEATHSIG = 1  # prctl(2)


def _die_with(parent: int) -> None:
    """Have Linux kill this process when the thread that started it ends or its process dies,
    `kill -9` included, so that no write outlives an import or a cohort (elsewhere, the writer
    ends when it next reads from the closed pipe)."""
    with contextlib.suppress(OSError, AttributeError):
        # The C library is loaded already: its symbols are the process's own.
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before that took effect
        os._exit(1)


def _sendable(exc: Exception) -> Exception:
    """The exception itself when it crosses the pipe intact, else a `WriterError` saying it."""
    try:
        pickle.loads(pickle.dumps(exc))  # noqa: S301 (our own bytes, this line)
    except Exception:
        return WriterError(f"{exc.__class__.__name__}: {exc}")
    return exc


def _write_chunks(connection: Connection, settings: Settings, parent: int) -> None:
    """The writer process: records each prepared chunk it is sent, answering whether it did
    (False: another writer changed one of its passports first). Ends when sent None, or when
    its parent is gone (its end of the pipe closed). Ctrl-C is the parent's to handle: it
    stops sending, and this process ends after the write under way."""
    from passport.services import Services  # noqa: PLC0415 (the writer's own; Services uses us)

    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    services = Services.open(settings)
    try:
        while True:
            try:
                message = connection.recv()
            except EOFError:
                return
            if message is None:
                return
            issuer_id, prepared = message
            try:
                answer: object = services.awarding.record_prepared(issuer_id, prepared) is not None
            except Exception as exc:  # sent back: the sender stops with it, as without a writer
                answer = _sendable(exc)
            try:
                connection.send(answer)
            except OSError:
                return
    finally:
        services.close()


class WriterProcess:
    """A process of its own recording prepared chunks, one at a time, on the same store; `close`
    it (`contextlib.closing`) once the last chunk's result is in."""

    def __init__(self, settings: Settings) -> None:
        # Linux signals the writer when the thread that starts it ends (`_die_with`), not only
        # its process: start it from the thread that runs the whole import or cohort.
        context = multiprocessing.get_context("spawn")  # no inherited connection or thread
        self._connection, theirs = context.Pipe()
        self._process = context.Process(
            target=_write_chunks,
            args=(theirs, settings, os.getpid()),
            name="passport-award-writer",
        )
        self._process.start()  # opens the store while its parent prepares the first chunk
        theirs.close()

    @property
    def pid(self) -> int | None:
        """The writer's process id."""
        return self._process.pid

    def submit(self, issuer_id: UUID, prepared: Prepared) -> None:
        """Send a chunk to record (its awards stay here: the writer needs only the entries)."""
        try:
            self._connection.send((issuer_id, prepared._replace(awards=[])))
        except OSError:
            raise self._ended() from None

    def result(self) -> bool:
        """Wait for the chunk sent last: True when recorded, False when it must be prepared
        again; raises `WriterError` if the writer failed or died."""
        try:
            answer = self._connection.recv()
        except (EOFError, OSError):
            raise self._ended() from None
        if isinstance(answer, Exception):
            raise answer
        return bool(answer)

    def _ended(self) -> WriterError:
        self._process.join(timeout=5)
        return WriterError(
            f"the writer process ended unexpectedly (exit code {self._process.exitcode})"
        )

    def close(self) -> None:
        """Stop the writer once it has recorded what it was sent."""
        with contextlib.suppress(OSError):
            self._connection.send(None)
        self._connection.close()
        self._process.join()


def cohort_writers(settings: Settings, most: int = 2) -> WriterFor:
    """Writers for cohort jobs: on PostgreSQL, a process of its own for a job of at least
    `COHORT_WRITER_FROM` rows, at most `most` at once per serving process (a job beyond that
    records in its own thread, as on SQLite, where one file takes one writer at a time)."""
    slots = threading.BoundedSemaphore(most)

    @contextlib.contextmanager
    def writer_for(rows: int) -> Iterator[ChunkWriter | None]:
        wanted = settings.is_postgres and rows >= COHORT_WRITER_FROM
        if not (wanted and slots.acquire(blocking=False)):
            yield None
            return
        try:
            with contextlib.closing(WriterProcess(settings)) as writer:
                yield writer
        finally:
            slots.release()

    return writer_for
