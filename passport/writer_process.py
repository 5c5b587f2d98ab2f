"""A process of its own recording prepared chunks of awards (`issuers.award_pipeline`'s
`ChunkWriter`), on the same store and keys, for `passport import` and large cohorts on
PostgreSQL. It dies with the thread that started it, so no write outlives an import or a server
killed mid-chunk; a writer that dies makes the run stop with `WriterError`, whole chunks
recorded.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import multiprocessing.forkserver
import os
import pickle
import signal
import tempfile
import threading
from collections.abc import Iterator, Sequence
from multiprocessing.connection import Connection
from uuid import UUID

from issuers.award_pipeline import ChunkWriter
from issuers.award_requests import Prepared
from issuers.jobs import WriterFor
from issuers.metrics import AWARDS_RECORDED
from passport.child_process import die_with
from passport.collector import pace_collector
from passport.settings import Settings

# Rows of a cohort job from which it gets writer processes: a smaller job ends before a process
# would have started and opened the store (about a second).
COHORT_WRITER_FROM = 1000
# Writer processes per import or cohort: recording is the dearer half of an award, so two write
# while one process signs (`python -m bench.issuance --postgres` and `bench.importing` compare).
WRITERS = 2


class WriterError(RuntimeError):
    """The writer process failed to record a chunk (its reason is the message)."""


def _sendable(exc: Exception) -> Exception:
    """The exception itself when it crosses the pipe intact, else a `WriterError` saying it."""
    try:
        pickle.loads(pickle.dumps(exc))  # noqa: S301 (our own bytes, this line)
    except Exception:
        return WriterError(f"{exc.__class__.__name__}: {exc}")
    return exc


def _write_chunks(connection: Connection, settings: Settings, parent: int | None) -> None:
    """The writer process: records each prepared chunk it is sent, answering how many
    credentials it recorded (None: another writer changed one of its passports first). Ends
    when sent None, or when its sender is gone (its end of the pipe closed). Ctrl-C is the
    parent's to handle: it stops sending, and this process ends after the write under way."""
    from passport.services import Services  # noqa: PLC0415 (the writer's own; Services uses us)

    die_with(parent)
    pace_collector()
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
                answer: object = services.awarding.record_uncounted(issuer_id, prepared)
            except Exception as exc:  # sent back: the sender stops with it, as without a writer
                answer = _sendable(exc)
            try:
                connection.send(answer)
            except OSError:
                return
    finally:
        services.close()


def _forking_context() -> multiprocessing.context.ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["passport.services", "passport.writer_process"])
    return context


_server_lock = threading.Lock()


@functools.cache
def _start_fork_server() -> None:
    _forking_context()
    # Python 3.11's fork server loads its modules with the working directory first on its path
    # (it ignores the path it is given), where a directory named like one of our packages (a key
    # directory called `keys`) would be taken for it: it starts in an empty one. Changing the
    # directory is the whole process's, so it happens once, at start-up under `passport serve`.
    with tempfile.TemporaryDirectory() as empty, contextlib.chdir(empty):
        multiprocessing.forkserver.ensure_running()


def start_writer_server(settings: Settings) -> None:
    """On PostgreSQL, start (once per process) the process that forks cohort writers
    (`WriterProcess(forked=True)`): a fresh interpreter with the code a writer runs already
    loaded, so that a writer starts in milliseconds instead of a second of importing. It ends
    with this process, and forks writers only for it."""
    if settings.is_postgres:
        with _server_lock:
            _start_fork_server()


class WriterProcess:
    """A process of its own recording prepared chunks, one at a time, on the same store; `close`
    it (`contextlib.closing`) once the last chunk's result is in. `forked`: forked by the writer
    server (`start_writer_server`), which it dies with, instead of started afresh (a new
    interpreter, about a second) from the thread that starts it, which it dies with."""

    def __init__(self, settings: Settings, *, forked: bool = False) -> None:
        # Linux signals a started writer when the thread that starts it ends (`die_with`), not
        # only its process: start it from the thread that runs the whole import or cohort.
        if forked:
            start_writer_server(settings)
        context = _forking_context() if forked else multiprocessing.get_context("spawn")
        self._connection, theirs = context.Pipe()
        self._process = context.Process(
            target=_write_chunks,
            args=(theirs, settings, None if forked else os.getpid()),
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
        if answer is None:
            return False
        AWARDS_RECORDED.inc(answer)  # here: a writer's own count would be one more file to read
        return True

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


@contextlib.contextmanager
def writer_processes(
    settings: Settings, count: int = WRITERS, *, forked: bool = False
) -> Iterator[list[WriterProcess]]:
    """`count` writer processes, each closed when the block ends (after its last chunk)."""
    with contextlib.ExitStack() as stack:
        yield [
            stack.enter_context(contextlib.closing(WriterProcess(settings, forked=forked)))
            for _ in range(count)
        ]


def cohort_writers(settings: Settings, most: int = WRITERS) -> WriterFor:
    """Writers for cohort jobs: on PostgreSQL, processes of their own for a job of at least
    `COHORT_WRITER_FROM` rows, at most `most` at once per serving process (shared out as jobs
    come; a job that finds none records in its own thread, as on SQLite, where one file takes
    one writer at a time)."""
    slots = threading.BoundedSemaphore(most)

    @contextlib.contextmanager
    def writers_for(rows: int) -> Iterator[Sequence[ChunkWriter]]:
        taken = 0
        if settings.is_postgres and rows >= COHORT_WRITER_FROM:
            while taken < most and slots.acquire(blocking=False):
                taken += 1
        try:
            with writer_processes(settings, taken, forked=True) as writers:
                yield writers
        finally:
            for _ in range(taken):
                slots.release()

    return writers_for
