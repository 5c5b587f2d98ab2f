"""Cohort jobs: awards made in the background in atomic chunks, with progress to poll.

A job's id comes from the issuer and the request's idempotency key, and every row's award from
that key and the row number; so a request retried after a timeout or a crash finds the same job,
skips the rows already recorded and issues nothing twice.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from issuers.award_pipeline import Chunker, ChunkWriter, PipelinedRecorder
from issuers.awarding import Awarding
from issuers.cohort import Mode, RowError, ValidRow
from projections.database import ReadModelDatabase

# Rows per atomic write: a transaction's fixed costs (its round trips, the commit) spread over
# 500 awards; with a writer process, signing 500 also gives the write in flight time to finish
# (`python -m bench.issuance --postgres --rows 10000` compares).
CHUNK = 500
JOB_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://staff-passport.nhs.example/jobs")
log = logging.getLogger(__name__)

# Writers for a job of so many rows (`issuers.award_pipeline`), or none to record them here.
WriterFor = Callable[[int], AbstractContextManager[Sequence[ChunkWriter]]]

SCHEMA = """CREATE TABLE IF NOT EXISTS issuer_jobs (
    job_id TEXT PRIMARY KEY, issuer_id TEXT NOT NULL, mode TEXT NOT NULL, total INTEGER NOT NULL,
    done INTEGER NOT NULL, status TEXT NOT NULL, errors TEXT NOT NULL, updated_at TEXT NOT NULL)"""


@dataclass
class Job:
    """A cohort's progress: rows done out of total, the rows refused so far, and its status."""

    id: str
    issuer_id: str
    mode: str
    total: int
    done: int = 0
    status: str = "running"
    errors: list[dict[str, Any]] = field(default_factory=list)


def job_id_for(issuer_id: UUID, idempotency_key: str) -> str:
    """The job a request with this key belongs to."""
    return str(uuid.uuid5(JOB_NAMESPACE, f"{issuer_id}:{idempotency_key}"))


class JobStore:
    """Jobs kept next to the read models, so progress survives a restart."""

    def __init__(self, database: ReadModelDatabase, *, create: bool = True) -> None:
        self._database = database
        if create:
            with database.transaction() as tx:
                tx.execute(SCHEMA)

    def get(self, job_id: str) -> Job | None:
        """A job by id, or None."""
        with self._database.read() as tx:
            rows = tx.execute(
                "SELECT job_id, issuer_id, mode, total, done, status, errors "
                "FROM issuer_jobs WHERE job_id = ?",
                (job_id,),
            )
        if not rows:
            return None
        r = rows[0]
        return Job(r[0], r[1], r[2], int(r[3]), int(r[4]), r[5], json.loads(r[6]))

    def save(self, job: Job) -> None:
        """Insert or update a job."""
        with self._database.transaction() as tx:
            tx.execute(
                "INSERT INTO issuer_jobs (job_id, issuer_id, mode, total, done, status, errors, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (job_id) DO UPDATE SET "
                "done = excluded.done, status = excluded.status, errors = excluded.errors, "
                "updated_at = excluded.updated_at",
                (
                    job.id,
                    job.issuer_id,
                    job.mode,
                    job.total,
                    job.done,
                    job.status,
                    json.dumps(job.errors),
                    datetime.now(UTC).isoformat(),
                ),
            )


class CohortRunner:
    """Runs cohort jobs on background threads (one per job)."""

    def __init__(
        self, awarding: Awarding, store: JobStore, writer_for: WriterFor | None = None
    ) -> None:
        self._awarding = awarding
        self._store = store
        self._writer_for = writer_for or (lambda rows: nullcontext(()))
        self._running: set[str] = set()
        self._lock = threading.Lock()

    def submit(
        self,
        issuer_id: UUID,
        idempotency_key: str,
        mode: Mode,
        valid: Sequence[ValidRow],
        refused: Sequence[RowError],
        at: datetime,
    ) -> tuple[Job, bool]:
        """Start (or find) the job for this request; True if it was started now."""
        job_id = job_id_for(issuer_id, idempotency_key)
        with self._lock:
            existing = self._store.get(job_id)
            finished = existing is not None and existing.status.startswith("completed")
            if existing is not None and (finished or job_id in self._running):
                return existing, False
            job = Job(
                job_id,
                str(issuer_id),
                mode.value,
                len(valid) + len(refused),
                done=len(refused),
                errors=[e.to_dict() for e in refused],
            )
            self._store.save(job)
            self._running.add(job_id)
        thread = threading.Thread(
            target=self._run_safely,
            args=(job, issuer_id, valid, at),
            name=f"cohort-{job_id}",
            daemon=True,
        )
        thread.start()
        return job, True

    def run(
        self,
        job: Job,
        issuer_id: UUID,
        valid: Sequence[ValidRow],
        at: datetime,
        progress: Callable[[Job], None] | None = None,
    ) -> Job:
        """Award every valid row, in atomic chunks (one chunk for all-or-nothing). A job's
        writers, if it has any, record chunks while the next is prepared here."""

        def advance(rows: int) -> None:
            job.done += rows
            self._store.save(job)
            if progress is not None:
                progress(job)

        requests = [row.request for row in valid]
        if job.mode == Mode.ALL_OR_NOTHING.value:
            if requests:
                self._awarding.award_many(issuer_id, requests, at=at)
            advance(len(requests))
        else:
            with self._writer_for(len(requests)) as writers:
                chunker = Chunker(CHUNK, apart=max(1, len(writers)))
                chunks = [c for r in requests for c in chunker.add(issuer_id, r)]
                chunks.extend(chunker.rest())
                recorder = PipelinedRecorder(
                    self._awarding, at, advance, writers=writers, skip_recorded=False
                )
                recorder.record(chunks)
        job.status = "completed" if not job.errors else "completed_with_errors"
        self._store.save(job)
        return job

    def _run_safely(
        self, job: Job, issuer_id: UUID, valid: Sequence[ValidRow], at: datetime
    ) -> None:
        try:
            self.run(job, issuer_id, valid, at)
        except Exception as exc:  # a job must end in a recorded state, whatever happened
            log.exception("cohort job %s failed", job.id)
            job.status = "failed"
            message = (
                f"{exc}; sending the same request again, with the same Idempotency-Key, resumes "
                "the job (rows already recorded are not awarded twice)"
            )
            job.errors.append({"row": None, "field": None, "message": message})
            self._store.save(job)
        finally:
            with self._lock:
                self._running.discard(job.id)
