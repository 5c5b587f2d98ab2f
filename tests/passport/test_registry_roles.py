"""Recognition rules that defer to the issuer registry: "aligned in the registry for this
subject", judged on the day the credential was issued."""

from __future__ import annotations

from datetime import UTC, date, datetime

from keys import SigningKey
from passport.compliance import Recognition, RequirementState, check_role, default_catalogue
from tests.passport.test_roles import ACADEMY, ELSEWHERE, NURSE, held, nurse_credentials
from tests.registries import entity, trusting

FIRE = "CSTF-FIRE"
REGISTRY_RULE = Recognition.model_validate(
    {"organisation": "A trust", "rules": [{"subjects": "any", "issuers": "registry"}]}
)


def _fire_state(fire_issuer: str, issued_at: datetime) -> RequirementState:
    trust = trusting(
        SigningKey.generate(),
        [
            entity(
                ACADEMY,
                "Digital Academy",
                alignments=[{"from": "2020-01-01T00:00:00Z"}],
            ),
            entity(
                ELSEWHERE,
                "Training Co",
                alignments=[{"subject": FIRE, "from": "2025-04-01T00:00:00Z"}],
            ),
        ],
    )
    fire = held(f"{FIRE}-L1", issuer=fire_issuer, earned_on=issued_at.date(), issued_at=issued_at)
    result = check_role(
        default_catalogue(),
        NURSE,
        REGISTRY_RULE,
        nurse_credentials(**{FIRE: fire}),
        as_of=date(2025, 6, 1),
        aligned=trust.aligned_for,
    )
    return next(r.state for r in result.requirements if r.subject == FIRE)


def test_an_issuer_aligned_for_the_subject_when_it_issued_counts():
    """Training Co is aligned for fire safety from April 2025: its May credential counts."""
    assert _fire_state(ELSEWHERE, datetime(2025, 5, 1, 9, tzinfo=UTC)) is RequirementState.MET


def test_an_issuer_not_yet_aligned_when_it_issued_does_not_count():
    """Its March credential was issued before the alignment: met, but by an issuer not
    recognised for it."""
    state = _fire_state(ELSEWHERE, datetime(2025, 3, 1, 9, tzinfo=UTC))
    assert state is RequirementState.MET_BY_UNRECOGNISED_ISSUER


def test_without_a_registry_a_registry_rule_accepts_nobody():
    """A "registry" rule with no registry to ask recognises no issuer."""
    result = check_role(
        default_catalogue(), NURSE, REGISTRY_RULE, nurse_credentials(), as_of=date(2025, 6, 1)
    )
    assert {r.state for r in result.requirements} == {RequirementState.MET_BY_UNRECOGNISED_ISSUER}
