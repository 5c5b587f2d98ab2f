"""A write the database refuses only when a batch's deferred inserts are sent still costs just
its own event: the others in the batch are applied, in log order, and the log stays whole."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from passport.services import Services
from passport.settings import Settings
from projections.merkle_log import MerkleLog
from projections.set_aside import set_aside_events

NOW = datetime(2026, 6, 1, tzinfo=UTC)
# Over PostgreSQL's 8,191-byte limit for one index entry, and too varied to compress under it:
# the server itself refuses it as a credential's key (SQLite keeps it).
OVERSIZED_ID = "urn:x:" + "".join(hashlib.sha256(bytes([n])).hexdigest() for n in range(160))


def test_a_deferred_insert_the_server_refuses_sets_aside_its_event_only(settings: Settings):
    """An award recorded by an older writer with an id too long for the credentials' index
    (refused by PostgreSQL when the batch's inserts are sent) is set aside alone; the awards
    before and after it in the same batch are readable, and every event is a Merkle leaf."""
    services = Services.open(settings)
    try:
        issuer = services.awarding.register_issuer("long", "Long", "https://l.example", NOW)
        ledger = services.ledger
        ids = ["urn:x:before", OVERSIZED_ID, "urn:x:after"]
        learners = []
        for n, credential_id in enumerate(ids):
            learner = ledger.enrol_learner(f"ESR-long-{n}", f"L{n}", "")
            ledger.issue_credential(learner, credential_id, issuer.id, "", "vc-api", {}, "jwt")
            learners.append(str(learner))
        head = ledger.recorder.max_notification_id()

        services.projections.catch_up()

        assert services.projections.position() == head
        assert services.views.credential("urn:x:before") is not None
        assert services.views.credential("urn:x:after") is not None
        refused = settings.database_url.startswith("postgres")
        aside = set_aside_events(services.read_models)
        assert [(e.aggregate_id, e.version) for e in aside] == (
            [(learners[1], 2)] if refused else []
        )
        assert (services.views.credential(OVERSIZED_ID) is None) == refused
        # The enrolment of the refused award's learner, earlier in the batch, is kept.
        assert services.views.learners_exist(learners[1])
        events = len(ledger.recorder.select_notifications(start=1, limit=1000))
        assert MerkleLog(services.read_models).size() == events
    finally:
        services.close()
