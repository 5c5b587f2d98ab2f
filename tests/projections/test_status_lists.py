"""Status lists kept by the projection: one bit flipped per status event, rebuilt identically."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from events.issuer import AchievementKind
from issuers.awarding import Award, Learner
from passport.publishing import status_list_at
from passport.services import Services
from passport.settings import Settings
from tests.conftest import load_data
from verifier.status_list import decode_encoded_list

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    opened = Services.open(settings)
    yield opened
    opened.close()


def _awards(services: Services, count: int) -> list[Award]:
    issuer = services.awarding.register_issuer("academy", "Academy", "https://a.example", NOW)
    achievement = services.awarding.define_achievement(
        issuer.id,
        name="Information Governance",
        description="IG",
        criteria="Pass",
        kind=AchievementKind.TRAINING,
        refresher_months=12,
    )
    return [
        services.awarding.award(
            issuer.id,
            achievement,
            Learner(f"NMC-{n}", f"Learner {n}", f"l{n}@example.nhs.net"),
            earned_on=date(2026, 11, 1),
            at=NOW,
        )
        for n in range(count)
    ]


def _entry(award: Award, purpose: str) -> tuple[str, int]:
    entry = next(e for e in award.credential["credentialStatus"] if e["statusPurpose"] == purpose)
    return entry["statusListCredential"], int(entry["statusListIndex"])


def _set_bits(services: Services, url: str) -> set[int]:
    document: dict[str, Any] | None = status_list_at(services, url)
    assert document is not None
    bits = decode_encoded_list(document["credentialSubject"]["encodedList"])
    return {i for i in range(len(bits) * 8) if bits[i // 8] & (0x80 >> (i % 8))}


def test_a_list_with_nothing_set_is_the_spec_example_byte_for_byte(services):
    """An issuer's list before any status change publishes the spec's example-5 encodedList."""
    award = _awards(services, 1)[0]
    services.projections.catch_up()
    document = status_list_at(services, _entry(award, "revocation")[0])
    assert document is not None
    expected = load_data("status-list/example-5-list.json")["credentialSubject"]["encodedList"]
    assert document["credentialSubject"]["encodedList"] == expected


def test_each_status_change_sets_exactly_the_credentials_bit_in_its_purposes_list(services):
    """Revoking, suspending and reinstating move one credential's bit between the two lists."""
    revoked, suspended, untouched = _awards(services, 3)
    ledger = services.ledger
    ledger.revoke_credential(revoked.learner_id, revoked.credential_id, "issued in error")
    ledger.suspend_credential(suspended.learner_id, suspended.credential_id, "under review")
    services.projections.catch_up()
    revocation_url, revoked_index = _entry(revoked, "revocation")
    suspension_url, suspended_index = _entry(suspended, "suspension")
    assert _set_bits(services, revocation_url) == {revoked_index}
    assert _set_bits(services, suspension_url) == {suspended_index}

    ledger.reinstate_credential(suspended.learner_id, suspended.credential_id, "cleared")
    services.projections.catch_up()
    assert _set_bits(services, suspension_url) == set()
    assert _set_bits(services, revocation_url) == {revoked_index}
    assert _entry(untouched, "revocation")[1] not in _set_bits(services, revocation_url)


def test_a_rebuilt_list_matches_the_list_kept_event_by_event(services):
    """Replaying the log from zero gives the same bits and the same signed document."""
    awards = _awards(services, 4)
    services.ledger.suspend_credential(awards[0].learner_id, awards[0].credential_id, "review")
    services.ledger.revoke_credential(awards[0].learner_id, awards[0].credential_id, "fraud")
    services.ledger.revoke_credential(awards[2].learner_id, awards[2].credential_id, "error")
    services.projections.catch_up()
    url = _entry(awards[0], "revocation")[0]
    live, live_rows = status_list_at(services, url), services.views.dump()
    services.projections.rebuild()
    assert services.views.dump() == live_rows
    assert status_list_at(services, url) == live
    assert _set_bits(services, url) == {
        _entry(awards[0], "revocation")[1],
        _entry(awards[2], "revocation")[1],
    }


def test_a_list_changes_its_valid_from_and_signature_only_when_a_status_changes(services):
    """The same state gives the same signed document; a change gives a new, later one."""
    award = _awards(services, 1)[0]
    services.projections.catch_up()
    url = _entry(award, "revocation")[0]
    before = status_list_at(services, url)
    assert status_list_at(services, url) == before
    services.ledger.revoke_credential(award.learner_id, award.credential_id, "error")
    services.projections.catch_up()
    after = status_list_at(services, url)
    assert before is not None and after is not None
    assert after["proof"] != before["proof"]
    assert after["validFrom"] > before["validFrom"]


def test_a_list_no_credential_was_placed_in_is_not_published(services):
    """List 2 of an issuer with a handful of credentials does not exist: nothing to publish."""
    award = _awards(services, 1)[0]
    services.projections.catch_up()
    url = _entry(award, "revocation")[0]
    assert url.endswith("/1")
    assert status_list_at(services, url.removesuffix("/1") + "/2") is None
