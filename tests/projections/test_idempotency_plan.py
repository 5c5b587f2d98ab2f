"""An issuer's idempotency keys are looked up by primary key however many it holds, even before
PostgreSQL has gathered statistics on the table (a table that grows by whole cohorts between two
runs of autovacuum)."""

from __future__ import annotations

import hashlib

import psycopg
import pytest

from passport.services import Services
from passport.settings import Settings
from projections.idempotency import LOOKUP_BY_DIGESTS, IdempotencyKeys

pytestmark = pytest.mark.postgres

ISSUER = "5c233b47-cd70-51a2-81df-15e35a1a3cbe"
KEYS = 6000


def test_keys_are_probed_by_primary_key_in_a_table_never_analysed(pg_settings: Settings):
    """6,000 keys of one issuer in a table the planner has no statistics for: the lookup of 100
    of them probes the primary key by issuer and digest (it used to read all 6,000 of the
    issuer's rows and filter them by digest), and finds each key's credential id."""
    services = Services.open(pg_settings)
    try:
        keys = IdempotencyKeys(services.read_models)
        recorded: dict[str, str] = {}
        for start in range(0, KEYS, 500):
            batch = [f"cohort/{n}" for n in range(start, start + 500)]
            recorded.update(keys.credential_ids(ISSUER, batch))
        wanted = [f"cohort/{n}" for n in range(0, KEYS, KEYS // 100)]
        assert keys.recorded(ISSUER, wanted) == {k: recorded[k] for k in wanted}
    finally:
        services.close()
    digests = [hashlib.sha256(k.encode()).hexdigest() for k in wanted]
    with psycopg.connect(pg_settings.postgres_conninfo()) as conn:
        analysed = conn.execute(
            "SELECT reltuples FROM pg_class WHERE relname = 'award_idempotency_keys'"
        ).fetchone()
        assert analysed is not None and analysed[0] < 0  # never analysed: no statistics
        plan = "\n".join(
            str(row[0])
            for row in conn.execute(
                "EXPLAIN " + LOOKUP_BY_DIGESTS.replace("?", "%s"), (digests, ISSUER)
            )
        )
    assert "award_idempotency_keys_pkey" in plan, plan
    assert "Filter" not in plan, plan
    conditions = [line for line in plan.splitlines() if "Index Cond" in line]
    assert conditions and all("key_digest" in c and "issuer_id" in c for c in conditions), plan
