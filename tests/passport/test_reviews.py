"""Reviews only learners can write: holders only, edits are events, replies, hiding, erasure."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from events.issuer import AchievementKind
from events.review import ReviewError
from events.review_use_cases import NotAHolderError, ReviewNotFoundError
from issuers.awarding import Learner
from passport.erasure import erase_learner
from passport.reviewing import latest_reviews, reviews_of_learner
from passport.services import Services
from projections.reviews import RatingSummary, Reviews

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _academy(services: Services) -> tuple[UUID, str, dict[str, tuple[UUID, str]]]:
    """An academy, an achievement, and two learners holding it: name → (learner, credential)."""
    academy = services.awarding.register_issuer("academy", "Academy", "https://a.example", NOW)
    achievement = services.awarding.define_achievement(
        academy.id,
        name="EPR Deployment Skills",
        description="EPR skills",
        criteria="Complete the course",
        kind=AchievementKind.TRAINING,
    )
    held = {}
    for staff, name in (("ESR-1", "Amira Okafor"), ("ESR-2", "Daniel Hughes")):
        award = services.awarding.award(
            academy.id,
            achievement,
            Learner(staff, name, f"{staff}@example.nhs.net"),
            earned_on=date(2026, 10, 1),
            at=NOW,
        )
        held[name] = (award.learner_id, award.credential_id)
    services.projections.catch_up()
    return academy.id, achievement, held


def _summary(services: Services, achievement: str) -> RatingSummary | None:
    services.projections.catch_up()
    return Reviews(services.read_models).summaries([achievement]).get(achievement)


def test_a_holder_rates_and_the_summary_counts_it(services: Services) -> None:
    """Two holders' ratings of 4 and 2 give two reviews averaging 3.0."""
    _, achievement, held = _academy(services)
    services.ledger.write_review(*held["Amira Okafor"], 4, "Clear and practical.")
    services.ledger.write_review(*held["Daniel Hughes"], 2, "")
    assert _summary(services, achievement) == RatingSummary(reviews=2, total=6)
    assert RatingSummary(2, 6).average == 3.0
    shown = latest_reviews(services, achievement)
    assert {r.text for r in shown} == {"Clear and practical.", None}


def test_only_a_holder_can_review(services: Services) -> None:
    """A credential id the learner does not hold (another learner's) is refused."""
    _, achievement, held = _academy(services)
    amira, _ = held["Amira Okafor"]
    _, daniels_credential = held["Daniel Hughes"]
    with pytest.raises(NotAHolderError, match="only a learner holding a credential"):
        services.ledger.write_review(amira, daniels_credential, 5, "Sock puppet")
    assert _summary(services, achievement) is None


def test_a_revoked_credential_no_longer_lets_its_holder_review(services: Services) -> None:
    """Once the credential is revoked, the learner is no longer a verified holder."""
    _, _, held = _academy(services)
    learner, credential = held["Amira Okafor"]
    services.ledger.revoke_credential(learner, credential, "Awarded in error")
    with pytest.raises(NotAHolderError):
        services.ledger.write_review(learner, credential, 5, "")


def test_a_rating_outside_one_to_five_is_refused(services: Services) -> None:
    """Ratings are whole numbers from 1 to 5."""
    _, _, held = _academy(services)
    with pytest.raises(ValueError, match="from 1 to 5"):
        services.ledger.write_review(*held["Amira Okafor"], 6, "")


def test_a_second_review_is_an_edit_recorded_as_an_event(services: Services) -> None:
    """Reviewing again changes the one review (the count stays 1) and adds an event."""
    _, achievement, held = _academy(services)
    review_id, new = services.ledger.write_review(*held["Amira Okafor"], 2, "Too long")
    again, again_new = services.ledger.write_review(*held["Amira Okafor"], 5, "Worth it")
    assert (new, again_new, again) == (True, False, review_id)
    assert _summary(services, achievement) == RatingSummary(reviews=1, total=5)
    history = [type(e).__qualname__ for e in services.ledger.repository.event_store.get(review_id)]
    assert history == ["Review.Written", "Review.Edited"]
    mine = reviews_of_learner(services, str(held["Amira Okafor"][0]))
    assert mine[achievement].text == "Worth it"
    assert mine[achievement].edited


