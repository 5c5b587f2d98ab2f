"""A batch of awards written in one go reads back exactly, in log order, signed, on both stores."""

from __future__ import annotations

import os
from collections.abc import Iterator
from uuid import uuid4

import pytest

from events.application import AwardEntry, Ledger
from events.audit import audit_log
from events.postgres_recorder import BinaryInsertRecorder
from keys import KeyWrapper, Pseudonyms, SigningKey
from passport.services import open_read_models
from passport.settings import Settings
from projections.personal_data import SqlVault

PSEUDONYMS = Pseudonyms(os.urandom(32), os.urandom(32))
# Bytes a text encoding has to escape: quotes, backslashes, a NUL, control and non-ASCII
# characters, a character beyond the Basic Multilingual Plane.
AWKWARD = 'Renée "Ré" O\\Brien\x00\t\u2028 ✓ 𝄞'


@pytest.fixture
def ledger(settings: Settings) -> Iterator[tuple[Ledger, SigningKey]]:
    signer = SigningKey.generate()
    database = open_read_models(settings)
    app = Ledger(
        settings.eventsourcing_env() | {"CREATE_TABLE": "y"},
        signer_id="ledger-1",
        signer=signer,
        trusted={"ledger-1": signer.public_key},
        vault=SqlVault(database, KeyWrapper(os.urandom(32))),
        pseudonyms=PSEUDONYMS,
    )
    yield app, signer
    app.close()
    database.close()


def _entry(n: int) -> AwardEntry:
    credential_id = f"urn:uuid:{uuid4()}"
    return AwardEntry(
        staff_identifier=f"ESR-{n // 3:05d}",  # three awards per learner in the batch
        name=AWKWARD,
        email=f"l{n}@example.nhs.net",
        credential_id=credential_id,
        issuer_id=uuid4(),
        achievement_id="ig",
        kind="training",
        credential={"id": credential_id, "name": f"{AWKWARD} #{n}", "credits": 1.5},
        jwt=f"a.b{n}.c",
    )


def test_a_batch_reads_back_byte_for_byte_and_audits_clean(ledger, settings):
    """300 awards with characters a text encoding must escape are stored in one write (on
    PostgreSQL sent in binary), each read back exactly as written, with increasing log
    positions and every signature valid."""
    app, signer = ledger
    assert isinstance(app.recorder, BinaryInsertRecorder) == settings.is_postgres
    entries = [_entry(n) for n in range(300)]
    assert app.record_awards(entries) == 300
    for entry in entries[::37]:
        learner = app.learner(app.learner_id_for(entry.staff_identifier))
        held = learner.credentials[entry.credential_id]
        assert (held["credential"], held["jwt"]) == (entry.credential, entry.jwt)
        assert learner.personal is not None and learner.personal.name == AWKWARD
    notifications = app.recorder.select_notifications(1, 1000)
    assert [n.id for n in notifications] == sorted(n.id for n in notifications)
    assert len(notifications) == 300 + 300 + 100  # credentials, their claims, enrolments
    result = audit_log(app.recorder, {"ledger-1": signer.public_key})
    assert result.intact and result.checked == 700
