"""Chunks read claims, passports and idempotency keys in batches, and still record exactly once."""

from __future__ import annotations

from datetime import date

import pytest

from events.errors import IdempotencyKeyReusedError
from issuers.awarding import AwardRequest, Learner
from tests.issuers.academy import NOW, register_academy


def _rows(achievement: str, count: int, per_learner: int = 3) -> list[AwardRequest]:
    return [
        AwardRequest(
            achievement,
            Learner(f"ESR-{n // per_learner:05d}", f"Learner {n // per_learner}", ""),
            date(2026, 1 + n % per_learner, 1),
            None,
            f"row-{n}",
        )
        for n in range(count)
    ]


def test_a_larger_chunk_retried_over_a_recorded_one_records_each_row_once(services):
    """Rows recorded by an earlier chunk keep their credentials; only the new rows are added."""
    issuer_id, achievement = register_academy(services)
    first = services.awarding.award_many(issuer_id, _rows(achievement, 9), at=NOW)
    again = services.awarding.award_many(issuer_id, _rows(achievement, 21), at=NOW)
    assert [a.credential_id for a in again[:9]] == [a.credential_id for a in first]
    assert [a.credential for a in again[:9]] == [a.credential for a in first]
    assert len({a.credential_id for a in again}) == 21
    for learner_id in {a.learner_id for a in again}:
        held = services.ledger.learner(learner_id).credentials
        assert len(held) == 3, "three rows per learner, each recorded once"


def test_a_chunk_reusing_a_recorded_key_for_another_award_records_nothing(services):
    """A key already used for one learner, sent again in a chunk for another, is refused whole."""
    issuer_id, achievement = register_academy(services)
    services.awarding.award_many(issuer_id, _rows(achievement, 3), at=NOW)
    rows = _rows(achievement, 6)
    rows[1] = AwardRequest(
        achievement,
        Learner("ESR-99999", "Other", ""),
        rows[1].earned_on,
        None,
        rows[1].idempotency_key,
    )
    with pytest.raises(IdempotencyKeyReusedError):
        services.awarding.award_many(issuer_id, rows, at=NOW)
    assert not services.ledger.learner_exists("ESR-00001"), "the chunk's new learner is absent"


def test_claims_read_together_match_claims_read_one_by_one(services):
    """Reading many credential ids' claims at once gives each one's passport; unknown ids none."""
    issuer_id, achievement = register_academy(services)
    awards = services.awarding.award_many(issuer_id, _rows(achievement, 7), at=NOW)
    unknown = "urn:uuid:00000000-0000-4000-8000-000000000000"
    claims = services.ledger.credential_claims([a.credential_id for a in awards] + [unknown])
    assert unknown not in claims
    assert {cid: c.learner_id for cid, c in claims.items()} == {
        a.credential_id: a.learner_id for a in awards
    }
    for award in awards:
        assert claims[award.credential_id] == services.ledger.credential_claim(award.credential_id)


def test_learner_ids_read_together_match_the_ids_awards_gave(services):
    """Known staff numbers map to their passports and new ones to the id enrolment will give."""
    issuer_id, achievement = register_academy(services)
    awards = services.awarding.award_many(issuer_id, _rows(achievement, 3, per_learner=1), at=NOW)
    found = services.ledger.learner_ids_for(["ESR-00000", "ESR-00002", "ESR-77777"])
    assert found["ESR-00000"] == awards[0].learner_id
    assert found["ESR-00002"] == awards[2].learner_id
    assert found["ESR-77777"] == services.ledger.learner_id_for("ESR-77777")
    assert not services.ledger.learner_exists("ESR-77777")