def test_the_review_is_shown_under_a_pseudonym_not_the_name(services: Services) -> None:
    """Nothing public names the learner: the pseudonym is keyed and unlike their name or id."""
    _, achievement, held = _academy(services)
    learner, credential = held["Amira Okafor"]
    services.ledger.write_review(learner, credential, 4, "Good")
    services.projections.catch_up()
    (shown,) = latest_reviews(services, achievement)
    assert shown.pseudonym.startswith("Learner ")
    assert "Amira" not in shown.pseudonym
    assert str(learner) not in shown.review_id
    assert shown.review_id != str(services.ledger.review_id(learner, "other-achievement"))


def test_the_issuer_replies_once(services: Services) -> None:
    """The academy's reply shows with the review; a second reply is refused."""
    academy, achievement, held = _academy(services)
    review_id, _ = services.ledger.write_review(*held["Amira Okafor"], 3, "OK")
    services.ledger.reply_to_review(academy, review_id, "Thank you, we are shortening it.")
    with pytest.raises(ReviewError, match="already replied"):
        services.ledger.reply_to_review(academy, review_id, "Again")
    services.projections.catch_up()
    assert latest_reviews(services, achievement)[0].reply == "Thank you, we are shortening it."


def test_another_issuer_cannot_reply(services: Services) -> None:
    """A review of one academy's achievement is not another academy's to answer."""
    _, _, held = _academy(services)
    other = services.awarding.register_issuer("other", "Other", "https://o.example", NOW)
    review_id, _ = services.ledger.write_review(*held["Amira Okafor"], 1, "Poor")
    with pytest.raises(ReviewNotFoundError):
        services.ledger.reply_to_review(other.id, review_id, "Competitor says hi")


def test_a_hidden_review_leaves_the_page_and_the_summary(services: Services) -> None:
    """The operator hides a review with a reason: it is not shown and no longer counted."""
    _, achievement, held = _academy(services)
    hidden, _ = services.ledger.write_review(*held["Amira Okafor"], 1, "Abusive words")
    services.ledger.write_review(*held["Daniel Hughes"], 4, "Useful")
    services.ledger.hide_review(hidden, "operator:test", "Abusive language")
    assert _summary(services, achievement) == RatingSummary(reviews=1, total=4)
    assert [r.text for r in latest_reviews(services, achievement)] == ["Useful"]
    last = list(services.ledger.repository.event_store.get(hidden))[-1]
    assert (type(last).__qualname__, getattr(last, "reason", None)) == (
        "Review.Hidden",
        "Abusive language",
    )


def test_erasure_removes_the_text_and_keeps_the_rating(services: Services) -> None:
    """After erasure the review's text is gone for good, and the rating still counts."""
    _, achievement, held = _academy(services)
    learner, credential = held["Amira Okafor"]
    services.ledger.write_review(learner, credential, 5, "My manager Sarah was great")
    erase_learner(services, learner, by="operator:test", reason="UK GDPR request")
    assert _summary(services, achievement) == RatingSummary(reviews=1, total=5)
    (shown,) = latest_reviews(services, achievement)
    assert (shown.rating, shown.text) == (5, None)
    services.projections.rebuild()
    (rebuilt,) = latest_reviews(services, achievement)
    assert (rebuilt.rating, rebuilt.text) == (5, None)
    assert _summary(services, achievement) == RatingSummary(reviews=1, total=5)


def test_reviews_survive_a_rebuild(services: Services) -> None:
    """A rebuild from the log gives the same reviews, edits and summary."""
    _, achievement, held = _academy(services)
    services.ledger.write_review(*held["Amira Okafor"], 2, "First")
    services.ledger.write_review(*held["Amira Okafor"], 4, "Second thoughts")
    services.ledger.write_review(*held["Daniel Hughes"], 5, "")
    before = (_summary(services, achievement), latest_reviews(services, achievement))
    services.projections.rebuild()
    after = (_summary(services, achievement), latest_reviews(services, achievement))
    assert after == before
    assert after[0] == RatingSummary(reviews=2, total=9)
