"""Read models: NHS-year CPD totals, effective status, and a projection that is exactly-once."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from events.application import Ledger
from events.issuer import AchievementKind
from keys import SigningKey
from projections import passports
from projections.views import effective_status, nhs_financial_year


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2025, 3, 31), "2024/25"),
        (date(2025, 4, 1), "2025/26"),
        (date(1999, 12, 31), "1999/00"),
    ],
)
def test_nhs_financial_year_runs_april_to_march(day, year):
    """CPD is totalled per NHS financial year: 1 April to 31 March."""
    assert nhs_financial_year(day) == year


def test_status_a_person_sees_puts_revocation_before_expiry():
    """A revoked credential reads revoked even once expired; expiry warnings start at 90 days."""
    today = date(2026, 11, 23)
    assert effective_status("revoked", "2020-01-01T00:00:00Z", today) == "revoked"
    assert effective_status("active", "2026-11-23T00:00:00Z", today) == "expired"
    assert effective_status("active", "2027-02-21T00:00:00Z", today) == "expiring"
    assert effective_status("active", "2027-02-22T00:00:00Z", today) == "valid"
    assert effective_status("active", None, today) == "valid"


def _seed(ledger: Ledger, key: SigningKey) -> tuple[UUID, UUID]:
    issuer = ledger.register_issuer("acad", "Academy", "https://a.example", "did:web:a.example")
    ledger.add_issuer_key(issuer, "did:web:a.example#k1", key.public_key, "2024-01-01T00:00:00Z")
    ledger.define_achievement(issuer, "cpd", AchievementKind.CPD, None, {"name": "Masterclass"})
    ledger.define_achievement(issuer, "ig", AchievementKind.TRAINING, 12, {"name": "IG"})
    learner = ledger.enrol_learner("NMC-1", "Ann Example", "ann@x")

    def credential(cid: str, name: str, valid_from: str, until: str | None, credits: float | None):
        subject: dict[str, object] = {"achievement": {"name": name}}
        if credits is not None:
            subject["creditsEarned"] = credits
        doc: dict[str, object] = {"id": cid, "validFrom": valid_from, "credentialSubject": subject}
        if until:
            doc["validUntil"] = until
        return doc

    ledger.issue_credential(
        learner,
        "urn:uuid:1",
        issuer,
        "cpd",
        "cpd",
        credential("urn:uuid:1", "Masterclass", "2025-03-31T00:00:00Z", None, 3.5),
        "jwt1",
    )
    ledger.issue_credential(
        learner,
        "urn:uuid:2",
        issuer,
        "cpd",
        "cpd",
        credential("urn:uuid:2", "Masterclass", "2025-04-01T00:00:00Z", None, 7.0),
        "jwt2",
    )
    ledger.issue_credential(
        learner,
        "urn:uuid:3",
        issuer,
        "cpd",
        "cpd",
        credential("urn:uuid:3", "Masterclass", "2025-05-01T00:00:00Z", None, 1.5),
        "jwt3",
    )
    ledger.issue_credential(
        learner,
        "urn:uuid:4",
        issuer,
        "ig",
        "training",
        credential("urn:uuid:4", "IG", "2026-01-10T00:00:00Z", "2027-01-10T00:00:00Z", None),
        "jwt4",
    )
    ledger.revoke_credential(learner, "urn:uuid:3", "duplicate")
    return issuer, learner


def test_passport_totals_cpd_per_nhs_year_and_lists_what_expires_soon(services):
    """Credits land in the NHS year they were earned in; revoked ones do not count."""
    key = SigningKey.generate()
    _, learner = _seed(services.ledger, key)
    services.projections.catch_up()
    view = services.views.passport(str(learner), date(2026, 11, 23))
    assert view is not None
    assert view.cpd_credits_by_year == {"2024/25": 3.5, "2025/26": 7.0}
    assert view.expiring_soon == ["urn:uuid:4"]
    statuses = {c.id: c.status for c in view.credentials}
    assert statuses == {
        "urn:uuid:1": "valid",
        "urn:uuid:2": "valid",
        "urn:uuid:3": "revoked",
        "urn:uuid:4": "expiring",
    }
    assert services.views.passport("no-such-learner", date(2026, 11, 23)) is None


def test_catching_up_twice_applies_each_event_once(services):
    """A second catch-up finds nothing new; positions only move forward."""
    key = SigningKey.generate()
    _seed(services.ledger, key)
    first = services.projections.catch_up()
    assert first == 10  # 1 registration, 1 key, 2 achievements, 1 enrolment, 4 awards, 1 revocation
    assert services.projections.catch_up() == 0
    assert services.projections.position() == services.ledger.recorder.max_notification_id()


def test_rebuild_from_zero_equals_the_live_read_models(services):
    """`projections rebuild` replays the log into exactly the rows the live projection built."""
    key = SigningKey.generate()
    _, learner = _seed(services.ledger, key)
    services.projections.catch_up()
    services.ledger.suspend_credential(learner, "urn:uuid:4", "under review")
    services.projections.catch_up()
    live = services.views.dump()
    assert services.projections.rebuild() == 11
    assert services.views.dump() == live
    assert any(row[9] == "suspended" for row in live["rm_credentials"])


def test_a_crashed_batch_leaves_nothing_half_applied(services, monkeypatch):
    """If the process is interrupted mid-batch, the batch rolls back and a retry completes it."""
    key = SigningKey.generate()
    _, learner = _seed(services.ledger, key)
    real = passports.HANDLERS["Passport.CredentialRevoked"]

    def crash(*_args: object) -> None:
        raise KeyboardInterrupt  # the process stopped, not an event the handler cannot take

    monkeypatch.setitem(passports.HANDLERS, "Passport.CredentialRevoked", crash)
    with pytest.raises(KeyboardInterrupt):
        services.projections.catch_up()
    assert services.projections.position() == 0
    assert services.views.passport(str(learner), date(2026, 11, 23)) is None
    monkeypatch.setitem(passports.HANDLERS, "Passport.CredentialRevoked", real)
    assert services.projections.catch_up() == 10
