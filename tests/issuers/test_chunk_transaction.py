"""An award chunk's keys, data keys and events commit together; its status places before."""

from __future__ import annotations

from datetime import date

import pytest

from events.errors import LearnerErasedError
from issuers.awarding import AwardRequest, Learner
from tests.issuers.academy import NOW, register_academy


def _row(achievement: str, staff: str) -> AwardRequest:
    return AwardRequest(
        achievement, Learner(staff, f"Learner {staff}", ""), date(2026, 1, 5), None, f"key-{staff}"
    )


def _held(services, issuer_id) -> tuple[int, int, int, int]:
    """(idempotency keys, status slots counted out, status places allocated, data keys)."""
    with services.read_models.read() as tx:
        keys = tx.execute(
            "SELECT COUNT(*) FROM award_idempotency_keys WHERE issuer_id = ?", (str(issuer_id),)
        )[0][0]
        slots = tx.execute(
            "SELECT COALESCE(SUM(next_slot), 0) FROM status_list_counters WHERE issuer_id = ?",
            (str(issuer_id),),
        )[0][0]
        places = tx.execute(
            "SELECT COUNT(*) FROM rm_status_allocations WHERE issuer_id = ?", (str(issuer_id),)
        )[0][0]
        data_keys = tx.execute("SELECT COUNT(*) FROM learner_data_keys")[0][0]
    return int(keys), int(slots), int(places), int(data_keys)


def test_a_chunk_refused_part_way_leaves_no_key_no_learner_and_no_data_key(services):
    """A chunk refused after its status places were reserved (one learner was erased) leaves no
    idempotency key, learner or data key behind, only unused status places; sent again without
    that row, each credential gets a status place of its own that the refused chunk never
    held."""
    issuer_id, achievement = register_academy(services)
    erased = services.ledger.enrol_learner("ESR-ERASED", "Gone", "")
    services.ledger.erase_learner(erased, "records officer", "asked")
    before = _held(services, issuer_id)
    good = [_row(achievement, f"ESR-{n}") for n in range(4)]
    with pytest.raises(LearnerErasedError):
        services.awarding.award_many(issuer_id, [*good, _row(achievement, "ESR-ERASED")], at=NOW)
    keys, slots, places, data_keys = _held(services, issuer_id)
    assert (keys, data_keys) == (before[0], before[3])
    assert places == slots == 5  # reserved before signing, then left unused
    assert not any(services.ledger.learner_exists(f"ESR-{n}") for n in range(4))
    with services.read_models.read() as tx:
        unused = {int(r[0]) for r in tx.execute("SELECT idx FROM rm_status_allocations")}
    awards = services.awarding.award_many(issuer_id, good, at=NOW)
    keys, slots, places, data_keys = _held(services, issuer_id)
    assert (keys, slots, places) == (4, 9, 9)
    assert data_keys == before[3] + 4
    indexes = {int(a.credential["credentialStatus"]["statusListIndex"]) for a in awards}
    assert len(indexes) == 4
    assert not indexes & unused
