"""The reviews read model: each review as shown, and a running rating summary per achievement.

The summary (count and total of the shown reviews' ratings) is kept up to date event by event,
so a catalogue page reads one row per achievement however many reviews there are. Erasure
blanks a learner's review texts (they were sealed under the learner's key anyway) and leaves
their ratings counted; a hidden review leaves the summary.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any

from events.review import REVIEW_TEXT_FIELD
from keys import DataKey, SealedDataError
from projections.database import ReadModelDatabase, Transaction
from projections.display import display_text

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS rm_reviews (
        review_id TEXT PRIMARY KEY, achievement_id TEXT NOT NULL, issuer_id TEXT NOT NULL,
        learner_id TEXT NOT NULL, pseudonym TEXT NOT NULL, rating INTEGER NOT NULL,
        text TEXT, written_at TEXT NOT NULL, edited_at TEXT, reply TEXT, replied_at TEXT,
        hidden_reason TEXT)""",
    "CREATE INDEX IF NOT EXISTS rm_reviews_achievement ON rm_reviews (achievement_id, written_at)",
    "CREATE INDEX IF NOT EXISTS rm_reviews_learner ON rm_reviews (learner_id)",
    """CREATE TABLE IF NOT EXISTS rm_review_summaries (
        achievement_id TEXT PRIMARY KEY, reviews BIGINT NOT NULL, total BIGINT NOT NULL)""",
)
TABLES = ("rm_reviews", "rm_review_summaries")


def _rating(value: Any) -> int:
    """A stored rating within 1..5 whatever an event holds (the write side checks it)."""
    return min(5, max(1, int(value))) if isinstance(value, int) else 1


def _count(tx: Transaction, achievement_id: str, reviews: int, total: int) -> None:
    tx.execute(
        "INSERT INTO rm_review_summaries (achievement_id, reviews, total) VALUES (?, ?, ?) "
        "ON CONFLICT (achievement_id) DO UPDATE SET "
        "reviews = rm_review_summaries.reviews + excluded.reviews, "
        "total = rm_review_summaries.total + excluded.total",
        (achievement_id, reviews, total),
    )


def _shown(tx: Transaction, review_id: str) -> tuple[str, int, bool] | None:
    rows = tx.execute(
        "SELECT achievement_id, rating, hidden_reason FROM rm_reviews WHERE review_id = ?",
        (review_id,),
    )
    return (str(rows[0][0]), int(rows[0][1]), rows[0][2] is None) if rows else None


def apply(tx: Transaction, event: Any, _position: int) -> None:
    """Keep the reviews and their summaries up to date with one event of the log."""
    kind = type(event).__qualname__
    at = event.timestamp.isoformat()
    review_id = str(event.originator_id)
    if kind == "Review.Written":
        rating = _rating(event.rating)
        inserted = tx.execute(
            "INSERT INTO rm_reviews (review_id, achievement_id, issuer_id, learner_id, pseudonym, "
            "rating, text, written_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (review_id) DO NOTHING RETURNING review_id",
            (
                review_id,
                display_text(event.achievement_id),
                display_text(event.issuer_id),
                display_text(event.learner_id),
                display_text(event.pseudonym),
                rating,
                event.text or None,
                at,
            ),
        )
        if inserted:
            _count(tx, display_text(event.achievement_id), 1, rating)
    elif kind == "Review.Edited":
        found = _shown(tx, review_id)
        if found is None:
            return
        rating = _rating(event.rating)
        tx.execute(
            "UPDATE rm_reviews SET rating = ?, text = ?, edited_at = ? WHERE review_id = ?",
            (rating, event.text or None, at, review_id),
        )
        if found[2]:
            _count(tx, found[0], 0, rating - found[1])
    elif kind == "Review.Replied":
        tx.execute(
            "UPDATE rm_reviews SET reply = ?, replied_at = ? WHERE review_id = ?",
            (display_text(event.text), at, review_id),
        )
    elif kind == "Review.Hidden":
        found = _shown(tx, review_id)
        if found is None or not found[2]:
            return
        tx.execute(
            "UPDATE rm_reviews SET hidden_reason = ? WHERE review_id = ?",
            (display_text(event.reason) or "hidden", review_id),
        )
        _count(tx, found[0], -1, -found[1])
    elif kind == "Passport.Erased":
        tx.execute(
            "UPDATE rm_reviews SET text = NULL WHERE learner_id = ?", (str(event.originator_id),)
        )


