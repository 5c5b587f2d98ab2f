"""Reviews as people read them: sealed texts opened with the learners' keys, in one read each."""

from __future__ import annotations

from passport.services import Services
from projections.reviews import Reviews, ReviewView, opened


def latest_reviews(services: Services, achievement_id: str, limit: int = 3) -> list[ReviewView]:
    """The newest shown reviews of an achievement, texts opened."""
    found = Reviews(services.read_models).latest(achievement_id, limit)
    return opened(found, services.views.data_keys({learner for learner, _ in found}))


def reviews_of_learner(services: Services, learner_id: str) -> dict[str, ReviewView]:
    """A learner's own reviews by achievement id, texts opened."""
    mine = Reviews(services.read_models).of_learner(learner_id)
    shown = opened([(learner_id, r) for r in mine.values()], services.views.data_keys([learner_id]))
    return {r.achievement_id: r for r in shown}
