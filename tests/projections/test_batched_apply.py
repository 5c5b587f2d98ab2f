"""One batch of the log applied with its writes sent together reads as if applied one by one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from passport.services import Services
from projections import database

NOW = datetime(2026, 6, 1, tzinfo=UTC)
STATUS_URL = "https://passport.test/status/batch/1"


def _credential(index: int) -> dict[str, Any]:
    """A credential holding one two-bit `message` entry at `index` of list 1."""
    return {
        "credentialStatus": {
            "type": "BitstringStatusListEntry",
            "statusPurpose": "message",
            "statusSize": 2,
            "statusListIndex": str(index),
            "statusListCredential": STATUS_URL,
        }
    }


def _entry(bits: bytes, index: int) -> int:
    """The two-bit value at `index`, the first entry at the list's most significant bits
    (W3C Bitstring Status List, section 3.2)."""
    position = index * 2
    high = (bits[position // 8] >> (7 - position % 8)) & 1
    low = (bits[(position + 1) // 8] >> (7 - (position + 1) % 8)) & 1
    return high << 1 | low


def test_status_changes_in_the_batch_that_issued_them_reach_credentials_and_lists(
    services: Services,
):
    """Awards revoked, suspended or claimed twice within the one batch that records them show
    the status a user would expect, on the credential and in the published list."""
    issuer = services.awarding.register_issuer("batch", "Batch", "https://b.example", NOW)
    ledger = services.ledger
    ada = ledger.enrol_learner("ESR-ada", "Ada", "")
    ledger.issue_credential(ada, "urn:x:revoked", issuer.id, "", "vc-api", _credential(5), "j")
    ledger.revoke_credential(ada, "urn:x:revoked", "issued in error")
    ledger.issue_credential(ada, "urn:x:suspended", issuer.id, "", "vc-api", _credential(6), "j")
    ledger.suspend_credential(ada, "urn:x:suspended", "under review")
    bob = ledger.enrol_learner("ESR-bob", "Bob", "")
    ledger.issue_credential(bob, "urn:x:active", issuer.id, "", "vc-api", _credential(7), "j")
    # Another passport recording an id already held: the first recorded stays the one read.
    ledger.issue_credential(bob, "urn:x:revoked", issuer.id, "", "vc-api", _credential(8), "j")
    head = ledger.recorder.max_notification_id()

    services.projections.catch_up()

    assert services.projections.position() == head
    revoked, suspended = (
        services.views.credential("urn:x:revoked"),
        services.views.credential("urn:x:suspended"),
    )
    active = services.views.credential("urn:x:active")
    assert revoked is not None and suspended is not None and active is not None
    assert (revoked["status"], revoked["learner_id"]) == ("revoked", str(ada))
    assert suspended["status"] == "suspended"
    assert (active["status"], active["learner_id"]) == ("active", str(bob))
    listed = services.status_indexes.list_state(str(issuer.id), "message", 1)
    assert listed is not None
    # message values: 0 valid, 1 revoked, 2 suspended; index 8 was never this list's to set.
    assert [_entry(listed.bits, i) for i in (5, 6, 7, 8)] == [1, 2, 0, 0]


def test_a_batch_of_awards_costs_a_few_statements_not_some_per_award(
    services: Services, monkeypatch: pytest.MonkeyPatch
):
    """Applying a hundred enrolments and awards sends a bounded handful of statements (each
    kind of write goes once, for all of them), not one round trip or more per event."""
    issuer = services.awarding.register_issuer("bulk", "Bulk", "https://b.example", NOW)
    services.projections.catch_up()
    for n in range(50):
        learner = services.ledger.enrol_learner(f"ESR-{n}", f"L{n}", "")
        services.ledger.issue_credential(
            learner, f"urn:x:{n}", issuer.id, "", "vc-api", _credential(n), "j"
        )
    statements: list[str] = []
    for cls in (database._SQLiteTransaction, database._PostgresTransaction):
        one, many = cls.execute, cls.execute_many

        def execute(self: Any, sql: str, params: Sequence[Any] = (), _one: Any = one) -> Any:
            statements.append(sql)
            return _one(self, sql, params)

        def execute_many(self: Any, sql: str, rows: Any, _many: Any = many) -> None:
            statements.append(sql)
            _many(self, sql, rows)

        monkeypatch.setattr(cls, "execute", execute)
        monkeypatch.setattr(cls, "execute_many", execute_many)

    assert services.projections.catch_up() == 100

    assert len(statements) < 25, statements
    assert len(services.views.credentials_of(str(learner))) == 1