@dataclass(frozen=True)
class RatingSummary:
    """How an achievement is rated by the learners who hold it."""

    reviews: int
    total: int

    @property
    def average(self) -> float:
        """The mean rating, to one decimal place."""
        return round(self.total / self.reviews, 1) if self.reviews else 0.0


@dataclass(frozen=True)
class ReviewView:
    """One review as the public sees it (text None once erased or never written)."""

    review_id: str
    achievement_id: str
    pseudonym: str
    rating: int
    text: str | None
    written_at: str
    edited: bool
    reply: str | None


class Reviews:
    """Queries of the reviews read model, each by key and bounded."""

    def __init__(self, database: ReadModelDatabase) -> None:
        self._database = database

    def summaries(self, achievement_ids: Collection[str]) -> dict[str, RatingSummary]:
        """The rating summary of each of these achievements that has shown reviews."""
        wanted = sorted({a for a in achievement_ids if a and "\x00" not in a})
        if not wanted:
            return {}
        marks = ", ".join("?" for _ in wanted)
        with self._database.read() as tx:
            rows = tx.execute(
                "SELECT achievement_id, reviews, total FROM rm_review_summaries "  # noqa: S608
                "WHERE achievement_id IN (" + marks + ")",
                wanted,
            )
        return {str(r[0]): RatingSummary(int(r[1]), int(r[2])) for r in rows if int(r[1]) > 0}

    def latest(self, achievement_id: str, limit: int = 3) -> list[tuple[str, ReviewView]]:
        """The newest shown reviews of an achievement: (learner id, review), text still sealed."""
        with self._database.read() as tx:
            rows = tx.execute(
                "SELECT review_id, achievement_id, pseudonym, rating, text, written_at, "
                "edited_at, reply, learner_id FROM rm_reviews "
                "WHERE achievement_id = ? AND hidden_reason IS NULL "
                "ORDER BY written_at DESC LIMIT ?",
                (achievement_id, limit),
            )
        return [(str(r[8]), _view(r)) for r in rows]

    def of_learner(self, learner_id: str) -> dict[str, ReviewView]:
        """A learner's own reviews by achievement id (text still sealed)."""
        with self._database.read() as tx:
            rows = tx.execute(
                "SELECT review_id, achievement_id, pseudonym, rating, text, written_at, "
                "edited_at, reply FROM rm_reviews WHERE learner_id = ?",
                (learner_id,),
            )
        return {str(r[1]): _view(r) for r in rows}


def _view(r: Any) -> ReviewView:
    return ReviewView(
        review_id=str(r[0]),
        achievement_id=str(r[1]),
        pseudonym=str(r[2]),
        rating=int(r[3]),
        text=r[4],
        written_at=str(r[5]),
        edited=r[6] is not None,
        reply=r[7],
    )


def opened(found: list[tuple[str, ReviewView]], keys: Mapping[str, DataKey]) -> list[ReviewView]:
    """The reviews with their texts opened with their learners' keys (`Views.data_keys`); a
    text whose learner was erased stays None."""
    shown = []
    for learner_id, review in found:
        key, text = keys.get(learner_id), None
        if key is not None and review.text:
            try:
                text = key.open(REVIEW_TEXT_FIELD, review.text)
            except SealedDataError:
                text = None
        shown.append(replace(review, text=text))
    return shown
