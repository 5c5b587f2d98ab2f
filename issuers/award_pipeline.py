"""Recording a long run of awards on several cores: chunks written while the next is signed.

Recording a chunk is two halves: `Awarding.prepare_batch` (read, reserve status places, build
and sign the credentials) and `Awarding.record_prepared` (one transaction: the stored events
signed and written, then waiting for the database), the second somewhat the dearer. Given
`ChunkWriter`s (processes of their own on the same store: `passport.writer_process`),
`PipelinedRecorder` has them record chunks N, N-1, … while this process prepares chunk N+1. A
thread would not do: both halves are Python CPU, and two threads of one interpreter took as long
as one, with more CPU.

Chunk N+1 is prepared from what the ledger held before the chunks in flight committed, so it
must not touch their learners: each chunk is cut from the rows pending for its issuer, leaving
for a later chunk the rows of learners in the chunks just cut (as many as there are writers).
When nothing else is left, such a chunk waits for the writes before it: a chunk is never
prepared while a write to one of its learners is in flight. Should another writer (a second
import, the API) change a passport meanwhile, the write finds it and the chunk is prepared and
recorded again, as `Awarding.award_many` does.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from issuers.award_requests import AwardRequest, Prepared
from issuers.awarding import Awarding
from issuers.signing import SigningPool
from keys import normalise_identifier


class ChunkWriter(Protocol):
    """Records prepared chunks elsewhere, one at a time."""

    def submit(self, issuer_id: UUID, prepared: Prepared) -> None:
        """Send a prepared chunk to record."""

    def result(self) -> bool:
        """Wait for the chunk sent last: True when recorded, False when it must be prepared
        again (another writer changed one of its passports first)."""


@dataclass(frozen=True)
class Chunk:
    """One atomic write: an issuer's rows, and the learners they are for."""

    issuer_id: UUID
    requests: list[AwardRequest]
    learners: frozenset[str]


def _learner(request: AwardRequest) -> str:
    return normalise_identifier(request.learner.staff_identifier)


class Chunker:
    """Cuts rows into chunks of up to `size` rows of one issuer, each sharing no learner with the
    `apart` chunks cut just before it whenever other rows allow."""

    def __init__(self, size: int, apart: int = 1) -> None:
        self._size = size
        self._pending: dict[UUID, list[AwardRequest]] = {}
        self._previous: deque[frozenset[str]] = deque(maxlen=apart)

    def add(self, issuer_id: UUID, request: AwardRequest) -> Iterator[Chunk]:
        """Take a row; yields a chunk when its issuer has a chunk's worth pending."""
        rows = self._pending.setdefault(issuer_id, [])
        rows.append(request)
        if len(rows) >= self._size:
            yield self._cut(issuer_id)

    def rest(self) -> Iterator[Chunk]:
        """The rows still pending, in chunks."""
        while any(self._pending.values()):
            issuer_id = next(i for i, rows in self._pending.items() if rows)
            yield self._cut(issuer_id)

    def _cut(self, issuer_id: UUID) -> Chunk:
        rows = self._pending[issuer_id]
        taken: list[AwardRequest] = []
        left: list[AwardRequest] = []
        learners: set[str] = set()
        recent = frozenset().union(*self._previous)
        for row in rows:
            learner = _learner(row)
            if learner in recent:
                left.append(row)
            else:
                taken.append(row)
                learners.add(learner)
        if not taken:  # only recent chunks' learners: the pipeline waits for their writes
            taken, left, learners = rows, [], {_learner(r) for r in rows}
        self._pending[issuer_id] = left
        self._previous.append(frozenset(learners))
        return Chunk(issuer_id, taken, self._previous[-1])


class PipelinedRecorder:
    """Records chunks; with `ChunkWriter`s, each is prepared here while those before it are
    written there (one chunk per writer at a time); without, one after the other."""

    def __init__(
        self,
        awarding: Awarding,
        at: datetime,
        progress: Callable[[int], None],
        pool: SigningPool | None = None,
        writers: Sequence[ChunkWriter] = (),
        *,
        skip_recorded: bool = True,
    ) -> None:
        self._awarding = awarding
        self._at = at
        self._progress = progress
        self._pool = pool
        self._writer_count = len(writers)
        # Chunks finish in the order sent, so the writer next in turn is the one free.
        self._turns = itertools.cycle(writers)
        self._skip_recorded = skip_recorded
        self._in_flight: deque[tuple[Chunk, ChunkWriter]] = deque()

    def record(self, chunks: Iterable[Chunk]) -> int:
        """Record every chunk; returns how many rows they held (recorded now or before)."""
        done = 0
        for chunk in chunks:
            while any(chunk.learners & written.learners for written, _ in self._in_flight):
                done += self._finish_oldest()
            prepared = self._awarding.prepare_batch(
                chunk.issuer_id,
                chunk.requests,
                self._at,
                skip_recorded=self._skip_recorded,
                pool=self._pool,
            )
            if not self._writer_count:
                if self._awarding.record_prepared(chunk.issuer_id, prepared) is None:
                    self._record_again(chunk)
                done += self._recorded(chunk)
                continue
            if len(self._in_flight) == self._writer_count:
                done += self._finish_oldest()
            writer = next(self._turns)
            writer.submit(chunk.issuer_id, prepared)
            self._in_flight.append((chunk, writer))
        while self._in_flight:
            done += self._finish_oldest()
        return done

    def _finish_oldest(self) -> int:
        chunk, writer = self._in_flight.popleft()
        if not writer.result():
            self._record_again(chunk)
        return self._recorded(chunk)

    def _record_again(self, chunk: Chunk) -> None:
        """Another writer got to one of the chunk's passports or keys first: prepare and record
        it again (`Awarding.award_many`)."""
        self._awarding.award_many(
            chunk.issuer_id,
            chunk.requests,
            at=self._at,
            skip_recorded=self._skip_recorded,
            pool=self._pool,
        )

    def _recorded(self, chunk: Chunk) -> int:
        self._progress(len(chunk.requests))
        return len(chunk.requests)
