"""The review aggregate: one learner's rating of one achievement they hold, with its history.

The review's text is sealed under the learner's own data key (as personal data is), so erasing
the learner removes it while the rating, a number that identifies no one, still counts.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from events.errors import LedgerError

REVIEW_TEXT_FIELD = "review"
MIN_RATING, MAX_RATING = 1, 5


class ReviewError(LedgerError):
    """A review change the review's state does not allow (409)."""


class Review(Aggregate):
    """A learner's review of an achievement; its id is keyed (see `ReviewUseCases.review_id`)."""

    @staticmethod
    def create_id(*_: Any, **__: Any) -> UUID:
        """Refused: the id is keyed with a ledger secret, so it comes from the ledger."""
        raise TypeError("a review's id comes from Ledger.review_id(learner_id, achievement_id)")

    class Written(Aggregate.Created):
        """A learner holding a credential of the achievement rated and reviewed it."""

        class_version = 1
        learner_id: str
        issuer_id: str
        achievement_id: str
        credential_id: str
        pseudonym: str
        rating: int
        text: str

    @event(Written)
    def __init__(
        self,
        id: UUID,  # the originator id, not a field of the event
        learner_id: str,
        issuer_id: str,
        achievement_id: str,
        credential_id: str,
        pseudonym: str,
        rating: int,
        text: str,
    ) -> None:
        self.learner_id = learner_id
        self.issuer_id = issuer_id
        self.achievement_id = achievement_id
        self.credential_id = credential_id
        self.pseudonym = pseudonym
        self.rating = rating
        self.text = text
        self.reply: str | None = None
        self.hidden = False

    def edit(self, rating: int, text: str, credential_id: str) -> None:
        """The learner changes their rating or text: a new event, the earlier one stays."""
        self._edited(rating=rating, text=text, credential_id=credential_id)

    class Edited(Aggregate.Event):
        """The learner edited their review."""

        class_version = 1
        rating: int
        text: str
        credential_id: str

    @event(Edited)
    def _edited(self, rating: int, text: str, credential_id: str) -> None:
        self.rating = rating
        self.text = text
        self.credential_id = credential_id

    def answer(self, text: str) -> None:
        """The issuer's one reply."""
        if self.reply is not None:
            raise ReviewError("the issuer has already replied to this review; a reply is final")
        self._replied(text=text)

    class Replied(Aggregate.Event):
        """The issuer of the achievement replied."""

        class_version = 1
        text: str

    @event(Replied)
    def _replied(self, text: str) -> None:
        self.reply = text

    def hide(self, by: str, reason: str) -> None:
        """The operator hides the review from the public, saying why."""
        if self.hidden:
            raise ReviewError("this review is already hidden")
        self._hidden(by=by, reason=reason)

    class Hidden(Aggregate.Event):
        """The ledger operator hid the review, with a recorded reason."""

        class_version = 1
        by: str
        reason: str

    @event(Hidden)
    def _hidden(self, by: str, reason: str) -> None:
        self.hidden = True
