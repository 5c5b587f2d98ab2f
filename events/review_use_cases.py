"""The ledger's review use cases: only a holder reviews, once per achievement, edits are events."""

from __future__ import annotations

import base64
import random
import time
from collections.abc import Callable
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from events.errors import ConcurrentChangeError, LearnerErasedError, LedgerError
from events.ledger_base import BACKOFF_SECONDS, MAX_ATTEMPTS, LedgerBase
from events.passport import CredentialStatus, Passport
from events.review import MAX_RATING, MIN_RATING, REVIEW_TEXT_FIELD, Review

MAX_REVIEW_CHARS = 1000
MAX_REPLY_CHARS = 1000


class NotAHolderError(LedgerError):
    """Only a learner holding a (not revoked) credential of an achievement may review it."""


class ReviewNotFoundError(LedgerError):
    """No such review (for this issuer): 404."""


def _rating(rating: int) -> int:
    if not MIN_RATING <= rating <= MAX_RATING:
        raise ValueError(f"a rating is a whole number from {MIN_RATING} to {MAX_RATING}")
    return rating


class ReviewUseCases(LedgerBase):
    """Reviews of achievements by the learners who hold them."""

    def review_id(self, learner_id: UUID, achievement_id: str) -> UUID:
        """A learner's one review of an achievement: keyed, so nobody can link it to them."""
        digest = self.pseudonyms.record_digest("review-id", f"{learner_id}\x00{achievement_id}")
        return UUID(hex=digest[:32])

    def review_pseudonym(self, learner_id: UUID, achievement_id: str) -> str:
        """The name a review is shown under: keyed, and different for each review."""
        digest = self.pseudonyms.record_digest("review-name", f"{learner_id}\x00{achievement_id}")
        letters = base64.b32encode(bytes.fromhex(digest[:10])).decode().rstrip("=")
        return f"Learner {letters[:4]}-{letters[4:8]}"

    def write_review(
        self, learner_id: UUID, credential_id: str, rating: int, text: str
    ) -> tuple[UUID, bool]:
        """Rate (and review) the achievement of a credential the learner holds; a second review
        of the same achievement is recorded as an edit. Returns (review id, whether new)."""
        rating, text = _rating(rating), text.strip()
        if len(text) > MAX_REVIEW_CHARS:
            raise ValueError(f"a review is at most {MAX_REVIEW_CHARS} characters")
        for attempt in range(MAX_ATTEMPTS):
            passport = self._get(Passport, learner_id)
            if passport.erased:
                raise LearnerErasedError(learner_id)
            held = passport.credentials.get(credential_id)
            if held is None or held["status"] == CredentialStatus.REVOKED.value:
                raise NotAHolderError(
                    "only a learner holding a credential for an achievement can review it, "
                    "and this passport holds no such credential (or it was revoked)"
                )
            achievement_id = str(held["achievement_id"])
            if not achievement_id or held["kind"] in ("endorsement", "vc-api"):
                raise NotAHolderError("this credential is not an academy's achievement to review")
            key = self._vault.keys_for([learner_id], create=False).get(learner_id)
            sealed = key.seal(REVIEW_TEXT_FIELD, text) if key is not None and text else ""
            review_id = self.review_id(learner_id, achievement_id)
            review = self._review(review_id)
            if review is None:
                review = Review(
                    id=review_id,
                    learner_id=str(learner_id),
                    issuer_id=str(held["issuer_id"]),
                    achievement_id=achievement_id,
                    credential_id=credential_id,
                    pseudonym=self.review_pseudonym(learner_id, achievement_id),
                    rating=rating,
                    text=sealed,
                )
                new = True
            else:
                review.edit(rating, sealed, credential_id)
                new = False
            try:
                self.save(review)
            except IntegrityError:  # written meanwhile by another request: an edit then
                time.sleep(random.uniform(0, BACKOFF_SECONDS * (attempt + 1)))  # noqa: S311
                continue
            return review_id, new
        raise ConcurrentChangeError(learner_id)

    def reply_to_review(self, issuer_id: UUID, review_id: UUID, text: str) -> None:
        """The achievement's issuer replies, once."""
        text = text.strip()
        if not text or len(text) > MAX_REPLY_CHARS:
            raise ValueError(f"a reply is 1 to {MAX_REPLY_CHARS} characters")

        def reply(review: Review) -> None:
            if review.issuer_id != str(issuer_id):
                raise ReviewNotFoundError(f"issuer {issuer_id} has no review {review_id}")
            review.answer(text)

        self._change_review(review_id, reply)

    def hide_review(self, review_id: UUID, by: str, reason: str) -> None:
        """The operator hides a review from the public, with the reason recorded."""
        if not reason.strip():
            raise ValueError("say why the review is hidden: the reason is recorded")
        self._change_review(review_id, lambda r: r.hide(by, reason.strip()))

    def review(self, review_id: UUID) -> Review:
        """A review, or `ReviewNotFoundError`."""
        found = self._review(review_id)
        if found is None:
            raise ReviewNotFoundError(f"no review {review_id}")
        return found

    def _review(self, review_id: UUID) -> Review | None:
        try:
            found: object = self.repository.get(review_id)
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, Review) else None

    def _change_review(self, review_id: UUID, command: Callable[[Review], None]) -> None:
        for attempt in range(MAX_ATTEMPTS):
            review = self.review(review_id)
            command(review)
            try:
                self.save(review)
            except IntegrityError:
                time.sleep(random.uniform(0, BACKOFF_SECONDS * (attempt + 1)))  # noqa: S311
                continue
            return
        raise ConcurrentChangeError(review_id)
