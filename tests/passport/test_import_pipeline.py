"""Imports on PostgreSQL record each chunk in a writer process while the next is signed: every
row once, whatever order the report lists learners in, and a writer that dies stops the import
with whole chunks recorded."""

from __future__ import annotations

import contextlib
import os
import signal
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from events.issuer import AchievementKind
from issuers.award_pipeline import Chunk, Chunker
from issuers.award_requests import AwardRequest, Learner
from passport.importing import CHUNK, Importer, ImportMapping
from passport.services import Services
from passport.settings import Settings
from passport.writer_process import WriterError, WriterProcess, writer_processes
from tests.passport.test_import import _store_state

HEADER = "Employee Number,Full Name,Email Address,Competence Code,Achieved Date\n"
LEARNERS = 250
ROWS = 1500  # three chunks, each learner's six rows spread over all of them

ISSUERS = [UUID(int=1), UUID(int=2)]


def _request(staff: str, n: int) -> AwardRequest:
    return AwardRequest("a", Learner(staff, "L", ""), date(2025, 1, 1), None, f"k{n}")


@hypothesis_settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 1), st.integers(0, 12)), max_size=60),
    st.integers(1, 8),
    st.integers(1, 3),
)
def test_chunks_hold_every_row_once_and_share_no_learner_with_the_chunks_before(rows, size, apart):
    """Each row comes out in exactly one chunk of its issuer, of at most `size` rows; a chunk
    shares learners with the `apart` chunks before it (those in flight, one per writer) only
    when it holds nothing but their learners (then the import waits for their writes before
    preparing it)."""
    chunker = Chunker(size, apart)
    chunks: list[Chunk] = []
    sent = []
    for n, (issuer, learner) in enumerate(rows):
        request = _request(f"ESR-{learner:03d}", n)
        sent.append((ISSUERS[issuer], request.idempotency_key))
        chunks.extend(chunker.add(ISSUERS[issuer], request))
    chunks.extend(chunker.rest())
    out = [(c.issuer_id, r.idempotency_key) for c in chunks for r in c.requests]
    assert sorted(out) == sorted(sent)
    for chunk in chunks:
        assert 0 < len(chunk.requests) <= size
        assert chunk.learners == {r.learner.staff_identifier for r in chunk.requests}
    for n, chunk in enumerate(chunks):
        recent = frozenset().union(*(c.learners for c in chunks[max(0, n - apart) : n]))
        if chunk.learners & recent:
            assert chunk.learners <= recent


def test_a_staff_number_written_two_ways_is_one_learner_to_the_chunker():
    """Staff numbers that name the same learner (case, spaces) count as one learner."""
    chunker = Chunker(2)
    first = list(chunker.add(ISSUERS[0], _request("ESR-001", 0)))
    first += list(chunker.add(ISSUERS[0], _request("ESR-002", 1)))
    second = list(chunker.add(ISSUERS[0], _request(" esr-001 ", 2)))
    second += list(chunker.add(ISSUERS[0], _request("ESR-003", 3)))
    second += list(chunker.add(ISSUERS[0], _request("ESR-004", 4)))
    rest = list(chunker.rest())
    assert [len(c.requests) for c in first] == [2]
    # " esr-001 " waits for the chunk after next: ESR-001 is in the chunk just cut.
    assert [[r.idempotency_key for r in c.requests] for c in second] == [["k3"], ["k2", "k4"]]
    assert rest == []


def _academy(settings: Settings) -> ImportMapping:
    services = Services.open(settings)
    try:
        issuer = services.awarding.register_issuer(
            "pipeline-academy", "Pipeline Academy", "https://p.example", datetime.now(UTC)
        )
        achievement = services.awarding.define_achievement(
            issuer.id,
            name="Information Governance",
            description="IG",
            criteria="Completed",
            kind=AchievementKind.TRAINING,
        )
    finally:
        services.close()
    return ImportMapping.model_validate(
        {"courses": {"IG": {"issuer": "pipeline-academy", "achievement": achievement}}}
    )


def _spread_report(path: Path) -> Path:
    """Row n is learner n mod LEARNERS: every chunk holds rows of every learner."""
    first = date(2025, 1, 1)
    path.write_text(
        HEADER
        + "".join(
            f"ESR-{n % LEARNERS:07d},Learner {n % LEARNERS},,IG,"
            f"{(first + timedelta(days=n // LEARNERS)).isoformat()}\n"
            for n in range(ROWS)
        )
    )
    return path


def _credentials_per_learner(services: Services) -> list[int]:
    ledger = services.ledger
    return [
        len(ledger.learner(ledger.learner_id_for(f"ESR-{n:07d}")).credentials)
        for n in range(LEARNERS)
    ]


@pytest.mark.postgres
def test_rows_of_one_learner_spread_over_the_report_are_each_recorded_once(pg_settings, tmp_path):
    """With two writer processes and each learner's rows in every chunk, every row is one
    credential of its learner, whole chunks commit, and a rerun records nothing."""
    assert ROWS > 2 * CHUNK
    mapping = _academy(pg_settings)
    report = _spread_report(tmp_path / "report.csv")
    services = Services.open(pg_settings)
    try:
        importer = Importer(services, mapping)
        assert importer.plan(report).awards == ROWS
        progress: list[int] = []
        with writer_processes(pg_settings, 2) as writers:
            done = importer.run(report, datetime.now(UTC), progress.append, writers=writers)
        assert done == sum(progress) == ROWS
        assert _credentials_per_learner(services) == [ROWS // LEARNERS] * LEARNERS
        events = services.ledger.recorder.max_notification_id()
        assert importer.run(report, datetime.now(UTC), lambda _: None) == ROWS
        assert services.ledger.recorder.max_notification_id() == events
    finally:
        services.close()
    state = _store_state(pg_settings)
    assert state["credentials"] == state["claims"] == state["idempotency keys"] == ROWS, state


@pytest.mark.postgres
def test_a_writer_killed_mid_import_stops_it_with_whole_chunks_recorded(pg_settings, tmp_path):
    """The writer process killed after the first chunk: the import stops with `WriterError`
    (not a hang), what was recorded is whole chunks, and a rerun records every row once."""
    mapping = _academy(pg_settings)
    report = _spread_report(tmp_path / "report.csv")
    services = Services.open(pg_settings)
    try:
        importer = Importer(services, mapping)
        writer = WriterProcess(pg_settings)

        def kill_writer(_: int) -> None:
            assert writer.pid is not None
            os.kill(writer.pid, signal.SIGKILL)

        with contextlib.closing(writer), pytest.raises(WriterError, match="writer process ended"):
            importer.run(report, datetime.now(UTC), kill_writer, writers=[writer])
        state = _store_state(pg_settings)
        assert CHUNK <= state["credentials"] < ROWS, state
        assert state["credentials"] == state["claims"] == state["idempotency keys"], state
        assert importer.run(report, datetime.now(UTC), lambda _: None) == ROWS
        assert _credentials_per_learner(services) == [ROWS // LEARNERS] * LEARNERS
    finally:
        services.close()
