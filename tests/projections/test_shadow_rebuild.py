"""A rebuild goes into fresh tables while the live ones serve, and swaps them in when caught up."""

from __future__ import annotations

import re

import pytest

from passport.services import Services
from passport.settings import Settings
from projections import runner
from projections.schema import SCHEMA, TABLES
from projections.shadow import INDEXES, STATEMENTS, SUFFIX, shadow_sql
from tests.api_client import Api


def _tables(services: Services) -> set[str]:
    with services.read_models.read() as tx:
        if services.read_models.is_postgres:
            rows = tx.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        else:
            rows = tx.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {str(r[0]) for r in rows}


def _passport(api: Api, learner: str) -> dict[str, object]:
    answer = api.http.get(f"/api/v1/learners/{learner}/passport", headers=api.as_operator())
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def test_a_rebuild_equals_the_live_read_models_and_leaves_no_shadow(
    seeded: dict[str, str], services: Services
) -> None:
    """Rebuilding the demo ledger gives the same rows in every read model, and once swapped in
    no shadow table is left behind."""
    services.projections.catch_up()
    live = services.views.dump()
    assert services.projections.rebuild() == services.ledger.recorder.max_notification_id()
    assert services.views.dump() == live
    assert not {t for t in _tables(services) if t.endswith(SUFFIX)}
    assert services.projections.position() == services.ledger.recorder.max_notification_id()


def test_reads_answer_and_new_events_land_while_a_rebuild_runs(
    seeded: dict[str, str], api: Api, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a rebuild is between batches, the served passport answers 200 with the same
    content, an enrolment recorded meanwhile is read back from the swapped-in tables, and the
    server's follower keeps applying new events after the swap."""
    monkeypatch.setattr(runner, "BATCH", 10)  # the demo's ~50 events: several batches
    learner = seeded["Amira Okafor"]
    before = _passport(api, learner)
    rebuilder = Services.open(settings)
    during: list[tuple[int, int, dict[str, object]]] = []
    enrolled: list[str] = []

    def midway(position: int, head: int) -> None:
        if not during:
            during.append((position, head, _passport(api, learner)))
            enrolled.append(str(rebuilder.ledger.enrol_learner("ESR-DURING", "Dee Uring", "")))

    try:
        rebuilder.projections.rebuild(progress=midway)
    finally:
        rebuilder.close()
    position, head, answer = during[0]
    assert 0 < position < head  # the reads happened with the shadow part built
    assert answer == before
    assert _passport(api, learner) == before
    after_swap = api.http.get(f"/api/v1/learners/{enrolled[0]}/passport", headers=api.as_operator())
    assert after_swap.status_code == 200 and after_swap.json()["name"] == "Dee Uring"
    checker = Services.open(settings)
    try:
        late = checker.ledger.enrol_learner("ESR-AFTER", "Al Ater", "")
        head_now = checker.ledger.recorder.max_notification_id() or 0
        assert checker.projections.wait_for(head_now, 30)  # the server's follower applies it
        assert checker.views.learners_exist(str(late))
    finally:
        checker.close()


def test_a_rebuild_that_dies_leaves_the_live_tables_and_the_next_starts_clean(
    seeded: dict[str, str], services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild stopped after two committed batches changes nothing the live read models
    hold, the live projection keeps applying new events, and the next rebuild drops the
    leftovers and swaps in the same rows."""
    monkeypatch.setattr(runner, "BATCH", 10)
    services.projections.catch_up()
    live = services.views.dump()
    calls: list[int] = []

    def die(position: int, _head: int) -> None:
        calls.append(position)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the process stopped between two batches

    with pytest.raises(KeyboardInterrupt):
        services.projections.rebuild(progress=die)
    assert services.views.dump() == live
    assert f"rm_credentials{SUFFIX}" in _tables(services)  # what the dead rebuild left
    learner = services.ledger.enrol_learner("ESR-LATER", "Lat Er", "")
    assert services.projections.catch_up() == 1
    assert services.views.learners_exist(str(learner))
    with_later = services.views.dump()
    services.projections.rebuild()
    assert services.views.dump() == with_later
    assert not {t for t in _tables(services) if t.endswith(SUFFIX)}


def test_the_shadow_names_only_read_model_tables_and_their_indexes() -> None:
    """Statements sent to the shadow name its tables and indexes, while the reservations, the
    data keys and the log's checkpoints (not rebuilt from the log) stay the live ones."""
    assert shadow_sql(
        "CREATE INDEX IF NOT EXISTS rm_credentials_learner ON rm_credentials (learner_id)"
    ) == (
        "CREATE INDEX IF NOT EXISTS rm_credentials_learner__next ON rm_credentials__next "
        "(learner_id)"
    )
    kept = (
        "INSERT INTO rm_status_allocations (issuer_id) VALUES (?); "
        "UPDATE learner_data_keys SET wrapped = NULL; SELECT size FROM log_checkpoints"
    )
    assert shadow_sql(kept) == kept
    assert shadow_sql("UPDATE rm_tracking SET position = ?") == (
        "UPDATE rm_tracking__next SET position = ?"
    )


def test_every_read_model_table_and_index_has_its_shadow() -> None:
    """Each statement of the schema that makes a read-model table or an index on one is also
    made in the shadow, so a swap never loses a table or an index (unique ones included)."""
    made = [
        s
        for s in SCHEMA
        if any(re.search(rf"\b{table}\b", s) for table in TABLES) and s.startswith("CREATE")
    ]
    assert made and all(s in STATEMENTS for s in made)
    assert "rm_programmes_achievement" in INDEXES  # a unique index
