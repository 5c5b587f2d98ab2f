"""Status lists kept by the projection: one bit flipped per status event, rebuilt identically."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from events.issuer import AchievementKind
from issuers.awarding import Award, Learner
from passport.publishing import status_list_at
from passport.services import Services
from verifier.status_list import decode_encoded_list

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


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


def _entry(award: Award) -> tuple[str, int]:
    entry = award.credential["credentialStatus"]
    assert (entry["statusPurpose"], entry["statusSize"]) == ("message", 2)
    return entry["statusListCredential"], int(entry["statusListIndex"])


def _values(services: Services, url: str) -> dict[int, int]:
    """Each entry of a two-bit list whose value is not 0 (entry i is bits 2i and 2i+1, the
    first the more significant; bit 0 is the most significant bit of the first byte)."""
    document: dict[str, Any] | None = status_list_at(services, url)
    assert document is not None
    bits = decode_encoded_list(document["credentialSubject"]["encodedList"])
    found = {}
    for byte_no, byte in enumerate(bits):
        for pair in range(4) if byte else ():
            value = (byte >> (6 - 2 * pair)) & 0b11
            if value:
                found[byte_no * 4 + pair] = value
    return found


def test_a_list_with_nothing_set_is_131072_two_bit_entries_of_zero(services):
    """An issuer's list before any status change holds 131,072 entries of 2 bits, all 0 (the
    spec's minimum number of entries, times statusSize)."""
    award = _awards(services, 1)[0]
    services.projections.catch_up()
    document = status_list_at(services, _entry(award)[0])
    assert document is not None
    assert document["credentialSubject"]["statusPurpose"] == "message"
    bits = decode_encoded_list(document["credentialSubject"]["encodedList"])
    assert bits == bytes(131_072 * 2 // 8)


def test_each_status_change_writes_exactly_the_credentials_value(services):
    """Revoking writes 1, suspending 2, reinstating 0 at the credential's place; nothing else
    in the list moves."""
    revoked, suspended, untouched = _awards(services, 3)
    ledger = services.ledger
    ledger.revoke_credential(revoked.learner_id, revoked.credential_id, "issued in error")
    ledger.suspend_credential(suspended.learner_id, suspended.credential_id, "under review")
    services.projections.catch_up()
    url, revoked_index = _entry(revoked)
    suspended_index = _entry(suspended)[1]
    assert _entry(suspended)[0] == url
    assert _values(services, url) == {revoked_index: 1, suspended_index: 2}

    ledger.reinstate_credential(suspended.learner_id, suspended.credential_id, "cleared")
    services.projections.catch_up()
    assert _values(services, url) == {revoked_index: 1}
    assert _entry(untouched)[1] not in _values(services, url)


def test_a_rebuilt_list_matches_the_list_kept_event_by_event(services):
    """Replaying the log from zero gives the same values and the same signed document."""
    awards = _awards(services, 4)
    services.ledger.suspend_credential(awards[0].learner_id, awards[0].credential_id, "review")
    services.ledger.revoke_credential(awards[0].learner_id, awards[0].credential_id, "fraud")
    services.ledger.suspend_credential(awards[2].learner_id, awards[2].credential_id, "review")
    services.projections.catch_up()
    url = _entry(awards[0])[0]
    live, live_rows = status_list_at(services, url), services.views.dump()
    services.projections.rebuild()
    assert services.views.dump() == live_rows
    assert status_list_at(services, url) == live
    assert _values(services, url) == {_entry(awards[0])[1]: 1, _entry(awards[2])[1]: 2}


def test_a_list_changes_its_valid_from_and_signature_only_when_a_status_changes(services):
    """The same state gives the same signed document; a change gives a new, later one."""
    award = _awards(services, 1)[0]
    services.projections.catch_up()
    url = _entry(award)[0]
    before = status_list_at(services, url)
    assert status_list_at(services, url) == before
    services.ledger.revoke_credential(award.learner_id, award.credential_id, "error")
    services.projections.catch_up()
    after = status_list_at(services, url)
    assert before is not None and after is not None
    assert after["proof"] != before["proof"]
    assert after["validFrom"] > before["validFrom"]


def test_a_list_no_credential_was_placed_in_is_not_published(services):
    """List 2 of an issuer with a handful of credentials does not exist, nor does a one-bit
    revocation list for credentials that carry the message entry: nothing to publish."""
    award = _awards(services, 1)[0]
    services.projections.catch_up()
    url = _entry(award)[0]
    assert url.endswith("/message/1")
    assert status_list_at(services, url.removesuffix("/1") + "/2") is None
    assert status_list_at(services, url.replace("/message/", "/nonsense/")) is None
