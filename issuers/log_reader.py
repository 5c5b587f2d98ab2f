"""Reading chosen events of the log from a tracked position of one's own, for the ledger's own
followers (the programme awarder, the maintenance keeper).

Only as far as the read models have applied the log: those followers decide from the read
models, so an event is handed to them once the read models reflect it. The position is kept in
`rm_tracking` under the follower's name; a follower advances it after acting on a batch, so a
crash in between hands the batch over again (the followers' actions are idempotent).
"""

from __future__ import annotations

from collections.abc import Sequence

from eventsourcing.persistence import ApplicationRecorder, Notification

from projections.database import ReadModelDatabase
from projections.runner import ProjectionRunner

BATCH = 500
CHUNK = 50  # values per `IN (...)` list of a batched read (small enough that the planner
# reads the learner index even on a small ledger, where 200 of a few hundred learners is most of it)


class LogReader:
    """The next batch of chosen events after a tracked position."""

    def __init__(
        self,
        name: str,
        recorder: ApplicationRecorder,
        database: ReadModelDatabase,
        projections: ProjectionRunner,
        topics: Sequence[str],
    ) -> None:
        self._name = name
        self._recorder = recorder
        self._database = database
        self._projections = projections
        self._topics = tuple(topics)

    def position(self) -> int:
        """The log position the follower has acted on up to."""
        with self._database.read() as tx:
            rows = tx.execute("SELECT position FROM rm_tracking WHERE name = ?", (self._name,))
        return int(rows[0][0]) if rows else 0

    def next_batch(self) -> tuple[Sequence[Notification], int] | None:
        """The chosen events after the position, up to what the read models have applied, and
        the position to advance to once they are acted on; None when there is nothing new."""
        target = self._projections.position()
        position = self.position()
        if position >= target:
            return None
        notifications = self._recorder.select_notifications(
            start=position, limit=BATCH, stop=target, topics=self._topics, inclusive_of_start=False
        )
        reached = notifications[-1].id if len(notifications) == BATCH else target
        return notifications, reached

    def advance(self, reached: int) -> None:
        """Record that the follower acted on everything up to `reached`."""
        with self._database.transaction() as tx:
            tx.execute(
                "INSERT INTO rm_tracking (name, position) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET position = excluded.position",
                (self._name, reached),
            )


def chunks(values: Sequence[str]) -> list[Sequence[str]]:
    """The values in slices small enough for one `IN (...)` list."""
    return [values[start : start + CHUNK] for start in range(0, len(values), CHUNK)]


def marks(values: Sequence[str]) -> str:
    """The `?` placeholders of an `IN (...)` list of these values."""
    return ", ".join("?" * len(values))
